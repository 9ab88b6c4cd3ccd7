import { createHash, randomBytes } from 'node:crypto';
import fsSync, { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const SHA256 = /^[0-9a-f]{64}$/;
const ASIDE = /^gc-([0-9a-f]{64})-[0-9a-f]+$/;
/** The store's folders: a blob lives under the first two hex digits of its sha256. */
const FAN_OUT = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Content-addressed file store: every file is kept once, named by its sha256.
 * Writes go to a temp file in the same folder tree and are renamed into place, so a
 * reader never sees half a file and a crash leaves at most a stray temp file.
 * Safe to use from worker threads: the name is derived from the content, so two
 * writers of the same bytes race harmlessly.
 *
 * Putting bytes that are already stored refreshes the file's mtime: the blob collector
 * (blob-collector.ts) keeps any blob written or re-put after the oldest writer in flight
 * started, so a file a running import is about to reference is never removed under it.
 * Nothing else removes blobs: code that drops a reference releases the blob to the collector.
 *
 * `blocking: true` is for a worker thread that does nothing but ingest: the cheap file
 * operations of a put (write, rename, mtime) run as plain system calls on that thread, and
 * only the fsyncs go to the thread pool, so the puts of one flush still sync in parallel.
 * Each promise-API call costs a thread-pool round trip and its promise: a photo's and its
 * thumbnail's puts made ~17 of them, ~4 ms of CPU per photo, against ~0.5 ms this way
 * (grocery photos put one after another, 2026-12-01). Never set it on the engine's own
 * thread, whose event loop must not wait on the disk.
 */
export class BlobStore {
  readonly root: string;
  private readonly tmpDir: string;
  /** Start times of puts in flight on this thread (the collector waits for them). */
  private readonly inFlight = new Map<number, number>();
  private nextPut = 1;

  private readonly blocking: boolean;

  constructor(dataDir: string, options: { blocking?: boolean } = {}) {
    this.root = path.join(dataDir, 'blobs');
    this.tmpDir = path.join(dataDir, 'tmp');
    this.blocking = options.blocking ?? false;
  }

  async init(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    await fs.mkdir(this.tmpDir, { recursive: true });
    // All 256 fan-out folders exist before any put (made once per library, durably; ~0.1 s
    // on a loaded 2-core VM, the first import made them anyway): a put then never makes one,
    // so a blob's folder cannot be a name still waiting for another writer's sync of the root.
    const present = new Set(await fs.readdir(this.root));
    const missing = FAN_OUT.filter((d) => !present.has(d));
    if (missing.length > 0) {
      await Promise.all(missing.map((d) => fs.mkdir(path.join(this.root, d), { recursive: true })));
      await syncDir(this.root);
    }
    // Temp files left by a crash are garbage by construction; a blob the collector had
    // moved aside when the process died goes back (it was not yet proven unused).
    for (const name of await fs.readdir(this.tmpDir)) {
      if (name.endsWith('.part')) await fs.rm(path.join(this.tmpDir, name), { force: true });
      const aside = ASIDE.exec(name);
      if (aside) await this.restoreAside(path.join(this.tmpDir, name), aside[1]!);
    }
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  /** The start time of the oldest put in flight on this thread, or null. */
  writersSince(): number | null {
    let oldest: number | null = null;
    for (const t of this.inFlight.values()) if (oldest === null || t < oldest) oldest = t;
    return oldest;
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /** Stores bytes; returns their sha256. */
  async putBuffer(data: Uint8Array): Promise<{ sha256: string; bytes: number }> {
    return this.writing(async () => {
      const sha256 = createHash('sha256').update(data).digest('hex');
      if (this.blocking) {
        if (!this.refreshNow(sha256)) {
          const tmp = this.tempPath();
          await this.commit(tmp, sha256, writeTempNow(tmp, data));
        }
        return { sha256, bytes: data.byteLength };
      }
      if (!(await this.refresh(sha256))) {
        const tmp = this.tempPath();
        try {
          await fs.writeFile(tmp, data);
        } catch (err) {
          await fs.rm(tmp, { force: true });
          throw err;
        }
        await this.commit(tmp, sha256);
      }
      return { sha256, bytes: data.byteLength };
    });
  }

  /** Copies a file in while hashing it in one streaming pass. */
  putFile(source: string): Promise<{ sha256: string; bytes: number }> {
    return this.writing(() => this.copyIn(source));
  }

  private async copyIn(source: string): Promise<{ sha256: string; bytes: number }> {
    const tmp = this.tempPath();
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      await pipeline(
        createReadStream(source),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            bytes += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    if (await this.refresh(sha256)) await fs.rm(tmp, { force: true });
    else await this.commit(tmp, sha256);
    return { sha256, bytes };
  }

  /**
   * Stores a file whose sha256 the caller already knows and has written to `tmp` (moved, not
   * copied). A stored file of that name is trusted and kept, unless `replace`: a caller that
   * has just verified `tmp` against the sha256 (a model installed again because the stored
   * file was found damaged) replaces it atomically, since a name proves nothing about bytes
   * that were changed on disk after they were stored.
   */
  adoptTemp(tmp: string, sha256: string, options: { replace?: boolean } = {}): Promise<void> {
    return this.writing(async () => {
      if (!options.replace && (await this.refresh(sha256))) await fs.rm(tmp, { force: true });
      else await this.commit(tmp, sha256);
    });
  }

  /**
   * Marks an already stored blob as just written (its mtime), so the collector sees that a
   * writer needs it; false when it is not stored (the caller writes it).
   */
  async refresh(sha256: string): Promise<boolean> {
    const now = new Date();
    try {
      await fs.utimes(this.pathOf(sha256), now, now);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** refresh() as plain system calls (blocking stores): no exception is built for the usual answer, "not stored". */
  private refreshNow(sha256: string): boolean {
    const file = this.pathOf(sha256);
    if (!fsSync.statSync(file, { throwIfNoEntry: false })) return false;
    const now = new Date();
    try {
      fsSync.utimesSync(file, now, now);
      return true;
    } catch (err) {
      // Moved aside by the collector between the two calls: write it again.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Moves a blob out of the store, atomically, for the collector to check; answers where it went. */
  async moveAside(sha256: string): Promise<string> {
    const aside = path.join(this.tmpDir, `gc-${sha256}-${randomBytes(6).toString('hex')}`);
    await fs.rename(this.pathOf(sha256), aside);
    return aside;
  }

  /** Puts a blob moved aside back (or drops it when a writer has stored the same bytes again meanwhile). */
  async restoreAside(aside: string, sha256: string): Promise<void> {
    const dest = this.pathOf(sha256);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    try {
      // link, not rename: it fails instead of replacing a file a writer has put back meanwhile.
      await fs.link(aside, dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        await fs.rm(aside, { force: true });
        return;
      }
      // A file system without hard links: the same bytes either way, so a rename is safe.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      await fs.rename(aside, dest);
      return;
    }
    await fs.rm(aside, { force: true });
  }

  /** A fresh temp path inside the store's filesystem, for writers that stream. */
  tempPath(): string {
    return path.join(this.tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}.part`);
  }

  /**
   * Removes a blob now, whoever else references it. Only for files this engine has just
   * made and nothing can reference yet; anything else goes through the blob collector
   * (engine.blobs.release), or a shared file can vanish under a live row.
   */
  async remove(sha256: string): Promise<boolean> {
    if (this.onRemove) return this.onRemove(sha256);
    try {
      await fs.rm(this.pathOf(sha256));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Set by the engine: remove() then releases the blob to the collector instead of
   * deleting it (features written before the collector call remove() after checking only
   * their own tables). Answers whether the blob is unused everywhere.
   */
  onRemove: ((sha256: string) => Promise<boolean>) | null = null;

  private async writing<T>(work: () => Promise<T>): Promise<T> {
    const id = this.nextPut++;
    this.inFlight.set(id, Date.now());
    try {
      return await work();
    } finally {
      this.inFlight.delete(id);
    }
  }

  /**
   * Makes a written temp file the blob `sha256`, durably: its bytes and its name survive a
   * power cut once this resolves. Commits that arrive together share one flush (group
   * commit): their files are fsynced together (the file system's journal folds concurrent
   * syncs into one commit), renamed into place, then each folder they landed in is fsynced
   * once, which is what makes a rename durable. A commit that arrives while a flush runs
   * waits for the next one, which takes everything that queued meanwhile.
   */
  private commit(tmp: string, sha256: string, fd: number | null = null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ tmp, fd, dest: this.pathOf(sha256), resolve, reject });
      void this.flushQueued();
    });
  }

  private rename(from: string, to: string): Promise<void> {
    if (!this.blocking) return fs.rename(from, to);
    fsSync.renameSync(from, to);
    return Promise.resolve();
  }

  /** Commits waiting for the next flush. */
  private queued: PendingCommit[] = [];
  private flushing = false;

  private async flushQueued(): Promise<void> {
    if (this.flushing) return; // the running flush takes these when it ends
    this.flushing = true;
    try {
      while (this.queued.length > 0) await this.flush(this.queued.splice(0));
    } finally {
      this.flushing = false;
    }
  }

  private async flush(group: PendingCommit[]): Promise<void> {
    const failed = new Map<PendingCommit, unknown>();
    /** Whether this flush made a fan-out folder: its name in the root must be made durable too. */
    let madeFolder = false;
    await Promise.all(
      group.map(async (c) => {
        try {
          if (c.fd !== null) await syncOpenFile(c.fd);
          else await syncFile(c.tmp);
          // init() made the fan-out folders: rename at once, and make the folder only when the
          // rename says it is missing (a store used without init; a mkdir per blob cost a system call each).
          try {
            await this.rename(c.tmp, c.dest);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
            await fs.mkdir(path.dirname(c.dest), { recursive: true });
            madeFolder = true;
            await this.rename(c.tmp, c.dest);
          }
        } catch (err) {
          failed.set(c, err);
          await fs.rm(c.tmp, { force: true }).catch(() => undefined);
        }
      }),
    );
    const renamed = group.filter((c) => !failed.has(c));
    const dirs = [...new Set(renamed.map((c) => path.dirname(c.dest)))];
    if (madeFolder) dirs.push(this.root);
    const dirFailed = new Map<string, unknown>();
    const sync = this.blocking ? syncDirNow : syncDir;
    await Promise.all(dirs.map((d) => sync(d).catch((err: unknown) => void dirFailed.set(d, err))));
    for (const c of group) {
      const err = failed.get(c) ?? dirFailed.get(path.dirname(c.dest)) ?? dirFailed.get(this.root);
      if (err === undefined) c.resolve();
      else c.reject(err);
    }
  }
}

interface PendingCommit {
  tmp: string;
  /** The temp file, still open (blocking stores): synced through it, then closed. */
  fd: number | null;
  dest: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a new temp file and answers it still open, for the flush to sync and close. */
function writeTempNow(tmp: string, data: Uint8Array): number {
  const fd = fsSync.openSync(tmp, 'wx');
  try {
    for (let done = 0; done < data.byteLength; ) done += fsSync.writeSync(fd, data, done);
  } catch (err) {
    fsSync.closeSync(fd);
    fsSync.rmSync(tmp, { force: true });
    throw err;
  }
  return fd;
}

/** fsync through the thread pool (the puts of a flush sync in parallel), then close, whatever the sync answered. */
function syncOpenFile(fd: number): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    fsSync.fsync(fd, (err) => {
      try {
        fsSync.closeSync(fd);
      } catch (closeErr) {
        if (!err) return reject(closeErr as Error);
      }
      if (err) reject(err);
      else resolve();
    }),
  );
}

/** syncDir() with the open as a plain system call (blocking stores). */
async function syncDirNow(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  await syncOpenFile(fsSync.openSync(dir, 'r'));
}

/**
 * fsync of a folder: makes the names renamed into it durable (POSIX). Windows cannot open a
 * folder for syncing, and NTFS journals the rename itself, so there it is left out.
 */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  await syncFile(dir);
}
