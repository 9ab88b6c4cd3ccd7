import { z } from 'zod';
import { ContractError, Id, ModelId, SegmentOptions } from '../../../../src-shared/contract/index.js';
import { findExisting, recordRemoveBackground, removeBackgroundWork, SegmentItemError, type SegmentDeps, type WorkResult } from '../../ops/remove-background.js';
import { defineJob, type BatchTypeDefinition, type JobContext } from '../types.js';
import type { EngineJobServices } from './services.js';

export type SegmentJobResult = WorkResult;

/**
 * One image of a background-removal run. The work (decode → model → output stored as a
 * content-addressed blob) may run twice after a crash and stays harmless; the derived
 * asset row is written in the transaction that completes the job.
 */
export const segmentImageJob = defineJob({
  type: 'segment.image',
  payload: z.object({ assetId: Id, options: SegmentOptions, modelId: ModelId }),
  // 'cpu' slots, not the single 'gpu' one: a job spends part of its time decoding and
  // encoding in the image pool, and two or three in flight keep the inference thread
  // (which runs one model pass at a time anyway) from waiting on them.
  resource: 'cpu',
  priority: 'normal',
  model: (p) => p.modelId,
  classify(err) {
    // A missing or broken model, bad options, a damaged image: retrying cannot help.
    if (err instanceof ContractError) return err.code === 'internal' ? undefined : 'permanent';
    if (err instanceof SegmentItemError && err.kind === 'image') return 'permanent';
    return undefined;
  },
  async run(p, ctx: JobContext<EngineJobServices>): Promise<SegmentJobResult> {
    ctx.progress('removing background');
    return removeBackgroundWork(ctx.services.segment, p.assetId, p.options, p.modelId, ctx.signal);
  },
  commit(ctx, _p, r) {
    if (r.computed) recordRemoveBackground(ctx.services.segment, r.computed);
  },
  storeResult: (r) => ({ sourceAssetId: r.sourceAssetId, paramsHash: r.paramsHash, reused: r.reused, provider: r.provider, assetId: r.assetId }),
});

/** A run over a project or selection is a batch of segment.image jobs. */
export const segmentBatchType: BatchTypeDefinition<EngineJobServices> = {
  type: 'segment',
};

/** The derived asset a finished job stands for. */
export function assetOfResult(deps: SegmentDeps, result: { sourceAssetId: string; paramsHash: string; assetId: string | null }): string | null {
  return result.assetId ?? findExisting(deps, result.sourceAssetId, result.paramsHash)?.id ?? null;
}
