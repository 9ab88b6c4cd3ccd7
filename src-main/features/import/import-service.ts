import fs from 'node:fs/promises';
import path from 'node:path';
import type { EngineEvent, ImportProgress, SkippedFile } from '../../../src-shared/contract/index.js';
import { cleanText, clipText, ContractError, type ImportStartInput } from '../../../src-shared/contract/index.js';
import type { BlobCollector } from '../../engine/store/blob-collector.js';
import type { Db } from '../../engine/db/database.js';
import { cachedStatement } from '../../engine/db/statements.js';
import type { EventBus } from '../../engine/events.js';
import { newId } from '../../engine/ids.js';
import type { Queue } from '../../engine/queue/queue.js';
import type { BatchRow, CommitContext } from '../../engine/queue/types.js';
import type { UploadStaging } from '../../engine/uploads.js';
import type { Library } from '../library/public.js';
import type { ImageIngestPool } from '../../engine/images/ingest-pool.js';
import type { IngestOptions, IngestResult } from '../../engine/images/ingest.js';
import { importBatch } from './jobs/import-batch.js';
import { importFileJob, type FileServices, type ImportFilePayload } from './jobs/import-file.js';
import { importScanJob, type ScanFound, type ScanServices } from './jobs/import-scan.js';
import { projectNameFor, scanPaths } from './scan.js';

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
 * Turns dropped folders, files or uploads into a project's assets, through the job queue:
 * an import is a batch whose first child (import.scan) lists the files and queues one
 * import.file child per file. A crash mid-import resumes on the next start, each file
 * recorded exactly once. Decoding, hashing and thumbnails run in a worker pool; this
 * class writes rows inside the queue's transactions and reports progress.
 */
export class ImportService implements ScanServices, FileServices {
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Db,
    private readonly library: Library,
    private readonly uploads: UploadStaging,
    private readonly events: EventBus,
    private readonly queue: Queue,
    private readonly images: ImageIngestPool,
    private readonly options: IngestOptions,
    private readonly blobs: BlobCollector,
  ) {
    this.unsubscribe = events.subscribe((e) => this.onQueueEvent(e));
  }


  /**
   * Imports left running by an engine from before the queue (no batch behind them) cannot
   * resume: they are marked interrupted and the user can start them again. Imports with a
   * batch resume on their own.
   */
  markInterrupted(): number {
    const open = this.db.prepare("SELECT id FROM imports WHERE state IN ('scanning', 'running')").pluck().all() as string[];
    const mark = this.db.prepare("UPDATE imports SET state = 'interrupted', updated_at = ? WHERE id = ?");
    const orphans = open.filter((id) => !this.queue.hasBatch(id));
    this.db.transaction(() => orphans.forEach((id) => mark.run(Date.now(), id)))();
    return orphans.length;
  }

  async start(input: ImportStartInput): Promise<ImportProgress> {
    let sources: Sources;
    let name = input.projectName;
    if (input.paths) {
      sources = { paths: input.paths.map((p) => path.resolve(p)) };
      // Refused before a project exists: a typo must not leave an empty project behind.
      for (const p of sources.paths) await assertReadablePath(p);
      name ??= await projectNameFor(input.paths);
    } else {
      const ids = input.uploadIds!;
      const names = input.uploadNames ?? ids.map((id) => id);
      for (const id of ids) if (!(await this.uploads.exists(id))) throw new ContractError('not_found', `no upload ${id}`);
      sources = { uploads: ids.map((id, i) => ({ id, name: cleanRelPath(names[i]!) })) };
      const firstSegments = new Set(sources.uploads.map((u) => (u.name.includes('/') ? u.name.split('/')[0] : '')));
      const folder = firstSegments.size === 1 ? clipText([...firstSegments][0]!, 200).trim() : '';
      name ??= folder || `Upload ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
    }
    const projectId = input.projectId ?? this.library.createProject(name, 'paths' in sources && sources.paths.length === 1 ? sources.paths[0]! : null).id;
    if (input.projectId) this.library.getProject(input.projectId);
    const importId = newId();
    const now = Date.now();
    // The import row, its batch and the scan job appear together or not at all.
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO imports (id, project_id, state, sources, created_at, updated_at) VALUES (?, ?, 'scanning', ?, ?, ?)")
        .run(importId, projectId, JSON.stringify(sources), now, now);
      this.queue.createBatch(importBatch, { id: importId, label: name, projectId });
      this.queue.enqueue(importScanJob, { importId }, { batchId: importId, projectId });
      // Kept past the staging area's expiry until this import is done with them.
      if ('uploads' in sources) this.uploads.claim(sources.uploads.map((u) => u.id), `import:${importId}`);
    })();
    this.events.emit('projects.changed', { projectId });
    // The ingest workers boot while the scan runs, not on the first file (a failed start shows on the files' own jobs).
    this.images.warm().catch(() => undefined);
    const progress = this.get(importId);
    this.events.emit('import.progress', progress);
    return progress;
  }

  /** The project an import went into (for reports). */
  project(projectId: string): { id: string; name: string } {
    return this.library.getProject(projectId);
  }

  /** Files a project's imports skipped, with the reason. */
  listSkipped(projectId: string): SkippedFile[] {
    this.library.getProject(projectId);
    return (
      this.db.prepare('SELECT * FROM import_skips WHERE project_id = ? ORDER BY created_at, rel_path').all(projectId) as {
        id: string;
        project_id: string;
        import_id: string;
        file_name: string;
        rel_path: string;
        reason: string;
        created_at: number;
      }[]
    ).map((r) => ({ id: r.id, projectId: r.project_id, importId: r.import_id, fileName: r.file_name, relPath: r.rel_path, reason: r.reason, createdAt: r.created_at }));
  }

  get(importId: string): ImportProgress {
    const row = cachedStatement(this.db, 'SELECT * FROM imports WHERE id = ?').get(importId) as ImportRow | undefined;
    if (!row) throw new ContractError('not_found', `no import ${importId}`);
    return toProgress(row);
  }

  /** Resolves when the import has finished, or the engine is closing (tests, CLI). */
  async wait(importId: string): Promise<ImportProgress> {
    const progress = this.get(importId);
    if (progress.state === 'done' || progress.state === 'failed' || progress.state === 'interrupted') return progress;
    await this.queue.waitForBatch(importId);
    return this.get(importId);
  }

  /** Called after the queue has closed: stops the ingest workers. */
  async close(): Promise<void> {
    this.unsubscribe();
  }

  // ------------------------------------------------------------ job steps (see queue/jobs/import-*.ts)

  /**
   * import.scan: the files of an import's dropped paths or uploads, and what under them
   * cannot be imported (unreadable folders, broken links, pipes…), with the reason. Fails
   * only when nothing that was dropped exists.
   */
  async scanSources(importId: string): Promise<ScanFound> {
    const row = this.db.prepare('SELECT sources FROM imports WHERE id = ?').get(importId) as { sources: string } | undefined;
    if (!row) throw new ContractError('not_found', `no import ${importId}`);
    const sources = JSON.parse(row.sources) as Sources;
    if ('uploads' in sources) return { files: sources.uploads.map((u) => ({ path: this.uploads.pathOf(u.id), relPath: u.name })), skipped: [] };
    const scanned = await scanPaths(sources.paths);
    if (scanned.missing.length && scanned.files.length === 0 && scanned.skipped.length === 0) throw new ContractError('not_found', `not found: ${scanned.missing.join(', ')}`);
    const missing = scanned.missing.map((p) => ({ relPath: cleanText(path.basename(p)) || 'unnamed', reason: 'not found' }));
    return { files: scanned.files, skipped: [...scanned.skipped, ...missing] };
  }

  /** import.scan's commit: the total, one import.file child per file and a skipped row per unreadable entry, in the scan's transaction. */
  beginFiles(ctx: CommitContext<ScanServices>, importId: string, found: ScanFound): void {
    const row = this.db.prepare('SELECT project_id FROM imports WHERE id = ?').get(importId) as { project_id: string };
    const now = Date.now();
    this.db.prepare("UPDATE imports SET state = 'running', total = ?, updated_at = ? WHERE id = ?").run(found.files.length + found.skipped.length, now, importId);
    for (const s of found.skipped) this.recordSkip(row.project_id, importId, s.relPath, s.reason, now);
    const firstSeq = this.library.reserveSeq(row.project_id, found.files.length);
    const payloads = found.files.map(
      (file, index): ImportFilePayload => ({ importId, projectId: row.project_id, path: file.path, relPath: file.relPath, seq: firstSeq + index }),
    );
    ctx.enqueueMany(importFileJob, payloads, { batchId: importId, projectId: row.project_id });
  }

  private recordSkip(projectId: string, importId: string, relPath: string, reason: string, now: number): void {
    this.db
      .prepare('INSERT INTO import_skips (id, project_id, import_id, file_name, rel_path, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(newId(), projectId, importId, path.posix.basename(relPath), relPath, reason, now);
    this.library.noteSkipped(projectId);
    this.db.prepare('UPDATE imports SET processed = processed + 1, skipped = skipped + 1, updated_at = ? WHERE id = ?').run(now, importId);
  }

  /** import.file's work: runs in the ingest pool; `kill` stops the worker (a cancel's grace period ran out). */
  ingest(file: string, opts: { signal: AbortSignal; kill: AbortSignal }): Promise<IngestResult> {
    return this.images.ingest(file, { ...opts, options: this.options });
  }

  /** import.file's commit: the asset, its thumbnail and the counters, in the job's completing transaction. */
  recordFile(p: ImportFilePayload, result: IngestResult): void {
    const now = Date.now();
    const fileName = path.posix.basename(p.relPath);
    const bump = (column: 'imported' | 'duplicates' | 'skipped') =>
      cachedStatement(this.db, `UPDATE imports SET processed = processed + 1, ${column} = ${column} + 1, updated_at = ? WHERE id = ?`).run(now, p.importId);
    // The project was deleted while this file was being read: no row goes under it, and the
    // files this job stored go to the collector (another project may hold the same bytes).
    if (!this.library.isLiveProject(p.projectId)) {
      if (result.ok) this.blobs.release([result.sha256, result.thumb.sha256]);
      return;
    }
    if (!result.ok) {
      this.recordSkip(p.projectId, p.importId, p.relPath, result.reason, now);
      return;
    }
    if (this.library.findOriginal(p.projectId, result.sha256)) {
      bump('duplicates');
      return;
    }
    const originalId = this.library.insertAsset({
      projectId: p.projectId,
      kind: 'original',
      sha256: result.sha256,
      ext: result.ext,
      fileName,
      relPath: p.relPath,
      width: result.width,
      height: result.height,
      format: result.format,
      bytes: result.bytes,
      seq: p.seq,
    });
    this.library.insertAsset({
      projectId: p.projectId,
      kind: 'thumbnail',
      sha256: result.thumb.sha256,
      ext: 'webp',
      fileName: `${fileName}.thumb.webp`,
      relPath: p.relPath,
      width: result.thumb.width,
      height: result.thumb.height,
      format: 'webp',
      bytes: result.thumb.bytes,
      seq: p.seq,
      sourceAssetId: originalId,
      operation: 'thumbnail',
      paramsHash: `size=${this.options.thumbSize}`,
    });
    bump('imported');
  }

  /** The import batch's derived state, mirrored into the imports row (inside the queue's transaction). */
  onBatchState(batch: BatchRow): void {
    const now = Date.now();
    const set = this.db.prepare('UPDATE imports SET state = ?, error = ?, updated_at = ? WHERE id = ?');
    switch (batch.state) {
      case 'completed':
        set.run('done', null, now, batch.id);
        return;
      case 'cancelled':
        set.run('failed', 'cancelled', now, batch.id);
        return;
      case 'failed': {
        const [first] = this.queue.list({ batchId: batch.id, state: 'failed', limit: 1 }, 'oldest').items;
        const error =
          first?.type === importScanJob.type ? (first.error ?? 'scan failed') : `${batch.failed} file(s) could not be processed: ${first?.error ?? 'unknown error'}`;
        set.run('failed', error, now, batch.id);
        return;
      }
      default: {
        // Reopened (a retry) or still going: scanning until the scan has completed.
        const scan = this.queue.list({ batchId: batch.id, type: importScanJob.type, limit: 1 }).items[0]?.state;
        set.run(scan === undefined || scan === 'completed' ? 'running' : 'scanning', null, now, batch.id);
      }
    }
  }

  // ------------------------------------------------------------ progress

  /** Turns the queue's job and batch events for import batches into import.progress. */
  private onQueueEvent(e: EngineEvent): void {
    switch (e.type) {
      case 'job.completed':
      case 'job.failed':
      case 'job.cancelled':
      case 'job.retrying':
        if (e.payload.type === importFileJob.type && e.payload.batchId) this.emitProgress(e.payload.batchId, false);
        else if (e.payload.type === importScanJob.type && e.payload.batchId) this.emitProgress(e.payload.batchId, true);
        return;
      case 'batch.completed':
      case 'batch.failed':
      case 'batch.cancelled':
      case 'batch.started':
        if (e.payload.type !== importBatch.type) return;
        this.emitProgress(e.payload.id, true);
        if (e.type === 'batch.started') return;
        this.events.emit('projects.changed', { projectId: e.payload.projectId });
        // Done, or cancelled because its project was deleted: the staged uploads are not needed again.
        if (e.type === 'batch.completed' || (e.type === 'batch.cancelled' && e.payload.projectId && !this.library.isLiveProject(e.payload.projectId))) {
          void this.discardUploads(e.payload.id);
        }
        return;
      default:
    }
  }

  private async discardUploads(importId: string): Promise<void> {
    const row = this.db.prepare('SELECT sources FROM imports WHERE id = ?').get(importId) as { sources: string } | undefined;
    const sources = row ? (JSON.parse(row.sources) as Sources) : null;
    if (sources && 'uploads' in sources) await this.uploads.discard(sources.uploads.map((u) => u.id)).catch(() => {});
  }

  private lastEmit = new Map<string, number>();

  /** Progress events at most ~10 Hz per import, plus every state change. */
  private emitProgress(importId: string, force: boolean): void {
    const now = Date.now();
    if (!force && now - (this.lastEmit.get(importId) ?? 0) < PROGRESS_INTERVAL_MS) return;
    let progress: ImportProgress;
    try {
      progress = this.get(importId);
    } catch {
      return; // a batch that is not an import of this library
    }
    this.lastEmit.set(importId, now);
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
  const parts = cleanText(name)
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p && p !== '.' && p !== '..');
  return parts.join('/') || 'unnamed';
}

/** A path given to import exists and can be read; otherwise invalid_input naming it. */
async function assertReadablePath(p: string): Promise<void> {
  try {
    await fs.access(p, fs.constants.R_OK);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file or folder' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
    throw new ContractError('invalid_input', `${p}: ${why}; nothing was imported`);
  }
}
