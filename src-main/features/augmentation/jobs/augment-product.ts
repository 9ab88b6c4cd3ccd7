import { z } from 'zod';
import { ContractError, Id } from '../../../../src-shared/contract/index.js';
import { defineBatchType, jobsWith, type CommitContext, type JobContext } from '../../../engine/queue/types.js';

export const AugmentProductPayload = z.object({
  runId: Id,
  datasetId: Id,
  productId: Id,
  /** The product's barcode or name: the job's label on the Queue page. */
  label: z.string().optional(),
});
export type AugmentProductPayload = z.infer<typeof AugmentProductPayload>;

/** What the product job needs of the feature's service (service.ts). */
export interface AugmentJobServices {
  /** Plans the top-up from what the library holds now and makes the outputs (blobs only, no rows). */
  work(p: AugmentProductPayload, ctx: JobContext<unknown, 'cutting out' | 'synthesizing' | 'varying real photos'>): Promise<ProductWork>;
  /** In the job's completing transaction: the outputs become product images (those not recorded yet), and the run's report row. */
  record(ctx: CommitContext<unknown>, p: AugmentProductPayload, result: ProductWork): void;
  onRunState(runId: string): void;
}

/** One output made by a job, its files already in the blob store. */
export interface MadeOutput {
  kind: 'synthetic' | 'real';
  sourceImageId: string;
  index: number;
  seed: number;
  pipeline: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  thumbSha256: string | null;
  applied: unknown;
}

export interface KindFiguresAtPlan {
  target: number;
  sources: number;
  existing: number;
  missing: number;
}

export interface ProductWork {
  productId: string;
  outputs: MadeOutput[];
  failures: { sourceImageId: string | null; kind: 'synthetic' | 'real'; index: number | null; reason: string; skipped?: boolean }[];
  /** Sources of this run whose every output failed (recorded: later runs skip them), and those that made one (their record goes). */
  sourceOutcomes: { sourceImageId: string; kind: 'synthetic' | 'real'; failed: string | null }[];
  synthetic: KindFiguresAtPlan;
  real: KindFiguresAtPlan;
}

/**
 * One product of an augmentation run. The work may run twice (a crash before its commit,
 * a retry): it plans from the committed rows only, and the outputs are a pure function of
 * (source bytes, seed, index), so a second attempt makes the same files again
 * (content-addressed: no duplicates) and the commit records each origin once.
 */
export const augmentProductJob = jobsWith<AugmentJobServices>()({
  type: 'augmentation.product',
  payload: AugmentProductPayload,
  resource: 'cpu',
  priority: 'normal',
  label: (p) => p.label ?? null,
  classify(err) {
    if (err instanceof ContractError) return err.code === 'internal' ? undefined : 'permanent';
    return undefined;
  },
  run: (p, ctx) => ctx.services.work(p, ctx),
  commit(ctx, p, r) {
    ctx.services.record(ctx, p, r);
  },
  storeResult: (r) => ({
    productId: r.productId,
    produced: r.outputs.length,
    failed: r.failures.length,
    synthetic: r.synthetic,
    real: r.real,
  }),
});

/** A run over a dataset is a batch of augmentation.product jobs. */
export const augmentationBatch = defineBatchType<AugmentJobServices>({
  type: 'augmentation.run',
  onState(ctx, batch) {
    ctx.services.onRunState(batch.id);
  },
});
