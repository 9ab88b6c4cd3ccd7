import { z } from 'zod';
import { ContractError, Id, ModelId, RemoveBackgroundOptions } from '../../../../src-shared/contract/index.js';
import { defineBatchType, jobsWith } from '../../../engine/queue/types.js';
import type { ComputedResult, WorkResult } from '../remove-background.js';
import { ImageItemError } from '../remove-background.js';

export const RemoveBackgroundImagePayload = z.object({
  assetId: Id,
  options: RemoveBackgroundOptions,
  modelId: ModelId,
  /** The image's path in its project: the job's label on the Queue page (absent from jobs queued before it was added). */
  fileName: z.string().optional(),
});
export type RemoveBackgroundImagePayload = z.infer<typeof RemoveBackgroundImagePayload>;

/** What the image job needs of the feature's service. */
export interface ImageJobServices {
  work(p: RemoveBackgroundImagePayload, signal: AbortSignal): Promise<WorkResult>;
  /** In the job's completing transaction: the derived asset, and the run's reuse count and provider. */
  record(runId: string | null, computed: ComputedResult | null, result: WorkResult): void;
}

/**
 * One image of a background-removal run. The work (decode → model → output stored as a
 * content-addressed blob) may run twice after a crash and stays harmless; the derived
 * asset row and the run's counters are written in the transaction that completes the job.
 */
export const removeBackgroundImageJob = jobsWith<ImageJobServices>()({
  type: 'remove-background.image',
  payload: RemoveBackgroundImagePayload,
  // 'cpu' slots, not the single 'gpu' one: a job spends part of its time decoding and
  // encoding in the image pool, and two or three in flight keep the inference thread
  // (which runs one model pass at a time anyway) from waiting on them.
  resource: 'cpu',
  priority: 'normal',
  label: (p) => p.fileName ?? null,
  model: (p) => p.modelId,
  classify(err) {
    // A missing or broken model, bad options, a damaged image: retrying cannot help.
    if (err instanceof ContractError) return err.code === 'internal' ? undefined : 'permanent';
    if (err instanceof ImageItemError && err.kind === 'image') return 'permanent';
    return undefined;
  },
  async run(p, ctx): Promise<WorkResult> {
    ctx.progress('removing background');
    return ctx.services.work(p, ctx.signal);
  },
  commit(ctx, _p, r) {
    ctx.services.record(ctx.job.batchId, r.computed, r);
  },
  storeResult: (r) => ({ sourceAssetId: r.sourceAssetId, paramsHash: r.paramsHash, reused: r.reused, provider: r.provider, assetId: r.assetId, review: r.review }),
});

/** A run over a project or selection is a batch of remove-background.image jobs. */
export const removeBackgroundBatch = defineBatchType({ type: 'remove-background' });
