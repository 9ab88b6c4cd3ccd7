import {
  ContractError,
  RemoveBackgroundOptions,
  ResultPlacement,
  type Batch,
  type DerivedResult,
  type EngineEvent,
  type ExecutionProvider,
  type QualityCode,
  type RemoveBackgroundOptionsInput,
  type RemoveBackgroundPreview,
  type RemoveBackgroundRun,
} from '../../../src-shared/contract/index.js';
import type { EventBus } from '../../engine/events.js';
import type { Queue } from '../../engine/queue/queue.js';
import { removeBackgroundBatch, removeBackgroundImageJob, type ImageJobServices, type RemoveBackgroundImagePayload } from './jobs/remove-background-image.js';
import {
  findExisting,
  image,
  modelMask,
  normaliseOptions,
  OPERATION,
  recordMask,
  recordRemoveBackground,
  removeBackground,
  removeBackgroundWork,
  type RemoveBackgroundResult,
  type ComputedResult,
  type RemoveBackgroundDeps,
  type WorkResult,
} from './remove-background.js';
import type { ReviewFacts } from './render.js';

interface RunRow {
  id: string;
  project_id: string;
  model_id: string;
  options: string;
  reused: number;
  needs_review: number;
  provider: ExecutionProvider | null;
  error: string | null;
  error_code: string | null;
}

/** What the image job stores as its result (the queue keeps it as JSON). */
interface StoredJobResult {
  sourceAssetId: string;
  paramsHash: string;
  reused: boolean;
  provider: ExecutionProvider | null;
  assetId: string | null;
  review?: ReviewFacts | null;
}

/**
 * The grid's filters this feature answers (library.defineAssetFilter), on an original `a`.
 * needs_review: its newest result's verdict says so and nobody accepted it.
 */
const NEWEST_RESULT = `SELECT r.id FROM assets r WHERE r.source_asset_id = a.id AND r.operation = '${OPERATION}' AND r.deleted = 0 ORDER BY r.created_at DESC, r.id DESC LIMIT 1`;
const FILTERS = {
  has_result: `EXISTS (SELECT 1 FROM assets r WHERE r.source_asset_id = a.id AND r.operation = '${OPERATION}' AND r.deleted = 0)`,
  no_result: `NOT EXISTS (SELECT 1 FROM assets r WHERE r.source_asset_id = a.id AND r.operation = '${OPERATION}' AND r.deleted = 0)`,
  needs_review: `EXISTS (SELECT 1 FROM derivations d WHERE d.asset_id = (${NEWEST_RESULT}) AND d.verdict = 'needs_review' AND d.accepted_at IS NULL)`,
  failed: `EXISTS (SELECT 1 FROM remove_background_failures f WHERE f.source_asset_id = a.id)`,
} as const;

/**
 * Background removal over a project or a selection, as a batch of queue jobs (one per
 * image): durable across restarts, with per-image results and progress events. The run's
 * own facts (options, model, reuse count, provider, why it stopped) are a row beside its
 * batch, updated in the jobs' completing transactions. Each job goes through
 * removeBackgroundWork, so a rerun reuses what exists and a bad image fails alone; a model
 * that cannot run stops the whole run with its reason.
 */
export class RemoveBackgroundService implements ImageJobServices {
  private readonly unsubscribe: () => void;

  /** Masks being made for a preview, by source and model: a second preview waits for the first. */
  private readonly masksInFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: RemoveBackgroundDeps,
    private readonly queue: Queue,
    private readonly events: EventBus,
  ) {
    this.unsubscribe = events.subscribe((e) => this.onEvent(e));
    for (const [name, condition] of Object.entries(FILTERS)) deps.library.defineAssetFilter(name as keyof typeof FILTERS, condition);
  }

  async start(input: { projectId: string; assetIds?: string[]; options?: RemoveBackgroundOptionsInput | RemoveBackgroundOptions; modelId?: string }): Promise<RemoveBackgroundRun> {
    const options = normaliseOptions(input.options ?? {});
    const project = this.deps.library.getProject(input.projectId);
    const modelId = input.modelId ?? this.deps.models.defaultId('background-removal');
    const model = this.deps.models.info(modelId);
    if (model.status !== 'ready' && model.source !== 'package') {
      throw new ContractError('unavailable', `model ${modelId} is ${model.status}: install it from the Models page first`);
    }
    const ids = input.assetIds ?? this.originals(input.projectId);
    for (const id of input.assetIds ?? []) {
      const a = this.deps.library.getAsset(id);
      if (a.projectId !== input.projectId) throw new ContractError('invalid_input', `asset ${id} is not in project ${input.projectId}`);
    }
    const now = Date.now();
    // The batch, its run row and every job appear together or not at all.
    const runId = this.deps.db.transaction(() => {
      const id = this.queue.createBatch(removeBackgroundBatch, { label: `Remove background (${options.preset}) · ${project.name}`, projectId: input.projectId });
      this.deps.db
        .prepare('INSERT INTO remove_background_runs (id, project_id, model_id, options, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, input.projectId, modelId, JSON.stringify(options), now, now);
      // No queue-level dedupe: the operation itself reuses finished results, and each run
      // should count (and report) every image it was given.
      const nameOf = this.deps.db.prepare('SELECT rel_path FROM assets WHERE id = ?').pluck();
      this.queue.enqueueMany(
        removeBackgroundImageJob,
        // The image's path names the job on the Queue page and in its failures.
        ids.map((assetId) => ({ assetId, options, modelId, fileName: (nameOf.get(assetId) as string | undefined) ?? undefined })),
        { batchId: id, projectId: input.projectId, dedupeKey: null },
      );
      return id;
    })();
    const run = this.get(runId);
    this.events.emit('remove-background.progress', run);
    return run;
  }

  get(runId: string): RemoveBackgroundRun {
    const row = this.runRow(runId);
    if (!row) throw new ContractError('not_found', `no background-removal run ${runId}`);
    return this.toRun(this.queue.batch(runId), row);
  }

  cancel(runId: string): RemoveBackgroundRun {
    this.get(runId);
    this.queue.cancelBatch(runId);
    return this.get(runId);
  }

  async wait(runId: string): Promise<RemoveBackgroundRun> {
    this.get(runId);
    await this.queue.waitForBatch(runId);
    return this.get(runId);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.deps.images.close();
  }

  /** One image at once, outside the queue (tests, benchmarks): reuses or computes and records its result. */
  removeOne(assetId: string, options: RemoveBackgroundOptionsInput = {}, modelId?: string, signal?: AbortSignal): Promise<RemoveBackgroundResult> {
    return removeBackground(this.deps, assetId, options, modelId, signal);
  }

  results(projectId: string, sourceAssetIds?: string[]): DerivedResult[] {
    this.deps.library.getProject(projectId);
    const filter = sourceAssetIds?.length ? `AND a.source_asset_id IN (${sourceAssetIds.map(() => '?').join(',')})` : '';
    const rows = this.deps.db
      .prepare(
        `SELECT a.id, a.source_asset_id, a.operation, d.model_id, d.provider, d.params, d.verdict, d.reasons, d.accepted_at, d.upscale, d.placement
         FROM assets a LEFT JOIN derivations d ON d.asset_id = a.id
         WHERE a.project_id = ? AND a.operation = ? AND a.deleted = 0 ${filter} ORDER BY a.created_at DESC, a.id DESC`,
      )
      .all(projectId, OPERATION, ...(sourceAssetIds ?? [])) as {
      id: string;
      source_asset_id: string;
      operation: string;
      model_id: string | null;
      provider: ExecutionProvider | null;
      params: string | null;
      verdict: ReviewFacts['verdict'] | null;
      reasons: string | null;
      accepted_at: number | null;
      upscale: number | null;
      placement: string | null;
    }[];
    return rows.map((r) => ({
      asset: this.deps.library.getAsset(r.id),
      sourceAssetId: r.source_asset_id,
      operation: r.operation,
      modelId: r.model_id,
      provider: r.provider,
      options: r.params ? RemoveBackgroundOptions.parse(JSON.parse(r.params)) : null,
      review: r.verdict ? { verdict: r.verdict, reasons: JSON.parse(r.reasons ?? '[]') as QualityCode[], accepted: r.accepted_at !== null } : null,
      upscale: r.upscale,
      placement: r.placement ? ResultPlacement.parse(JSON.parse(r.placement)) : null,
    }));
  }

  /**
   * One image rendered small with these options, nothing recorded: the dialog's live
   * preview. The model's mask comes from the cache (the model runs once per image and
   * model, and the result is cached for the batch too), so changing an option re-renders
   * in the image worker only.
   */
  async preview(input: { assetId: string; options?: RemoveBackgroundOptionsInput | RemoveBackgroundOptions; modelId?: string; maxSide?: number }): Promise<RemoveBackgroundPreview> {
    const options = normaliseOptions(input.options ?? {});
    const source = this.deps.library.getAsset(input.assetId);
    if (source.kind !== 'original') throw new ContractError('invalid_input', `asset ${input.assetId} is a ${source.kind}; preview an original`);
    const model = await this.deps.models.resolve(input.modelId ?? this.deps.models.defaultId('background-removal'));
    const key = `${source.sha256}:${model.sha256}`;
    // A preview while the same mask is being made (the user moved a slider): wait, then use the cache.
    const before = this.masksInFlight.get(key);
    if (before) await before.catch(() => undefined);
    const made = modelMask(this.deps, source, model);
    this.masksInFlight.set(key, made);
    try {
      const { mask, provider, cached } = await made;
      const res = await image(this.deps, { type: 'preview', file: this.deps.store.pathOf(source.sha256), mask, options, maxSide: input.maxSide ?? 480 });
      if (res.mask) recordMask(this.deps, { ...res.mask, sourceSha256: source.sha256, modelSha256: model.sha256, provider });
      const p = res.preview!;
      return {
        image: `data:${p.contentType};base64,${Buffer.from(p.data.buffer, p.data.byteOffset, p.data.length).toString('base64')}`,
        width: p.width,
        height: p.height,
        outputWidth: p.outputWidth,
        outputHeight: p.outputHeight,
        upscale: p.upscale,
        review: { ...p.review, accepted: false },
        maskCached: cached,
      };
    } finally {
      if (this.masksInFlight.get(key) === made) this.masksInFlight.delete(key);
    }
  }

  /**
   * The user's word on results that need review: accept keeps them (they count as ok
   * from now on), drop deletes them (undo with assets.restore). Only the results of these
   * originals that need review and were not accepted are touched.
   */
  review(input: { projectId: string; sourceAssetIds: string[]; action: 'accept' | 'drop' }): { updated: number; undoToken: string | null } {
    this.deps.library.getProject(input.projectId);
    const pending = this.deps.db.prepare(
      `SELECT a.id FROM assets a JOIN derivations d ON d.asset_id = a.id
       WHERE a.source_asset_id = ? AND a.project_id = ? AND a.operation = ? AND a.deleted = 0 AND d.verdict = 'needs_review' AND d.accepted_at IS NULL`,
    ).pluck();
    const ids = [...new Set(input.sourceAssetIds)].flatMap((id) => pending.all(id, input.projectId, OPERATION) as string[]);
    if (ids.length === 0) return { updated: 0, undoToken: null };
    if (input.action === 'drop') {
      const { deleted, undoToken } = this.deps.library.deleteAssets(ids);
      return { updated: deleted, undoToken };
    }
    const accept = this.deps.db.prepare('UPDATE derivations SET accepted_at = ? WHERE asset_id = ?');
    const now = Date.now();
    this.deps.db.transaction(() => {
      for (const id of ids) accept.run(now, id);
    })();
    this.events.emit('projects.changed', { projectId: input.projectId });
    return { updated: ids.length, undoToken: null };
  }

  /**
   * Cached masks whose source bytes no live image uses any more leave the cache (at start:
   * a delete's undo window has to pass first, and a start is a moment nothing runs).
   */
  async sweepMasks(): Promise<number> {
    const stale = this.deps.db.transaction(() => {
      const rows = this.deps.db
        .prepare(
          `SELECT m.source_digest, m.model_digest, m.mask_sha256 FROM remove_background_masks m
           WHERE NOT EXISTS (SELECT 1 FROM assets a WHERE a.sha256 = m.source_digest AND (a.deleted = 0 OR a.deleted_by IS NOT NULL))`,
        )
        .all() as { source_digest: string; model_digest: string; mask_sha256: string }[];
      const drop = this.deps.db.prepare('DELETE FROM remove_background_masks WHERE source_digest = ? AND model_digest = ?');
      for (const r of rows) drop.run(r.source_digest, r.model_digest);
      const stillUsed = this.deps.db.prepare('SELECT 1 FROM remove_background_masks WHERE mask_sha256 = ? LIMIT 1').pluck();
      return [...new Set(rows.map((r) => r.mask_sha256))].filter((sha) => !stillUsed.get(sha));
    })();
    let removed = 0;
    for (const sha of stale) if (await this.deps.store.remove(sha)) removed++;
    return removed;
  }

  // ------------------------------------------------------------ job steps (jobs/remove-background-image.ts)

  work(p: RemoveBackgroundImagePayload, signal: AbortSignal): Promise<WorkResult> {
    return removeBackgroundWork(this.deps, p.assetId, p.options, p.modelId, signal);
  }

  record(runId: string | null, computed: ComputedResult | null, result: WorkResult): void {
    // Deleted while its job waited or ran (or between the work and this commit): nothing to
    // record, no failure to keep; an undo of the delete leaves the image as it was.
    if (result.skipped || this.deps.library.wasDeleted(result.sourceAssetId)) return;
    if (computed) recordRemoveBackground(this.deps, computed);
    // A result now exists for this original: its earlier failure no longer stands.
    this.deps.db.prepare('DELETE FROM remove_background_failures WHERE source_asset_id = ?').run(result.sourceAssetId);
    if (!runId) return;
    const needsReview = result.review?.verdict === 'needs_review';
    this.deps.db
      .prepare('UPDATE remove_background_runs SET reused = reused + ?, needs_review = needs_review + ?, provider = COALESCE(?, provider), updated_at = ? WHERE id = ?')
      .run(result.reused && !needsReview ? 1 : 0, needsReview ? 1 : 0, result.provider, Date.now(), runId);
  }

  // ------------------------------------------------------------ internals

  private originals(projectId: string): string[] {
    return this.deps.db
      .prepare("SELECT id FROM assets WHERE project_id = ? AND kind = 'original' AND deleted = 0 ORDER BY seq")
      .pluck()
      .all(projectId) as string[];
  }

  private runRow(runId: string): RunRow | undefined {
    return this.deps.db.prepare('SELECT * FROM remove_background_runs WHERE id = ?').get(runId) as RunRow | undefined;
  }

  /**
   * The run as the UI shows it. Its state is the queue batch's own (the Queue page shows
   * that one), so a run is never "failed" in one place and "done" in another: a run with
   * a failed image is failed, as its batch is; a model that cannot run fails it too.
   */
  private toRun(batch: Batch, row: RunRow): RemoveBackgroundRun {
    const state: RemoveBackgroundRun['state'] =
      batch.total === 0
        ? 'done'
        : row.error && (batch.state === 'completed' || batch.state === 'failed' || batch.state === 'cancelled')
          ? 'failed'
          : RUN_STATE[batch.state];
    return {
      runId: batch.id,
      projectId: row.project_id,
      modelId: row.model_id,
      options: RemoveBackgroundOptions.parse(JSON.parse(row.options)),
      state,
      total: batch.total,
      done: Math.max(0, batch.completed - row.reused - row.needs_review),
      reused: row.reused,
      needsReview: row.needs_review,
      failed: batch.failed,
      provider: row.provider,
      error: row.error,
      errorCode: row.error_code,
    };
  }

  /** Turns the queue's job and batch events for this feature's runs into its own events. */
  private onEvent(e: EngineEvent): void {
    if (e.type === 'job.completed' || e.type === 'job.failed') {
      const p = e.payload;
      if (p.type !== removeBackgroundImageJob.type || !p.batchId) return;
      const row = this.runRow(p.batchId);
      if (!row) return;
      const job = this.queue.get(p.jobId);
      const payload = job.payload as { assetId: string; fileName?: string };
      if (e.type === 'job.completed') {
        const result = job.result as StoredJobResult;
        const assetId = result.assetId ?? findExisting(this.deps, result.sourceAssetId, result.paramsHash)?.id ?? null;
        const review = result.review ?? null;
        this.events.emit('remove-background.item', {
          runId: p.batchId,
          projectId: row.project_id,
          sourceAssetId: payload.assetId,
          fileName: payload.fileName ?? null,
          state: review?.verdict === 'needs_review' ? 'needs_review' : result.reused ? 'reused' : 'done',
          assetId,
          verdict: review?.verdict ?? null,
          reasons: review?.reasons ?? [],
          error: null,
          errorCode: null,
          provider: result.provider,
        });
      } else {
        this.deps.db
          .prepare(
            `INSERT INTO remove_background_failures (source_asset_id, run_id, error, error_code, failed_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (source_asset_id) DO UPDATE SET run_id = excluded.run_id, error = excluded.error, error_code = excluded.error_code, failed_at = excluded.failed_at`,
          )
          .run(payload.assetId, p.batchId, p.error, p.errorCode, Date.now());
        this.events.emit('remove-background.item', {
          runId: p.batchId,
          projectId: row.project_id,
          sourceAssetId: payload.assetId,
          fileName: payload.fileName ?? null,
          state: 'failed',
          assetId: null,
          error: p.error,
          errorCode: p.errorCode,
          provider: null,
        });
        // A model that cannot run fails every image the same way: stop the run with that reason (kept across restarts).
        if (p.errorCode === 'model_unavailable' && !row.error) {
          this.deps.db.prepare('UPDATE remove_background_runs SET error = ?, error_code = ?, updated_at = ? WHERE id = ?').run(p.error, p.errorCode, Date.now(), p.batchId);
          this.queue.cancelBatch(p.batchId);
        }
      }
      this.events.emit('remove-background.progress', this.get(p.batchId));
      return;
    }
    if (e.type === 'batch.started' || e.type === 'batch.progress' || e.type === 'batch.completed' || e.type === 'batch.failed' || e.type === 'batch.cancelled') {
      if (e.payload.type !== removeBackgroundBatch.type) return;
      const row = this.runRow(e.payload.id);
      if (!row) return;
      const run = this.toRun(e.payload, row);
      this.events.emit('remove-background.progress', run);
      if (e.type !== 'batch.started' && e.type !== 'batch.progress') this.events.emit('projects.changed', { projectId: run.projectId });
    }
  }
}

const RUN_STATE: Record<Batch['state'], RemoveBackgroundRun['state']> = {
  pending: 'queued',
  running: 'running',
  paused: 'running',
  completed: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};
