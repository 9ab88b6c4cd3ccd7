/**
 * The training recipe, one typed and validated object. Defaults follow the production
 * PyTorch trainer this module is faithful to; the head learning rate and the epoch count
 * were measured here on the grocery-store set (bench/train.ts, see the report in
 * docs/benchmarks.md once the lead records it). Every field can be overridden.
 */
import { z } from 'zod';

/** Projection width for large backbones (ViT-B and up); 512 otherwise. */
export const LARGE_BACKBONE_PROJECTION_DIM = 1024;

export const TrainingConfigSchema = z
  .object({
    seed: z.number().int().nonnegative().default(1),
    epochs: z.number().int().positive().default(40),
    /** Rows per optimiser step (the sampler fills it with whole anchor groups). */
    batchSize: z.number().int().min(4).default(63),
    /** TF.js backend: wasm is the faster here (bench/train.ts measures both). */
    backend: z.enum(['wasm', 'cpu']).default('wasm'),
    projection: z
      .object({
        dim: z.number().int().positive().default(512),
        /** Applied to the frozen input features while training. */
        dropout: z.number().min(0).max(0.9).default(0.15),
        /** Width of a hidden ReLU layer before the projection (0: the projection is linear). */
        hiddenDim: z.number().int().nonnegative().default(0),
        /** A batch norm after the projection (folded into it on export). */
        batchNorm: z.boolean().default(false),
        /** Standardise each input feature with its train-set mean and spread (folded into the projection on export). */
        standardiseInputs: z.boolean().default(false),
        /**
         * Where the projection starts: Glorot-random (the reference trainer), or the LDA
         * directions of the train rows with class weights imprinted from their centroids
         * (lda.ts ldaInitialisation), so training starts at the LDA floor. Linear heads only.
         * Default 'random', as the reference: on the grocery-store set (bench:train, 2026-12-01)
         * the LDA start is at the floor after epoch 1 (66.6 % recall@1) but every ArcFace
         * fine-tuning tried (lr 3e-5…1e-3, dropout 0.5, standardised inputs, dim 80) lowers
         * val recall from there (61.5 % after 12 epochs at the default lr), so it did not win.
         */
        init: z.enum(['random', 'lda']).default('random'),
        /** Shrinkage α of the LDA used to initialise the projection. */
        ldaShrinkage: z.number().min(0).max(1).default(0.1),
        /** The projection columns beyond the LDA directions keep their random values times this. */
        ldaResidualScale: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .prefault({}),
    arcface: z
      .object({
        scale: z.number().positive().default(30),
        margin: z.number().min(0).max(1.5).default(0.3),
        /** cos(θ + m) only where cos θ > 0, plain cos θ elsewhere (arcface-pytorch's easy_margin). */
        easyMargin: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    labelSmoothing: z.number().min(0).max(0.99).default(0.2),
    optimizer: z
      .object({
        /** AdamW learning rate of the head (projection and class weights): measured. */
        headLr: z.number().positive().default(1e-3),
        /** For fine-tuned backbone layers; unused while the backbone is frozen (as here). */
        backboneLr: z.number().positive().default(2e-5),
        /** Decoupled decay, not applied to biases and normalisation weights. */
        weightDecay: z.number().min(0).default(0.01),
        beta1: z.number().min(0).max(1).default(0.9),
        beta2: z.number().min(0).max(1).default(0.999),
        epsilon: z.number().positive().default(1e-8),
      })
      .strict()
      .prefault({}),
    schedule: z
      .object({
        /** Linear warm-up over these many epochs, then cosine decay. */
        warmupEpochs: z.number().int().nonnegative().default(5),
        /** The cosine ends at this fraction of the learning rate. */
        minLrRatio: z.number().min(0).max(1).default(0.01),
      })
      .strict()
      .prefault({}),
    /** Global L2 norm the gradients are clipped to. */
    gradientClipNorm: z.number().positive().default(0.5),
    /** Exponential moving average of the weights; the EMA weights are evaluated and saved. */
    emaDecay: z.number().min(0).max(1).default(0.995),
    sampler: z
      .object({
        /** Chance that a product's pair is (real anchor, synthetic positive) when it has both. */
        realToSyntheticProbability: z.number().min(0).max(1).default(0.57),
        /** Neighbour products each anchor group draws a negative from. */
        hardNegativeProducts: z.number().int().nonnegative().default(5),
        /** Candidate neighbours by centroid similarity (top-k, at most 50). */
        neighbourPool: z.number().int().positive().max(50).default(50),
        /** Take the hardest of the pool, or draw at random from it. */
        negativeSelection: z.enum(['hardest', 'random']).default('hardest'),
      })
      .strict()
      .prefault({}),
    guards: z
      .object({
        /** A step loss above this (or NaN) stops the run with an emergency checkpoint. */
        maxLoss: z.number().positive().default(100),
        /** Epochs looked back over by plateau and divergence detection. */
        window: z.number().int().min(2).default(5),
        /** Divergence: the window's mean loss exceeds the best window mean by this fraction. */
        divergenceTolerance: z.number().positive().default(0.25),
        /** Plateau: recall@1 improved by less than this over the window. */
        plateauMinDelta: z.number().min(0).default(0.001),
      })
      .strict()
      .prefault({}),
    evaluation: z
      .object({
        ks: z.array(z.number().int().positive()).nonempty().default([1, 5]),
        /** Which gallery rows count: both domains, or only real photos. */
        galleryDomains: z.array(z.enum(['real', 'synthetic'])).nonempty().default(['real', 'synthetic']),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.schedule.warmupEpochs >= c.epochs && c.epochs > 1)
      ctx.addIssue({ code: 'custom', path: ['schedule', 'warmupEpochs'], message: `warm-up (${c.schedule.warmupEpochs}) must be shorter than the run (${c.epochs} epochs)` });
    if (c.projection.init === 'lda' && c.projection.hiddenDim > 0)
      ctx.addIssue({ code: 'custom', path: ['projection', 'init'], message: 'the LDA initialisation needs a linear projection (hiddenDim 0)' });
    const group = 2 + c.sampler.hardNegativeProducts;
    if (c.batchSize < group)
      ctx.addIssue({ code: 'custom', path: ['batchSize'], message: `a batch of ${c.batchSize} cannot hold one anchor group of ${group} rows` });
  });

export type TrainingConfig = z.infer<typeof TrainingConfigSchema>;
export type TrainingConfigInput = z.input<typeof TrainingConfigSchema>;

/** Validates and fills defaults; throws a readable error naming the bad field. */
export function parseTrainingConfig(input: TrainingConfigInput = {}): TrainingConfig {
  const result = TrainingConfigSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new Error(`invalid training config: ${issues}`);
  }
  return result.data;
}
