import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Statement } from 'better-sqlite3';
import { ContractError, UPLOAD_MAX_BYTES } from '../../src-shared/contract/index.js';
import type { Db } from './db/database.js';
import { freeBytesOn } from './disk-space.js';
import { newId } from './ids.js';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface UploadStagingOptions {
  /** Largest upload (the contract's UPLOAD_MAX_BYTES unless a test says otherwise). */
  maxBytes?: number;
  /** A staged upload nothing claimed is removed after this long (default 24 h). */
  expiryMs?: number;
  /** How often the staging folder is swept while the engine runs (default hourly). */
  sweepEveryMs?: number;
  /** Free bytes an upload must leave on the library's disk (default 512 MiB): uploads never fill the disk the library writes to. */
  reserveBytes?: number;
  /** Free bytes on the staging folder's file system (default: statfs); tests stand in a full disk. */
  freeBytes?: (dir: string) => Promise<number>;
}

/** How many bytes an upload writes between two looks at the free space. */
const FREE_SPACE_CHECK_EVERY = 64 * 2 ** 20;

/** An upload refused for its size (413) or for the room left on the disk (507): the HTTP status travels with the error. */
export class UploadRefused extends ContractError {
  constructor(
    code: 'invalid_input' | 'unavailable',
    message: string,
    readonly httpStatus: 413 | 507,
  ) {
    super(code, message);
  }
}

/**
 * Staging for files that arrive by upload (web mode) rather than as local paths.
 * An upload is kept until the import that names it has finished, so an interrupted
 * import can be run again from the same bytes: the import claims it (upload_claims, in
 * the transaction that creates the import) and discards it when done. What nobody
 * claims does not pile up: interrupted uploads (`*.part`) are removed at start, and an
 * unclaimed upload after `expiryMs`, at start and on an hourly sweep.
 */
export class UploadStaging {
  readonly dir: string;
  readonly maxBytes: number;
  private readonly expiryMs: number;
  private readonly sweepEveryMs: number;
  private readonly reserveBytes: number;
  private readonly freeBytes: (dir: string) => Promise<number>;
  private readonly claimStmt: Statement;
  private readonly unclaimStmt: Statement;
  private readonly claimedStmt: Statement;
  private timer: NodeJS.Timeout | null = null;
  /** Uploads being received now (their .part files are not stale). */
  private readonly receiving = new Set<string>();

  constructor(dataDir: string, db: Db, options: UploadStagingOptions = {}) {
    this.dir = path.join(dataDir, 'uploads');
    this.maxBytes = options.maxBytes ?? UPLOAD_MAX_BYTES;
    this.expiryMs = options.expiryMs ?? 24 * 3600_000;
    this.sweepEveryMs = options.sweepEveryMs ?? 3600_000;
    this.reserveBytes = options.reserveBytes ?? 512 * 2 ** 20;
    this.freeBytes = options.freeBytes ?? freeBytesOn;
    this.claimStmt = db.prepare('INSERT INTO upload_claims (upload_id, owner, claimed_at) VALUES (?, ?, ?) ON CONFLICT(upload_id) DO UPDATE SET owner = excluded.owner');
    this.unclaimStmt = db.prepare('DELETE FROM upload_claims WHERE upload_id = ?');
    this.claimedStmt = db.prepare('SELECT 1 FROM upload_claims WHERE upload_id = ?').pluck();
  }

  /** Creates the folder and removes what an earlier run left unfinished or unclaimed. */
  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await this.sweep({ atStart: true });
  }

  startSweeping(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep({ atStart: false }).catch((err: unknown) => console.error(`[uploads] sweep failed: ${(err as Error).message}`)), this.sweepEveryMs);
    this.timer.unref();
  }

  stopSweeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Removes interrupted uploads (every `.part` at start, none being received later) and
   * uploads nothing claimed within `expiryMs`. Answers the names removed.
   */
  async sweep({ atStart }: { atStart: boolean }): Promise<string[]> {
    const removed: string[] = [];
    const now = Date.now();
    for (const name of await fs.readdir(this.dir)) {
      const file = path.join(this.dir, name);
      const part = /^(.+)\.part$/.exec(name);
      let stale = false;
      if (part) {
        stale = atStart || (!this.receiving.has(part[1]!) && (await ageOf(file, now)) > this.expiryMs);
      } else if (UPLOAD_ID.test(name)) {
        stale = !this.claimedStmt.get(name) && (await ageOf(file, now)) > this.expiryMs;
      }
      if (!stale) continue;
      await fs.rm(file, { force: true });
      removed.push(name);
    }
    return removed;
  }

  /**
   * Stages one upload. `declaredBytes` (the request's Content-Length) lets an upload the
   * disk cannot hold be refused before a byte is written; without it, and as the disk
   * fills from elsewhere, the free space is looked at every 64 MiB written.
   */
  async receive(body: Readable, declaredBytes?: number): Promise<{ uploadId: string; bytes: number }> {
    const uploadId = newId();
    const target = this.pathOf(uploadId);
    const tmp = `${target}.part`;
    let bytes = 0;
    const limit = this.maxBytes;
    const roomFor = async (more: number) => {
      const free = await this.freeBytes(this.dir);
      if (free - more < this.reserveBytes) {
        throw new UploadRefused('unavailable', `not enough free disk space for this upload: ${mib(free)} free, ${mib(this.reserveBytes)} of it kept for the library${more > 0 ? `, and the upload needs ${mib(more)}` : ''}; free some space and upload again`, 507);
      }
    };
    await roomFor(declaredBytes !== undefined && Number.isFinite(declaredBytes) ? declaredBytes : 0);
    this.receiving.add(uploadId);
    try {
      let nextCheck = FREE_SPACE_CHECK_EVERY;
      await pipeline(
        body,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            bytes += chunk.length;
            if (bytes > limit) throw new UploadRefused('invalid_input', `upload is larger than ${limit} bytes`, 413);
            if (bytes >= nextCheck) {
              nextCheck += FREE_SPACE_CHECK_EVERY;
              await roomFor(0);
            }
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
      // A body that ended early (the client went away) is not an upload.
      if ((body as { complete?: boolean }).complete === false || (body as { aborted?: boolean }).aborted) throw new ContractError('invalid_input', 'the upload was interrupted');
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    } finally {
      this.receiving.delete(uploadId);
    }
    return { uploadId, bytes };
  }

  pathOf(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new ContractError('invalid_input', `not an upload id: ${uploadId}`);
    return path.join(this.dir, uploadId);
  }

  async exists(uploadId: string): Promise<boolean> {
    return fs.access(this.pathOf(uploadId)).then(
      () => true,
      () => false,
    );
  }

  /** Keeps uploads past the expiry until they are discarded: call it in the transaction that records what will read them. */
  claim(uploadIds: readonly string[], owner: string): void {
    const now = Date.now();
    for (const id of uploadIds) this.claimStmt.run(this.idOf(id), owner, now);
  }

  async discard(uploadIds: readonly string[]): Promise<void> {
    await Promise.all(
      uploadIds.map(async (id) => {
        await fs.rm(this.pathOf(id), { force: true });
        this.unclaimStmt.run(id);
      }),
    );
  }

  private idOf(uploadId: string): string {
    this.pathOf(uploadId);
    return uploadId;
  }
}

const mib = (n: number) => `${Math.max(0, Math.round(n / 2 ** 20))} MiB`;

async function ageOf(file: string, now: number): Promise<number> {
  try {
    return now - (await fs.stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}
