/**
 * Augmentation: tops each product of a dataset up to a target number of synthetic images
 * (its cut-outs on backgrounds) and of variants of its real photos. A run is a queue batch
 * with one job per product; every output is an `augmented` product image recording its
 * dataset, source image, pipeline, seed and index, so a second run makes nothing.
 */
import { z } from 'zod';
import { batchType, defineSlice, jobType, method } from './define.js';
import { BatchState } from './queue.js';
import { Id, Timestamp } from './schemas.js';

export const AugmentKind = z.enum(['synthetic', 'real']);
export type AugmentKind = z.infer<typeof AugmentKind>;

export const AugmentParams = z
  .object({
    /** Synthetic images per product (from its frames' cut-outs). */
    syntheticTarget: z.number().int().min(0).max(100_000).default(600),
    /** Variants of real photos per product. */
    realTarget: z.number().int().min(0).max(100_000).default(400),
    /** A folder of background images used besides the bundled set (default: the saved setting). */
    backgroundsDir: z.string().min(1).nullable().optional(),
    /** Leave the bundled backgrounds out. */
    bundledBackgrounds: z.boolean().default(true),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
    /** Try again the sources that failed in an earlier run (skipped by default: they failed for a reason that rarely goes away). */
    retryFailed: z.boolean().default(false),
  })
  .strict();
export type AugmentParams = z.output<typeof AugmentParams>;
export type AugmentParamsInput = z.input<typeof AugmentParams>;

const Count = z.number().int().nonnegative();
const KindFigures = z.object({ target: Count, sources: Count, existing: Count, produced: Count, failed: Count, final: Count });
export type KindFigures = z.infer<typeof KindFigures>;

export const AugmentFailure = z.object({
  sourceImageId: Id.nullable(),
  kind: AugmentKind,
  index: z.number().int().nonnegative().nullable(),
  reason: z.string(),
  /** Not attempted: the source failed in an earlier run (retryFailed tries it again). */
  skipped: z.boolean().optional(),
});
export type AugmentFailure = z.infer<typeof AugmentFailure>;

/** A background image that could not be read: it was passed over for the next one in the pool (or a plain colour). */
export const UnreadableBackground = z.object({
  /** `<set>/<file name>`, as in each output's record. */
  id: z.string(),
  reason: z.string(),
  /** Outputs of this product (or run) that drew it and used another. */
  outputs: Count,
});
export type UnreadableBackground = z.infer<typeof UnreadableBackground>;

export const AugmentProductReport = z.object({
  productId: Id,
  barcode: z.string().nullable(),
  name: z.string(),
  split: z.string(),
  /** pending until its job finished. */
  state: z.enum(['pending', 'done', 'failed']),
  synthetic: KindFigures,
  real: KindFigures,
  failures: z.array(AugmentFailure),
  unreadableBackgrounds: z.array(UnreadableBackground),
});
export type AugmentProductReport = z.infer<typeof AugmentProductReport>;

const Totals = z.object({ products: Count, sources: Count, existing: Count, produced: Count, failed: Count, final: Count });

export const AugmentRun = z.object({
  id: Id,
  datasetId: Id,
  datasetName: z.string(),
  params: z.object({ syntheticTarget: Count, realTarget: Count, seed: z.number().int(), backgroundsDir: z.string().nullable(), backgrounds: Count, retryFailed: z.boolean() }),
  state: BatchState,
  /** Products finished / all. */
  progress: z.object({ done: Count, total: Count }),
  totals: z.object({ synthetic: Totals, real: Totals }),
  perSplit: z.record(z.string(), z.object({ products: Count, produced: Count, final: Count })),
  products: z.array(AugmentProductReport),
  /** Every background that could not be read during the run, once, with the outputs that passed it over. */
  unreadableBackgrounds: z.array(UnreadableBackground),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type AugmentRun = z.infer<typeof AugmentRun>;

export const AugmentedImage = z.object({
  imageId: Id,
  datasetId: Id,
  productId: Id,
  kind: AugmentKind,
  sourceImageId: Id,
  index: z.number().int().nonnegative(),
  seed: z.number().int(),
  pipeline: z.string(),
  runId: Id.nullable(),
});
export type AugmentedImage = z.infer<typeof AugmentedImage>;

export const augmentationContract = defineSlice({
  methods: {
    'augmentation.start': method(z.object({ datasetId: Id, params: AugmentParams.optional() }).strict(), AugmentRun, 'Top every product of a dataset up to the targets (a queue batch, one job per product)', {
      local: ['params.backgroundsDir'],
    }),
    'augmentation.get': method(z.object({ id: Id }).strict(), AugmentRun, 'A run with its report (totals, per split, per product, failures)'),
    'augmentation.runs': method(z.object({ datasetId: Id }).strict(), z.array(AugmentRun), "A dataset's runs, newest first"),
    'augmentation.cancel': method(z.object({ id: Id }).strict(), AugmentRun, 'Stop a run (finished products keep their images)'),
    'augmentation.images': method(
      z
        .object({ datasetId: Id.optional(), productId: Id.optional(), offset: z.number().int().nonnegative().default(0), limit: z.number().int().min(1).max(1000).default(200) })
        .strict()
        .refine((v) => v.datasetId !== undefined || v.productId !== undefined, 'give a datasetId, a productId or both'),
      z.object({ items: z.array(AugmentedImage), total: Count }),
      "Augmented images with their origin: a dataset's, a product's (every dataset), or one product's in one dataset",
    ),
    'augmentation.productDatasets': method(
      z.object({ productId: Id }).strict(),
      z.array(z.object({ datasetId: Id, name: z.string(), count: Count })),
      'The datasets that have augmented images of a product, with how many (the Augmented tab’s filter)',
    ),
    'augmentation.settings': method(z.object({}).strict(), z.object({ backgroundsDir: z.string().nullable(), bundled: Count }), 'The user background folder and how many bundled backgrounds there are'),
    'augmentation.setSettings': method(z.object({ backgroundsDir: z.string().min(1).nullable() }).strict(), z.object({ backgroundsDir: z.string().nullable(), bundled: Count }), 'Set (or clear) the user background folder', {
      local: ['backgroundsDir'],
    }),
  },
  events: {
    /** A run's figures changed (a product finished, the run ended). */
    'augmentation.progress': z.object({ runId: Id, datasetId: Id, done: Count, total: Count, state: BatchState }),
  },
  jobs: {
    'augmentation.product': jobType({ stages: ['cutting out', 'synthesizing', 'varying real photos'] }),
  },
  batchTypes: {
    'augmentation.run': batchType({ notify: true, noun: { en: 'Augmentation', tr: 'Veri çoğaltma' } }),
  },
});
