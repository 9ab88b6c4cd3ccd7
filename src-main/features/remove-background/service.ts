import {
  ContractError,
  SegmentOptions,
  type Batch,
  type DerivedResult,
  type EngineEvent,
  type ExecutionProvider,
  type SegmentOptionsInput,
  type SegmentRun,
} from '../../../src-shared/contract/index.js';
import type { EventBus } from '../events.js';
import type { Queue } from '../queue/queue.js';
import { assetOfResult, segmentImageJob } from '../queue/jobs/segment.js';
import type { EngineJobServices } from '../queue/jobs/services.js';
import { normaliseOptions, OPERATION, type SegmentDeps } from './remove-background.js';

interface RunInfo {
  modelId: string;
  options: SegmentOptions;
  reused: number;
  provider: ExecutionProvider | null;
  error: string | null;
}

/**
 * Background removal over a project or a selection, as a batch of queue jobs (one per
 * image): durable across restarts, with per-image results and progress events. Each job
 * goes through removeBackgroundWork, so a rerun reuses what exists and a bad image
 * fails alone; a missing model stops the whole run with its reason.
 */
export class SegmentService {
  private readonly runs = new Map<string, RunInfo>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: SegmentDeps & { queue: Queue<EngineJobServices> },
    private readonly events: EventBus,
  ) {
    this.unsubscribe = events.subscribe((e) => this.onEvent(e));
  }

  async start(input: { projectId: string; assetIds?: string[]; options?: SegmentOptionsInput | SegmentOptions; modelId?: string }): Promise<SegmentRun> {
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
    const queue = this.deps.queue;
    const runId = queue.createBatch({ type: 'segment', label: `Remove background (${options.preset}) · ${project.name}`, projectId: input.projectId });
    this.runs.set(runId, { modelId, options, reused: 0, provider: null, error: null });
    // No queue-level dedupe: the operation itself reuses finished results, and each run
    // should count (and report) every image it was given.
    queue.enqueueMany(
      segmentImageJob.type,
      ids.map((assetId) => ({ assetId, options, modelId })),
      { batchId: runId, projectId: input.projectId, dedupeKey: null },
    );
    const run = this.get(runId);
    this.events.emit('segment.progress', run);
    return run;
  }

  get(runId: string): SegmentRun {
    let batch: Batch;
    try {
      batch = this.deps.queue.batch(runId);
    } catch {
      throw new ContractError('not_found', `no background-removal run ${runId}`);
    }
    if (batch.type !== 'segment') throw new ContractError('not_found', `no background-removal run ${runId}`);
    return this.toRun(batch);
  }

  cancel(runId: string): SegmentRun {
    this.get(runId);
    this.deps.queue.cancelBatch(runId);
    return this.get(runId);
  }

  async wait(runId: string): Promise<SegmentRun> {
    this.get(runId);
    await this.deps.queue.waitForBatch(runId);
    return this.get(runId);
  }

  async close(): Promise<void> {
    this.unsubscribe();
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
      options: r.params ? SegmentOptions.parse(JSON.parse(r.params)) : null,
    }));
  }

  private originals(projectId: string): string[] {
    return this.deps.db
      .prepare("SELECT id FROM assets WHERE project_id = ? AND kind = 'original' AND deleted = 0 ORDER BY seq")
      .pluck()
      .all(projectId) as string[];
  }

  /** What the run was started with; after a restart, read back from one of its jobs. */
  private info(runId: string): RunInfo {
    let info = this.runs.get(runId);
    if (!info) {
      const [job] = this.deps.queue.list({ batchId: runId, limit: 1 }).items;
      const payload = job ? (this.deps.queue.get(job.id).payload as { modelId: string; options: SegmentOptions }) : null;
      info = { modelId: payload?.modelId ?? this.deps.models.defaultId('background-removal'), options: SegmentOptions.parse(payload?.options ?? {}), reused: 0, provider: null, error: null };
      this.runs.set(runId, info);
    }
    return info;
  }

  private toRun(batch: Batch): SegmentRun {
    const info = this.info(batch.id);
    const finished = batch.completed + batch.failed + batch.cancelled >= batch.total;
    const state: SegmentRun['state'] =
      info.error && (finished || batch.state === 'cancelled')
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
      projectId: batch.projectId!,
      modelId: info.modelId,
      options: info.options,
      state: batch.total === 0 ? 'done' : state,
      total: batch.total,
      done: Math.max(0, batch.completed - info.reused),
      reused: info.reused,
      failed: batch.failed,
      provider: info.provider,
      error: info.error,
    };
  }

  /** Turns the queue's job and batch events for segment runs into the feature's events. */
  private onEvent(e: EngineEvent): void {
    if (e.type === 'job.completed' || e.type === 'job.failed') {
      const p = e.payload;
      if (p.type !== segmentImageJob.type || !p.batchId) return;
      const info = this.info(p.batchId);
      const job = this.deps.queue.get(p.jobId);
      const payload = job.payload as { assetId: string };
      if (e.type === 'job.completed') {
        const result = job.result as { sourceAssetId: string; paramsHash: string; reused: boolean; provider: ExecutionProvider | null; assetId: string | null };
        if (result.reused) info.reused++;
        info.provider = result.provider ?? info.provider;
        const assetId = assetOfResult(this.deps, result);
        this.events.emit('segment.item', { runId: p.batchId, projectId: p.projectId!, sourceAssetId: payload.assetId, state: result.reused ? 'reused' : 'done', assetId, error: null, provider: result.provider });
      } else {
        this.events.emit('segment.item', { runId: p.batchId, projectId: p.projectId!, sourceAssetId: payload.assetId, state: 'failed', assetId: null, error: p.error, provider: null });
        // A model that is missing or damaged fails every image the same way: stop the run with that reason.
        if (p.error && /^model .* cannot run|the file of model/.test(p.error) && !info.error) {
          info.error = p.error;
          this.deps.queue.cancelBatch(p.batchId);
        }
      }
      this.events.emit('segment.progress', this.get(p.batchId));
      return;
    }
    if (e.type === 'batch.started' || e.type === 'batch.progress' || e.type === 'batch.completed' || e.type === 'batch.failed' || e.type === 'batch.cancelled') {
      if (e.payload.type !== 'segment') return;
      const run = this.toRun(e.payload);
      this.events.emit('segment.progress', run);
      if (e.type !== 'batch.started' && e.type !== 'batch.progress') this.events.emit('projects.changed', { projectId: run.projectId });
    }
  }
}
