import {
  ContractError,
  SegmentOptions,
  type DerivedResult,
  type ExecutionProvider,
  type SegmentOptionsInput,
  type SegmentRun,
} from '../../../src-shared/contract/index.js';
import type { EventBus } from '../events.js';
import { newId } from '../ids.js';
import { normaliseOptions, OPERATION, removeBackground, type SegmentDeps } from './remove-background.js';

const PROGRESS_INTERVAL_MS = 100;
/**
 * Images in flight at once: one in the model, one being decoded and one being encoded,
 * so the inference thread never waits on sharp.
 */
const LANES = 3;

interface Running {
  run: SegmentRun;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Runs background removal over a project or a selection with per-image results and
 * progress events. Each image goes through `removeBackground`, so a rerun reuses what
 * exists and a bad image fails alone.
 */
export class SegmentService {
  private readonly runs = new Map<string, Running>();
  private lastEmit = new Map<string, number>();

  constructor(
    private readonly deps: SegmentDeps,
    private readonly events: EventBus,
  ) {}

  async start(input: { projectId: string; assetIds?: string[]; options?: SegmentOptionsInput | SegmentOptions; modelId?: string }): Promise<SegmentRun> {
    const options = normaliseOptions(input.options ?? {});
    this.deps.library.getProject(input.projectId);
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
    const run: SegmentRun = {
      runId: newId(),
      projectId: input.projectId,
      modelId,
      options,
      state: 'queued',
      total: ids.length,
      done: 0,
      reused: 0,
      failed: 0,
      provider: null,
      error: null,
    };
    const controller = new AbortController();
    const entry: Running = { run, controller, done: Promise.resolve() };
    entry.done = this.execute(entry, ids);
    this.runs.set(run.runId, entry);
    this.emit(run, true);
    return { ...run };
  }

  get(runId: string): SegmentRun {
    const entry = this.runs.get(runId);
    if (!entry) throw new ContractError('not_found', `no background-removal run ${runId}`);
    return { ...entry.run };
  }

  cancel(runId: string): SegmentRun {
    const entry = this.runs.get(runId);
    if (!entry) throw new ContractError('not_found', `no background-removal run ${runId}`);
    entry.controller.abort();
    return { ...entry.run };
  }

  async wait(runId: string): Promise<SegmentRun> {
    await this.runs.get(runId)?.done;
    return this.get(runId);
  }

  async close(): Promise<void> {
    for (const r of this.runs.values()) r.controller.abort();
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
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

  private async execute(entry: Running, ids: string[]): Promise<void> {
    const { run, controller } = entry;
    await Promise.resolve(); // let start() return the queued state first
    run.state = 'running';
    this.emit(run, true);
    let next = 0;
    let fatal: Error | null = null;
    const lane = async () => {
      while (next < ids.length && !controller.signal.aborted && !fatal) {
        const sourceAssetId = ids[next++]!;
        try {
          const r = await removeBackground(this.deps, sourceAssetId, run.options, run.modelId, controller.signal);
          if (r.reused) run.reused++;
          else run.done++;
          run.provider = r.provider ?? run.provider;
          this.events.emit('segment.item', { runId: run.runId, projectId: run.projectId, sourceAssetId, state: r.reused ? 'reused' : 'done', assetId: r.asset.id, error: null, provider: r.provider });
        } catch (err) {
          if (controller.signal.aborted) break;
          // A broken or missing model fails every image the same way: stop the run with that reason.
          if (err instanceof ContractError && err.code === 'unavailable') fatal = err;
          run.failed++;
          const message = (err as Error).message;
          this.events.emit('segment.item', { runId: run.runId, projectId: run.projectId, sourceAssetId, state: 'failed', assetId: null, error: message, provider: null });
        }
        this.emit(run, false);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LANES, Math.max(1, ids.length)) }, lane));
    run.state = controller.signal.aborted ? 'cancelled' : fatal ? 'failed' : 'done';
    run.error = fatal ? (fatal as Error).message : null;
    this.emit(run, true);
    this.events.emit('projects.changed', { projectId: run.projectId });
  }

  private emit(run: SegmentRun, force: boolean): void {
    const now = Date.now();
    if (!force && now - (this.lastEmit.get(run.runId) ?? 0) < PROGRESS_INTERVAL_MS) return;
    this.lastEmit.set(run.runId, now);
    this.events.emit('segment.progress', { ...run });
  }
}
