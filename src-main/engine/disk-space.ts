/**
 * A full disk is a state, not a failure: when a job or a write finds no space (ENOSPC,
 * SQLITE_FULL), the queue pauses with the reason `disk_full` (the UI and `atolye queue`
 * show it) instead of failing or retrying jobs in a loop. While it is paused for that
 * reason this watch checks the free space of the library's file system and resumes the
 * queue once there is room again.
 */
import fs from 'node:fs/promises';
import type { EventBus } from './events.js';
import type { Queue } from './queue/queue.js';

export interface DiskWatchOptions {
  /** Free bytes needed before the queue resumes (default 256 MiB). */
  minFreeBytes?: number;
  /** How often the free space is read while paused for a full disk (default 5 s). */
  checkMs?: number;
}

/** Bytes this user may still write on the file system holding `dir`. */
export async function freeBytesOn(dir: string): Promise<number> {
  const s = await fs.statfs(dir);
  return s.bavail * s.bsize;
}

export class DiskWatch {
  readonly minFreeBytes: number;
  private readonly checkMs: number;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly dataDir: string,
    private readonly queue: Queue,
    private readonly events: EventBus,
    options: DiskWatchOptions = {},
  ) {
    this.minFreeBytes = options.minFreeBytes ?? 256 * 1024 ** 2;
    this.checkMs = options.checkMs ?? 5_000;
  }

  /** Bytes this user may still write on the library's file system. */
  freeBytes(): Promise<number> {
    return freeBytesOn(this.dataDir);
  }

  start(): void {
    if (this.closed || this.unsubscribe) return;
    this.unsubscribe = this.events.subscribe((e) => {
      if (e.type === 'queue.changed' && e.payload.batchId === null && e.payload.reason === 'disk_full') this.watch();
    });
    if (this.queue.pauseReason() === 'disk_full') this.watch();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One line for the user: how full the disk is and what to do. */
  async describe(): Promise<string> {
    const free = await this.freeBytes().catch(() => null);
    const room = free === null ? '' : ` (${formatBytes(free)} free, ${formatBytes(this.minFreeBytes)} needed)`;
    return `the disk holding the library (${this.dataDir}) is full${room}; the queue is paused and resumes by itself once space is freed`;
  }

  private watch(): void {
    if (this.closed || this.timer) return;
    const check = async () => {
      this.timer = null;
      if (this.closed || this.queue.pauseReason() !== 'disk_full') return;
      let free = 0;
      try {
        free = await this.freeBytes();
      } catch {
        /* unreadable: try again later */
      }
      if (this.closed || this.queue.pauseReason() !== 'disk_full') return;
      if (free >= this.minFreeBytes) {
        console.error(`[engine] ${formatBytes(free)} free on the library's disk again; resuming the queue`);
        this.queue.resume();
        return;
      }
      this.timer = setTimeout(() => void check(), this.checkMs);
      this.timer.unref();
    };
    this.timer = setTimeout(() => void check(), 0);
    this.timer.unref();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
