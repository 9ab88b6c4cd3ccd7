/**
 * The watched folder's settings (kept in the library; off by default) and its watcher:
 * started with the engine when enabled, restarted when the settings change, stopped on
 * close. A file is added once: remembered by path, size and time, and by its bytes (the
 * same video copied in again, or renamed, is not added twice).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContractError, WatchSettings, type WatchStatus } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import type { VideoProcessing } from './processing.js';
import type { SettingsStore } from './settings-store.js';
import { barcodeFromName } from './video-files.js';
import type { VideoLibrary } from './video-library.js';
import { FolderWatcher, type WatchedFile } from './watch-folder.js';

export const DEFAULT_WATCH: WatchSettings = { enabled: false, folder: null, process: true, stableMs: 3000 };

export class WatchService {
  private watcher: FolderWatcher | null = null;
  private problem: string | null = null;
  private lastScanAt: number | null = null;
  private readonly seenStmt;
  private readonly rememberStmt;
  private readonly shaSeenStmt;

  constructor(
    db: Db,
    private readonly settingsStore: SettingsStore,
    private readonly library: VideoLibrary,
    private readonly processing: VideoProcessing,
    private readonly events: EventBus,
    /** How often the folder is listed (tests poll faster). */
    private readonly intervalMs: number,
  ) {
    this.seenStmt = db.prepare('SELECT 1 FROM video_watch_seen WHERE path = ? AND size = ? AND mtime_ms = ?').pluck();
    this.rememberStmt = db.prepare('INSERT OR IGNORE INTO video_watch_seen (path, size, mtime_ms, sha256, video_id, seen_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.shaSeenStmt = db.prepare('SELECT video_id FROM video_watch_seen WHERE sha256 = ? AND video_id IS NOT NULL LIMIT 1').pluck();
  }

  settings(): WatchSettings {
    return this.settingsStore.get('watch', WatchSettings, DEFAULT_WATCH);
  }

  status(): WatchStatus {
    return { ...this.settings(), active: this.watcher !== null, problem: this.problem, lastScanAt: this.lastScanAt };
  }

  async update(patch: Partial<WatchSettings>): Promise<WatchStatus> {
    const next = WatchSettings.parse({ ...this.settings(), ...patch });
    if (next.folder !== null && !path.isAbsolute(next.folder)) throw new ContractError('invalid_input', `the watched folder must be an absolute path, not ${next.folder}`);
    if (next.enabled && !next.folder) throw new ContractError('invalid_input', 'choose a folder to watch first');
    if (next.enabled && next.folder && !isFolder(next.folder)) throw new ContractError('invalid_input', `${next.folder} is not a folder`);
    this.settingsStore.set('watch', next);
    await this.restart();
    return this.status();
  }

  /** Starts (or stops) the watcher to match the settings. */
  async restart(): Promise<void> {
    await this.stop();
    const s = this.settings();
    this.problem = null;
    if (s.enabled && s.folder) {
      if (!isFolder(s.folder)) {
        this.problem = `${s.folder} is not there (a drive not mounted?)`;
      } else {
        this.watcher = new FolderWatcher({
          folder: s.folder,
          stableMs: s.stableMs,
          intervalMs: this.intervalMs,
          seen: (f) => this.seenStmt.get(f.path, f.size, f.mtimeMs) !== undefined,
          accept: (f) => this.accept(f),
          onError: (err, file) => {
            this.problem = `${file ? `${path.basename(file)}: ` : ''}${(err as Error).message}`;
            this.emit();
          },
          onScan: (at) => {
            this.lastScanAt = at;
          },
        });
        this.watcher.start();
      }
    }
    this.emit();
  }

  /** One scan now (tests; the watcher also scans on its own). */
  async scanNow(): Promise<void> {
    await this.watcher?.scan();
  }

  async stop(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    await w?.stop();
  }

  private async accept(f: WatchedFile): Promise<void> {
    const name = path.basename(f.path);
    const barcode = barcodeFromName(name);
    const blob = await this.library.storeFile(f.path, { name, barcode });
    // The same bytes already came through the folder (copied again, renamed): remember this path, add nothing.
    const earlier = this.shaSeenStmt.get(blob.sha256) as string | undefined;
    if (earlier) {
      this.rememberStmt.run(f.path, f.size, f.mtimeMs, blob.sha256, null, Date.now());
      await this.library.dropBlobIfUnused(blob.sha256);
      return;
    }
    const added = await this.library.addStored(blob, { name, barcode, origin: 'watched', originalPath: f.path });
    this.rememberStmt.run(f.path, f.size, f.mtimeMs, blob.sha256, added.video.id, Date.now());
    this.problem = null;
    if (!added.existing && this.settings().process && added.video.productId) this.processing.process([added.video.id]);
  }

  private emit(): void {
    this.events.emit('videos.watchChanged', this.status());
  }
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
