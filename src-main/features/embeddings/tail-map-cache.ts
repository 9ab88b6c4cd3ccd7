/**
 * Fine-tuning's input maps kept on disk between runs, as the frozen vectors are kept in
 * the vector store: a resumed, repeated or re-tuned run on the same images reads them
 * back instead of running the network again (about 40 ms of CPU per image and view at
 * 320 px; two minutes for the grocery set).
 *
 * Files, not SQLite: a map is 179 KB (one layer at 320 px) to 538 KB (two layers), the
 * training worker thread writes them (the engine's one SQLite writer is elsewhere), and
 * the whole cache can go without touching the library.
 *
 * Layout: `<root>/<graph>-L<layers>-v<format>/<aa>/<sha256>.<view|image>.f32`, raw
 * float32 in the platform's byte order. `<graph>` is the built-in graph's recorded sha256,
 * so maps of another nsfwjs build or recipe never mix with these. A file is written
 * beside its name and renamed into place (a crash leaves a `.part`, never a short map),
 * and read only when its size is the map's.
 *
 * Bounded: after a run's maps are in, the least recently used files (by mtime, which a
 * read refreshes) go until the cache fits its cap; the caller passes fine-tuning's
 * memory budget, which one run's maps already fit. Nothing is written when the disk has
 * less than `MIN_FREE_BYTES` left after the write: the cache must never be what fills it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { offlineVariant } from './offline-embedder.js';
import { offlineTailMapBytes } from './offline-tail.js';

/** Bumped when what a file holds changes meaning (layout, preparation). */
const FORMAT = 1;
/** Free space the cache leaves on the disk. */
export const MIN_FREE_BYTES = 2 * 2 ** 30;
/** A `.part` this old is a crashed write, not one in flight. */
const STALE_PART_MS = 10 * 60_000;

export class TailMapCache {
  /** This embedder's and depth's folder under the root. */
  readonly dir: string;
  /** Bytes of one map. */
  readonly mapBytes: number;

  constructor(
    readonly root: string,
    embedderId: string,
    layers: number,
    private readonly minFreeBytes = MIN_FREE_BYTES,
  ) {
    this.dir = path.join(root, `${offlineVariant(embedderId).sha256.slice(0, 16)}-L${layers}-v${FORMAT}`);
    this.mapBytes = offlineTailMapBytes(embedderId, layers);
  }

  fileOf(sha256: string, view: string | null): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    if (view !== null && !/^[a-z0-9-]+$/.test(view)) throw new Error(`not a view name: ${view}`);
    return path.join(this.dir, sha256.slice(0, 2), `${TailMapCache.keyOf(sha256, view)}.f32`);
  }

  /**
   * The maps kept, as `<sha256>.<view|image>` names (synchronous, for estimates: one
   * directory listing per fan-out folder rather than a stat per image; sizes are checked
   * when the maps are read).
   */
  keptSync(): Set<string> {
    const kept = new Set<string>();
    let folders: string[];
    try {
      folders = readdirSync(this.dir);
    } catch {
      return kept;
    }
    for (const folder of folders) {
      let names: string[];
      try {
        names = readdirSync(path.join(this.dir, folder));
      } catch {
        continue;
      }
      for (const name of names) if (name.endsWith('.f32')) kept.add(name.slice(0, -4));
    }
    return kept;
  }

  /** The name keptSync() lists a map under. */
  static keyOf(sha256: string, view: string | null): string {
    return `${sha256}.${view ?? 'image'}`;
  }

  /** The cached map, or null when absent or not a whole map. A hit counts as a use. */
  async get(sha256: string, view: string | null): Promise<Float32Array | null> {
    const file = this.fileOf(sha256, view);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch {
      return null;
    }
    if (bytes.length !== this.mapBytes) return null;
    const now = new Date();
    await fs.utimes(file, now, now).catch(() => {});
    // A copy into its own buffer: readFile's may be a slice of a shared pool.
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }

  /** Keeps a map; false when it was not kept (no room, a disk error): the cache is an optimisation only. */
  async put(sha256: string, view: string | null, map: Float32Array): Promise<boolean> {
    if (map.byteLength !== this.mapBytes) throw new Error(`a map of ${map.byteLength} bytes, expected ${this.mapBytes}`);
    const file = this.fileOf(sha256, view);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.part`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      const { bavail, bsize } = await fs.statfs(path.dirname(file));
      if (bavail * bsize - map.byteLength < this.minFreeBytes) return false;
      await fs.writeFile(tmp, new Uint8Array(map.buffer, map.byteOffset, map.byteLength));
      await fs.rename(tmp, file);
      return true;
    } catch {
      await fs.rm(tmp, { force: true }).catch(() => {});
      return false;
    }
  }

  /**
   * Removes the least recently used maps (of every embedder and depth under the root)
   * until the cache holds at most `capBytes`, and crashed writes' leftovers. Returns the
   * bytes it holds afterwards.
   */
  async prune(capBytes: number, now = Date.now()): Promise<number> {
    const files: { file: string; size: number; mtime: number }[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory() && depth < 2) await walk(full, depth + 1);
        else if (e.isFile()) {
          const st = await fs.stat(full).catch(() => null);
          if (!st) continue;
          if (e.name.endsWith('.part')) {
            if (now - st.mtimeMs > STALE_PART_MS) await fs.rm(full, { force: true }).catch(() => {});
            continue;
          }
          files.push({ file: full, size: st.size, mtime: st.mtimeMs });
        }
      }
    };
    await walk(this.root, 0);
    let total = files.reduce((s, f) => s + f.size, 0);
    files.sort((a, b) => a.mtime - b.mtime);
    for (const f of files) {
      if (total <= capBytes) break;
      await fs.rm(f.file, { force: true }).catch(() => {});
      total -= f.size;
    }
    return total;
  }
}
