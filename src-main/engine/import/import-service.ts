import os from 'node:os';
import path from 'node:path';
import type { ImportProgress } from '../../../src-shared/contract/index.js';
import { ContractError, type ImportStartInput } from '../../../src-shared/contract/index.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import { newId } from '../ids.js';
import type { Library } from '../library/library.js';
import { WorkerPool } from '../workers/pool.js';
import type { IngestOptions, IngestResult } from './ingest.js';
import { projectNameFor, scanPaths, type ScannedFile } from './scan.js';
import type { UploadStaging } from './uploads.js';

type Sources = { paths: string[] } | { uploads: { id: string; name: string }[] };

interface ImportRow {
  id: string;
  project_id: string;
  state: ImportProgress['state'];
  total: number;
  processed: number;
  imported: number;
  duplicates: number;
  skipped: number;
  error: string | null;
  sources: string;
}

const PROGRESS_INTERVAL_MS = 100;

/**
 * Turns dropped folders, files or uploads into a project's assets. Decoding, hashing
 * and thumbnails run in a worker pool; this class only schedules and writes rows.
 */
export class ImportService {
  private readonly pool: WorkerPool<{ file: string; options: IngestOptions }, IngestResult>;
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly library: Library,
    private readonly uploads: UploadStaging,
    private readonly events: EventBus,
    private readonly options: IngestOptions & { dataDir: string; workers?: number },
  ) {
    this.pool = new WorkerPool(new URL(`./image-worker${path.extname(new URL(import.meta.url).pathname)}`, import.meta.url), {
      // One per core plus one: the engine thread only writes rows, and the extra worker keeps
      // the cores busy while the others wait on fsync (measured: bench:import, docs/benchmarks.md).
      size: options.workers ?? os.availableParallelism() + 1,
      name: 'image-ingest',
      workerData: { dataDir: options.dataDir },
    });
  }

  /** Imports that were running when the engine stopped are marked so; the user can start them again. */
  markInterrupted(): number {
    return this.db
      .prepare("UPDATE imports SET state = 'interrupted', updated_at = ? WHERE state IN ('scanning', 'running')")
      .run(Date.now()).changes;
  }

  async start(input: ImportStartInput): Promise<ImportProgress> {
    let sources: Sources;
    let name = input.projectName;
    if (input.paths) {
      sources = { paths: input.paths.map((p) => path.resolve(p)) };
      name ??= await projectNameFor(input.paths);
    } else {
      const ids = input.uploadIds!;
      const names = input.uploadNames ?? ids.map((id) => id);
      for (const id of ids) if (!(await this.uploads.exists(id))) throw new ContractError('not_found', `no upload ${id}`);
      sources = { uploads: ids.map((id, i) => ({ id, name: cleanRelPath(names[i]!) })) };
      const firstSegments = new Set(sources.uploads.map((u) => (u.name.includes('/') ? u.name.split('/')[0] : '')));
      const folder = firstSegments.size === 1 ? [...firstSegments][0] : '';
      name ??= folder || `Upload ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
    }
    const projectId = input.projectId ?? this.library.createProject(name, 'paths' in sources && sources.paths.length === 1 ? sources.paths[0]! : null).id;
    if (input.projectId) this.library.getProject(input.projectId);
    const importId = newId();
    const now = Date.now();
    this.db
      .prepare("INSERT INTO imports (id, project_id, state, sources, created_at, updated_at) VALUES (?, ?, 'scanning', ?, ?, ?)")
      .run(importId, projectId, JSON.stringify(sources), now, now);
    this.events.emit('projects.changed', { projectId });
    const progress = this.get(importId);
    this.events.emit('import.progress', progress);
    const run = this.run(importId, projectId, sources).finally(() => this.running.delete(importId));
    this.running.set(importId, run);
    return progress;
  }

  get(importId: string): ImportProgress {
    const row = this.db.prepare('SELECT * FROM imports WHERE id = ?').get(importId) as ImportRow | undefined;
    if (!row) throw new ContractError('not_found', `no import ${importId}`);
    return toProgress(row);
  }

  /** Resolves when the import has finished (tests, CLI). */
  async wait(importId: string): Promise<ImportProgress> {
    await this.running.get(importId);
    return this.get(importId);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
    await this.pool.close();
  }

  private async run(importId: string, projectId: string, sources: Sources): Promise<void> {
    try {
      let files: ScannedFile[];
      if ('paths' in sources) {
        const scanned = await scanPaths(sources.paths);
        if (scanned.missing.length) throw new ContractError('not_found', `not found: ${scanned.missing.join(', ')}`);
        files = scanned.files;
      } else {
        files = sources.uploads.map((u) => ({ path: this.uploads.pathOf(u.id), relPath: u.name }));
      }
      this.db.prepare("UPDATE imports SET state = 'running', total = ?, updated_at = ? WHERE id = ?").run(files.length, Date.now(), importId);
      this.emitProgress(importId, true);

      const firstSeq = this.library.nextSeq(projectId);
      const record = this.recorder(importId, projectId);
      // Bounded look-ahead keeps memory flat on 10,000-file drops.
      const window = this.pool.size * 2;
      let next = 0;
      const lane = async () => {
        while (next < files.length) {
          const index = next++;
          const file = files[index]!;
          let result: IngestResult;
          try {
            result = await this.pool.run({ file: file.path, options: this.options });
          } catch (err) {
            result = { ok: false, reason: `worker failed: ${(err as Error).message}` };
          }
          record(file, firstSeq + index, result);
          this.emitProgress(importId, false);
        }
      };
      await Promise.all(Array.from({ length: Math.min(window, files.length) }, lane));
      this.db.prepare("UPDATE imports SET state = 'done', updated_at = ? WHERE id = ?").run(Date.now(), importId);
      if ('uploads' in sources) await this.uploads.discard(sources.uploads.map((u) => u.id));
    } catch (err) {
      this.db.prepare("UPDATE imports SET state = 'failed', error = ?, updated_at = ? WHERE id = ?").run((err as Error).message, Date.now(), importId);
    }
    this.emitProgress(importId, true);
    this.events.emit('projects.changed', { projectId });
  }

  /** One transaction per file: the asset, its thumbnail and the counters move together. */
  private recorder(importId: string, projectId: string) {
    const bump = (column: 'imported' | 'duplicates' | 'skipped') =>
      this.db.prepare(`UPDATE imports SET processed = processed + 1, ${column} = ${column} + 1, updated_at = ? WHERE id = ?`);
    const bumpImported = bump('imported');
    const bumpDuplicate = bump('duplicates');
    const bumpSkipped = bump('skipped');
    const insertSkip = this.db.prepare('INSERT INTO import_skips (id, project_id, import_id, file_name, rel_path, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    return this.db.transaction((file: ScannedFile, seq: number, result: IngestResult) => {
      const now = Date.now();
      const fileName = path.posix.basename(file.relPath);
      if (!result.ok) {
        insertSkip.run(newId(), projectId, importId, fileName, file.relPath, result.reason, now);
        bumpSkipped.run(now, importId);
        return;
      }
      if (this.library.findOriginal(projectId, result.sha256)) {
        bumpDuplicate.run(now, importId);
        return;
      }
      const originalId = this.library.insertAsset({
        projectId,
        kind: 'original',
        sha256: result.sha256,
        ext: result.ext,
        fileName,
        relPath: file.relPath,
        width: result.width,
        height: result.height,
        format: result.format,
        bytes: result.bytes,
        seq,
      });
      this.library.insertAsset({
        projectId,
        kind: 'thumbnail',
        sha256: result.thumb.sha256,
        ext: 'webp',
        fileName: `${fileName}.thumb.webp`,
        relPath: file.relPath,
        width: result.thumb.width,
        height: result.thumb.height,
        format: 'webp',
        bytes: result.thumb.bytes,
        seq,
        sourceAssetId: originalId,
        operation: 'thumbnail',
        paramsHash: `size=${this.options.thumbSize}`,
      });
      bumpImported.run(now, importId);
    });
  }

  private lastEmit = new Map<string, number>();

  /** Progress events at most ~10 Hz per import, plus every state change. */
  private emitProgress(importId: string, force: boolean): void {
    const now = Date.now();
    if (!force && now - (this.lastEmit.get(importId) ?? 0) < PROGRESS_INTERVAL_MS) return;
    this.lastEmit.set(importId, now);
    const progress = this.get(importId);
    if (progress.state === 'done' || progress.state === 'failed') this.lastEmit.delete(importId);
    this.events.emit('import.progress', progress);
  }
}

function toProgress(r: ImportRow): ImportProgress {
  return {
    importId: r.id,
    projectId: r.project_id,
    state: r.state,
    total: r.total,
    processed: r.processed,
    imported: r.imported,
    duplicates: r.duplicates,
    skipped: r.skipped,
    error: r.error,
  };
}

/** A browser-given relative name, made safe to show and store (it is never used as a path). */
function cleanRelPath(name: string): string {
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p && p !== '.' && p !== '..');
  return parts.join('/') || 'unnamed';
}
