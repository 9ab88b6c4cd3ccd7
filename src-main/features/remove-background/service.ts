import {
  ContractError,
  RemoveBackgroundOptions,
  type Batch,
  type DerivedResult,
  type EngineEvent,
  type ExecutionProvider,
  type RemoveBackgroundOptionsInput,
  type RemoveBackgroundRun,
} from '../../../src-shared/contract/index.js';
import type { EventBus } from '../../engine/events.js';
import type { Queue } from '../../engine/queue/queue.js';
import { removeBackgroundBatch, removeBackgroundImageJob, type ImageJobServices, type RemoveBackgroundImagePayload } from './jobs/remove-background-image.js';
import {
  findExisting,
  normaliseOptions,
  OPERATION,
  recordRemoveBackground,
  removeBackground,
  removeBackgroundWork,
  type RemoveBackgroundResult,
  type ComputedResult,
  type RemoveBackgroundDeps,
  type WorkResult,
} from './remove-background.js';

interface RunRow {
  id: string;
  project_id: string;
  model_id: string;
  options: string;
  reused: number;
  provider: ExecutionProvider | null;
  error: string | null;
  error_code: string | null;
}

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

  constructor(
    private readonly deps: RemoveBackgroundDeps,
    private readonly queue: Queue,
    private readonly events: EventBus,
  ) {
    this.unsubscribe = events.subscribe((e) => this.onEvent(e));
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
      this.queue.enqueueMany(
        removeBackgroundImageJob,
        ids.map((assetId) => ({ assetId, options, modelId })),
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
        `SELECT a.id, a.source_asset_id, a.operation, d.model_id, d.provider, d.params FROM assets a LEFT JOIN derivations d ON d.asset_id = a.id
         WHERE a.project_id = ? AND a.operation = ? AND a.deleted = 0 ${filter} ORDER BY a.created_at DESC, a.id DESC`,
      )
      .all(projectId, OPERATION, ...(sourceAssetIds ?? [])) as {
      id: string;
      source_asset_id: string;
      operation: string;
      model_id: string | null;
      provider: ExecutionProvider | null;
      params: string | null;
    }[];
    return rows.map((r) => ({
      asset: this.deps.library.getAsset(r.id),
      sourceAssetId: r.source_asset_id,
      operation: r.operation,
      modelId: r.model_id,
      provider: r.provider,
      options: r.params ? RemoveBackgroundOptions.parse(JSON.parse(r.params)) : null,
    }));
  }

  // ------------------------------------------------------------ job steps (jobs/remove-background-image.ts)

  work(p: RemoveBackgroundImagePayload, signal: AbortSignal): Promise<WorkResult> {
    return removeBackgroundWork(this.deps, p.assetId, p.options, p.modelId, signal);
  }

  record(runId: string | null, computed: ComputedResult | null, result: WorkResult): void {
    if (computed) recordRemoveBackground(this.deps, computed);
    if (!runId) return;
    this.deps.db
      .prepare('UPDATE remove_background_runs SET reused = reused + ?, provider = COALESCE(?, provider), updated_at = ? WHERE id = ?')
      .run(result.reused ? 1 : 0, result.provider, Date.now(), runId);
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

  private toRun(batch: Batch, row: RunRow): RemoveBackgroundRun {
    const finished = batch.completed + batch.failed + batch.cancelled >= batch.total;
    const state: RemoveBackgroundRun['state'] =
      row.error && (finished || batch.state === 'cancelled')
        ? 'failed'
        : batch.state === 'cancelled'
          ? 'cancelled'
          : finished
            ? batch.failed === batch.total
              ? 'failed'
              : 'done'
            : batch.state === 'pending'
              ? 'queued'
              : 'running';
    return {
      runId: batch.id,
      projectId: row.project_id,
      modelId: row.model_id,
      options: RemoveBackgroundOptions.parse(JSON.parse(row.options)),
      state: batch.total === 0 ? 'done' : state,
      total: batch.total,
      done: Math.max(0, batch.completed - row.reused),
      reused: row.reused,
      failed: batch.failed,
      provider: row.provider,
      error: row.error,
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
      const payload = job.payload as { assetId: string };
      if (e.type === 'job.completed') {
        const result = job.result as { sourceAssetId: string; paramsHash: string; reused: boolean; provider: ExecutionProvider | null; assetId: string | null };
        const assetId = result.assetId ?? findExisting(this.deps, result.sourceAssetId, result.paramsHash)?.id ?? null;
        this.events.emit('remove-background.item', {
          runId: p.batchId,
          projectId: row.project_id,
          sourceAssetId: payload.assetId,
          state: result.reused ? 'reused' : 'done',
          assetId,
          error: null,
          provider: result.provider,
        });
      } else {
        this.events.emit('remove-background.item', { runId: p.batchId, projectId: row.project_id, sourceAssetId: payload.assetId, state: 'failed', assetId: null, error: p.error, provider: null });
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
