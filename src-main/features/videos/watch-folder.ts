/**
 * The watched folder: video files that appear in it (or below it) are added once each,
 * only after they stop growing. Polling, not fs.watch: watch events are unreliable on
 * network drives and synced folders (where such a folder usually is), coalesce or drop
 * under load, and differ by platform; a listing every second or two of one folder costs
 * nothing, and "size and time unchanged for `stableMs`" needs a clock anyway.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { looksLikeVideo } from './video-files.js';

export interface WatchedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface FolderWatcherOptions {
  folder: string;
  /** A file is ready once its size and mtime have held this long. */
  stableMs: number;
  /** How often the folder is listed. */
  intervalMs: number;
  /** Already added (by path + size + mtime): skipped without a look. */
  seen(file: WatchedFile): boolean;
  /** Adds a stable file; errors are reported and the file is tried again on a later scan. */
  accept(file: WatchedFile): Promise<void>;
  onError?(err: unknown, file: string | null): void;
  onScan?(at: number): void;
  now?: () => number;
}

interface Candidate {
  size: number;
  mtimeMs: number;
  /** When this size and mtime were first seen. */
  since: number;
}

export class FolderWatcher {
  private readonly candidates = new Map<string, Candidate>();
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: FolderWatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for a scan in progress (an add half-way finishes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.scanning?.catch(() => {});
  }

  /** One pass: list, note sizes, add what has been stable long enough. Scans never overlap. */
  scan(): Promise<void> {
    return (this.scanning ??= this.scanOnce().finally(() => (this.scanning = null)));
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.scan().finally(() => this.schedule(this.options.intervalMs));
    }, delay);
    this.timer.unref?.();
  }

  private async scanOnce(): Promise<void> {
    const files = await this.list().catch((err: unknown) => {
      this.options.onError?.(err, null);
      return null;
    });
    if (!files) return;
    const now = this.now();
    this.options.onScan?.(now);
    const present = new Set(files.map((f) => f.path));
    for (const p of this.candidates.keys()) if (!present.has(p)) this.candidates.delete(p);
    for (const f of files) {
      if (this.stopped) return;
      if (this.options.seen(f)) {
        this.candidates.delete(f.path);
        continue;
      }
      const c = this.candidates.get(f.path);
      if (!c || c.size !== f.size || c.mtimeMs !== f.mtimeMs) {
        this.candidates.set(f.path, { size: f.size, mtimeMs: f.mtimeMs, since: now });
        continue;
      }
      // An empty file is a copy that has not started writing yet.
      if (f.size === 0 || now - c.since < this.options.stableMs) continue;
      try {
        await this.options.accept(f);
        this.candidates.delete(f.path);
      } catch (err) {
        this.options.onError?.(err, f.path);
        // Start its clock again: a file that failed (locked, vanished) gets a fresh look.
        this.candidates.set(f.path, { size: f.size, mtimeMs: f.mtimeMs, since: this.now() });
      }
    }
  }

  private async list(): Promise<WatchedFile[]> {
    const out: WatchedFile[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      for (const e of await fs.readdir(dir, { withFileTypes: true })) {
        if (e.name.startsWith('.')) continue;
        const full = path.join(dir, e.name);
        if (e.isDirectory() && depth < 8) await walk(full, depth + 1);
        else if (e.isFile() && looksLikeVideo(e.name)) {
          try {
            const st = await fs.stat(full);
            out.push({ path: full, size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
          } catch {
            // gone between the listing and the stat: next scan
          }
        }
      }
    };
    await walk(this.options.folder, 0);
    return out;
  }
}
