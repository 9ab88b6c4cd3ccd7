/**
 * Training: a projection + ArcFace head trained on frozen backbone features of a dataset's
 * products (a queue job, resumable from its per-epoch checkpoint), its per-epoch records
 * and events, and the trained models it produces (registered as embedders; one may be the
 * active embedder, the default for extraction and matching).
 *
 * The recipe (TrainingConfigSchema) lives here so the engine, the Training page and the
 * CLI validate one schema; src-main/features/training/config.ts re-exports it.
 */
import { z } from 'zod';
import { defineSlice, download, jobType, method } from './define.js';
import { Id, SafeText, Timestamp } from './schemas.js';

/** Projection width for large backbones (ViT-B and up); 512 otherwise. */
export const LARGE_BACKBONE_PROJECTION_DIM = 1024;
/**
 * The backbone a run trains on unless one is named: the offline default's network on a
 * 320 px input (built in, no download). Its served model measured 72.6 % recall@1 on the
 * grocery set's val photos against 68.6 % on the 224 px default (docs/benchmarks.md).
 */
export const DEFAULT_TRAINING_BACKBONE_ID = 'atolye-mobilenet-v2-hsv-320';
/**
 * The best recipe measured on the grocery set (bench:train, docs/benchmarks.md): three
 * photometric and mirror views of each train image and an LDA part in the served
 * embedding, 15 epochs (each of four times the rows). 72.6 % recall@1 on the 320 px
 * backbone against 68.6 % for the same on 224 px; the schema's defaults stay the
 * reference trainer's. A partial config, merged over the defaults.
 */
export const MEASURED_BEST_RECIPE: Readonly<TrainingConfigInput> = {
  epochs: 15,
  schedule: { warmupEpochs: 2 },
  data: { views: ['mirror', 'brighter', 'darker'] },
  projection: { ldaMix: 0.85, ldaShrinkage: 0.3 },
};

/**
 * Views of a training image whose embedder features become extra training rows (same
 * product, same domain): variation the head must learn to ignore. Each is one
 * deterministic sharp pipeline (src-main/features/training/views.ts renders it), so its
 * features are cached per image, model and view like the image's own.
 */
export const TRAINING_VIEW_NAMES = ['mirror', 'zoom-80', 'brighter', 'darker'] as const;
export const TrainingViewName = z.enum(TRAINING_VIEW_NAMES);
export type TrainingViewName = z.infer<typeof TrainingViewName>;

/** The reference recipe's warm-up, in epochs. */
export const DEFAULT_WARMUP_EPOCHS = 5;

export const TrainingConfigSchema = z
  .object({
    seed: z.number().int().nonnegative().default(1),
    /** With data.views an epoch has (1 + views) times the rows: 20 epochs with one view take the steps 40 take without. */
    epochs: z.number().int().positive().max(10_000).default(40),
    /** Rows per optimiser step (the sampler fills it with whole anchor groups). */
    batchSize: z.number().int().min(4).max(4096).default(63),
    /** TF.js backend: wasm is the faster here (bench/train.ts measures both). */
    backend: z.enum(['wasm', 'cpu']).default('wasm'),
    projection: z
      .object({
        dim: z.number().int().positive().max(4096).default(512),
        /** Applied to the frozen input features while training. */
        dropout: z.number().min(0).max(0.9).default(0.15),
        /** Width of a hidden ReLU layer before the projection (0: the projection is linear). */
        hiddenDim: z.number().int().nonnegative().max(8192).default(0),
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
        /**
         * Weight of an LDA part in the served embedding (0: the trained head alone): the LDA
         * of the train rows (shrinkage ldaShrinkage) and the trained projection side by side,
         * one linear map (lda.ts headWithLdaPart), evaluated and exported. Linear heads only.
         * Default 0, as the reference: on a holdout of the grocery train photos by capture
         * condition (bench:train --search, 2026-12-01, with the mirror view) the head alone
         * reached 49.2 % recall@1, the LDA 57.1 %, weights 0.5 / 0.7 / 0.85 gave 54.7 / 56.0 /
         * 56.6 %: better than the head, not better than the LDA, so not a default.
         */
        ldaMix: z.number().min(0).max(1).default(0),
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
        /** For the fine-tuned backbone layer (backbone.fineTune); the reference trainer's 2e-5. */
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
        /**
         * Linear warm-up over these many epochs, then cosine decay. Unset: 5 (the reference
         * recipe's), or one less than a shorter run's epochs, so `{ epochs: 3 }` alone is a
         * valid recipe; a value the user sets that does not fit the run is refused.
         */
        warmupEpochs: z.number().int().nonnegative().optional(),
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
    backbone: z
      .object({
        /**
         * Train the backbone's last layers with the head (the built-in embedders' final 1×1
         * convolution, and block 16's projection with `layers` 2, at optimizer.backboneLr
         * with layer-wise decay; the trained model then serves its own backbone). Off by
         * default: on this 2-core CPU one layer costs ~15× the frozen head's epoch (no measured gain) and keeps
         * every image's map in memory (about 180 KB per image and view at 320 px, 540 KB
         * with two layers); docs/benchmarks.md has the measured gain.
         */
        fineTune: z.boolean().default(false),
        /**
         * How many of the last layers are unlocked: 1, the final 1×1 convolution; 2, block
         * 16's 1×1 projection too (its 1344-channel input is held per image: 3× the memory).
         */
        layers: z.number().int().min(1).max(2).default(1),
        /** Layer-wise learning-rate decay: a layer one deeper learns at this fraction of the rate of the one above it. */
        layerDecay: z.number().positive().max(1).default(0.8),
      })
      .strict()
      .prefault({}),
    data: z
      .object({
        /**
         * Views of each train image (views.ts) whose features join the training rows; the
         * job embeds them (cached per image, model and view); the gallery and the queries
         * stay the original images. Default none, as the reference. On the holdout above
         * 'mirror' raised the head from 47.8 to 49.2 % recall@1 (20 epochs of twice the rows
         * against 40) and the LDA from 55.8 to 57.1 %; adding 'zoom-80' did not help (head
         * 49.2, LDA 55.5). Each view is one more embedding of every train image.
         */
        views: z.array(TrainingViewName).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .transform((c) => ({ ...c, schedule: { ...c.schedule, warmupEpochs: c.schedule.warmupEpochs ?? Math.min(DEFAULT_WARMUP_EPOCHS, Math.max(0, c.epochs - 1)) } }))
  .superRefine((c, ctx) => {
    if (c.schedule.warmupEpochs >= c.epochs && c.epochs > 1)
      ctx.addIssue({ code: 'custom', path: ['schedule', 'warmupEpochs'], message: `warm-up (${c.schedule.warmupEpochs}) must be shorter than the run (${c.epochs} epochs)` });
    if (c.projection.ldaMix > 0 && c.projection.hiddenDim > 0)
      ctx.addIssue({ code: 'custom', path: ['projection', 'ldaMix'], message: 'an LDA part needs a linear projection (hiddenDim 0)' });
    if (c.projection.init === 'lda' && c.projection.hiddenDim > 0)
      ctx.addIssue({ code: 'custom', path: ['projection', 'init'], message: 'the LDA initialisation needs a linear projection (hiddenDim 0)' });
    const group = 2 + c.sampler.hardNegativeProducts;
    if (c.batchSize < group)
      ctx.addIssue({ code: 'custom', path: ['batchSize'], message: `a batch of ${c.batchSize} cannot hold one anchor group of ${group} rows` });
  });

export type TrainingConfig = z.infer<typeof TrainingConfigSchema>;
export type TrainingConfigInput = z.input<typeof TrainingConfigSchema>;

/**
 * queued: waiting for the queue (or for the run before it). running. paused: stopped by
 * the app closing mid-run; it continues from its last checkpoint when the app starts
 * again (or on training.resume). done. failed (error, errorCode). cancelled: stopped by
 * the user; resumable from its last checkpoint.
 */
export const TrainingRunState = z.enum(['queued', 'running', 'paused', 'done', 'failed', 'cancelled']);
export type TrainingRunState = z.infer<typeof TrainingRunState>;

/**
 * Why a run could not start or did not finish, for the UI to word in its language.
 * dataset_not_found, dataset_empty (no product with an image), split_invalid (train needs
 * 2 products with images, valid needs real photos to measure on), backbone_unavailable
 * (not installed), nan_guard (a NaN or a loss above the guard: an emergency checkpoint
 * was saved), embedding_failed (no image of a split could be embedded), training_failed.
 */
export const TrainingErrorCode = z.enum(['dataset_not_found', 'dataset_empty', 'split_invalid', 'backbone_unavailable', 'fine_tune_unsupported', 'fine_tune_too_large', 'nan_guard', 'embedding_failed', 'training_failed']);
export type TrainingErrorCode = z.infer<typeof TrainingErrorCode>;

/** recall@1 and @5 (fractions 0…1). */
export const RecallPair = z.object({ at1: z.number(), at5: z.number() });
export type RecallPair = z.infer<typeof RecallPair>;

export const TrainingEpoch = z.object({
  /** 1-based. */
  epoch: z.number().int().positive(),
  /** Mean ArcFace loss over the epoch's steps. */
  loss: z.number(),
  lr: z.number(),
  gradNorm: z.number(),
  /** Valid split: real photos as queries against the train split's images (EMA weights). */
  recall: RecallPair,
  /** Synthetic images as queries against real ones; null when the data has not both. */
  syntheticToReal: RecallPair.nullable(),
  seconds: z.number().nonnegative(),
});
export type TrainingEpoch = z.infer<typeof TrainingEpoch>;

/**
 * plateau and divergence: detected over a window of epochs (they do not stop the run).
 * nan_guard: the run stopped. restarted: a resume found its checkpoint missing, damaged or
 * made on other data, so training began again at epoch 1 (the epochs before were cleared).
 */
export const TrainingRunEvent = z.object({
  type: z.enum(['plateau', 'divergence', 'nan_guard', 'restarted']),
  epoch: z.number().int().nonnegative(),
  /** Epochs looked back over (plateau, divergence). */
  window: z.number().int().positive().nullable(),
  /** What plateaued. */
  metric: z.enum(['recall@1', 'loss']).nullable(),
  /** plateau: best and recent metric; divergence: best and recent mean loss. */
  best: z.number().nullable(),
  recent: z.number().nullable(),
  /** nan_guard: what the guard saw; restarted: why the checkpoint could not be used (English, for logs; the UI words the type). */
  reason: z.string().nullable(),
  at: Timestamp,
});
export type TrainingRunEvent = z.infer<typeof TrainingRunEvent>;

const PerSplit = z.object({ train: z.number().int().nonnegative(), valid: z.number().int().nonnegative(), test: z.number().int().nonnegative() });
const Domains = z.object({ real: z.number().int().nonnegative(), synthetic: z.number().int().nonnegative() });

/** Products and images per split as the run sees them (images: real photos and synthetic frames, renders, augmentations). */
export const TrainingSplitCounts = z.object({
  products: PerSplit,
  images: z.object({ train: Domains, valid: Domains, test: Domains }),
});
export type TrainingSplitCounts = z.infer<typeof TrainingSplitCounts>;

export const TrainingRun = z.object({
  id: Id,
  /** "<dataset> · <backbone>" at the start; for lists. */
  name: z.string(),
  datasetId: Id,
  datasetName: z.string(),
  backboneId: z.string(),
  state: TrainingRunState,
  /** The full recipe with defaults filled in. */
  config: TrainingConfigSchema,
  /** Epochs planned (config.epochs). */
  epochs: z.number().int().positive(),
  epochsCompleted: z.number().int().nonnegative(),
  /** Within the current epoch while running. */
  step: z.object({ epoch: z.number().int().positive(), step: z.number().int().nonnegative(), steps: z.number().int().positive() }).nullable(),
  /** Images embedded so far (backbone features and each view's) while the stage is embedding; null otherwise. */
  embedding: z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }).nullable(),
  /** The stage while running (preparing: reading the dataset; embedding: backbone features of images not cached yet; training; exporting). */
  stage: z.enum(['preparing', 'embedding', 'training', 'exporting']).nullable(),
  history: z.array(TrainingEpoch),
  events: z.array(TrainingRunEvent),
  counts: TrainingSplitCounts.nullable(),
  /** The backbone's own recall (before training), measured like each epoch's. */
  baseline: z.object({ recall: RecallPair, syntheticToReal: RecallPair.nullable() }).nullable(),
  /** Test split at the end: real test photos against the gallery of all train + test images, before and after. Null when the test split has no real photo. */
  test: z.object({ before: RecallPair, after: RecallPair }).nullable(),
  /** Seconds left: from this run's measured epochs; before the first, while embedding, an estimate from the embedding rate so far and this machine's last epoch rate; else null. */
  etaSeconds: z.number().nonnegative().nullable(),
  /** The trained model once done. */
  modelId: z.string().nullable(),
  error: z.string().nullable(),
  errorCode: TrainingErrorCode.nullable(),
  /** A checkpoint is stored: training.resume continues from it. */
  resumable: z.boolean(),
  jobId: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type TrainingRun = z.infer<typeof TrainingRun>;

export const TrainedModel = z.object({
  /** Its id in the model store and as an embedder (extraction's modelId). */
  id: z.string(),
  name: z.string(),
  /** 1, 2, … per dataset and backbone. */
  version: z.number().int().positive(),
  backboneId: z.string(),
  /** Its backbone's last layer was trained too (config.backbone.fineTune): the model serves its own copy of the backbone. */
  fineTuned: z.boolean(),
  dimension: z.number().int().positive(),
  /** Number of products it was trained on. */
  classes: z.number().int().nonnegative(),
  /** Valid recall after training (last epoch) and the backbone's before. */
  recall: z.object({ at1: z.number(), at5: z.number(), before1: z.number(), before5: z.number() }),
  test: z.object({ before: RecallPair, after: RecallPair }).nullable(),
  /** The active embedder: the default for extraction and matching. */
  active: z.boolean(),
  datasetId: Id,
  datasetName: z.string(),
  runId: Id,
  seed: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  createdAt: Timestamp,
});
export type TrainedModel = z.infer<typeof TrainedModel>;

export const TrainingStartInput = z
  .object({
    datasetId: Id,
    /** The embedder to train on (an installed one, not a trained model); default: DEFAULT_TRAINING_BACKBONE_ID. */
    backboneModelId: z.string().min(1).optional(),
    config: TrainingConfigSchema.optional(),
  })
  .strict();
export type TrainingStartInput = z.input<typeof TrainingStartInput>;

export const TrainingEstimate = z.object({
  ok: z.boolean(),
  /** Why it would be refused (errorCode to word it; reason in English). */
  errorCode: TrainingErrorCode.nullable(),
  reason: z.string().nullable(),
  backboneId: z.string(),
  counts: TrainingSplitCounts,
  /** Images whose backbone features are not cached yet (embedded before training). */
  imagesToEmbed: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  secondsPerEpoch: z.number().nonnegative(),
  embeddingSeconds: z.number().nonnegative(),
  /**
   * measured: from the last run on this machine (seconds per training row-epoch, per
   * embedded image). constant: no run yet; documented constants measured on the 2-core
   * development machine (src-main/features/training/estimate.ts).
   */
  basis: z.enum(['measured', 'constant']),
});
export type TrainingEstimate = z.infer<typeof TrainingEstimate>;

const RunRef = z.object({ id: Id }).strict();
const ModelRef = z.object({ id: z.string().min(1) }).strict();

export const trainingContract = defineSlice({
  methods: {
    'training.estimate': method(TrainingStartInput, TrainingEstimate, 'Would a training run start (or why not), its products and images per split, and how long it would take here'),
    'training.start': method(TrainingStartInput, TrainingRun, 'Train a recognition head on a dataset (a background queue job); refused with a reason for an empty dataset or an invalid split'),
    'training.list': method(z.object({}).strict(), z.array(TrainingRun), 'Training runs, newest first'),
    'training.get': method(RunRef, TrainingRun, 'One run with its per-epoch records and events'),
    'training.cancel': method(RunRef, TrainingRun, 'Stop a run (mid-epoch); it keeps its last checkpoint to resume'),
    'training.resume': method(RunRef, TrainingRun, 'Continue a cancelled, paused or failed run from its last checkpoint'),
    'training.delete': method(RunRef, z.object({ deleted: z.boolean() }), 'Delete a finished run and its checkpoints (its model, if any, stays)'),
    'training.models': method(z.object({}).strict(), z.array(TrainedModel), 'Trained models, newest first'),
    'training.activate': method(
      ModelRef,
      z.object({
        model: TrainedModel.nullable(),
        /** The active embedder now (a trained model, or the offline default when given its id). */
        activeEmbedderId: z.string(),
        /** Indexes built with another embedder: re-index them (embeddings.rebuildIndex… with the new model) to use it. */
        staleIndexIds: z.array(Id),
      }),
      'Set as active: the default embedder for extraction and matching (give the offline default id to go back); says which indexes would need re-indexing',
    ),
    'training.deleteModel': method(ModelRef, z.object({ deleted: z.boolean() }), 'Delete a trained model (an active one hands the default back to the offline embedder)'),
    'training.saveModel': method(
      z.object({ id: z.string().min(1), destPath: z.string().min(1) }).strict(),
      z.object({ path: z.string(), bytes: z.number().int().nonnegative() }),
      'Write a trained model as a ZIP (model.onnx, config.json, metrics.json, manifest.json) (desktop and CLI; web mode downloads training-model)',
      { local: ['destPath'] },
    ),
    'training.rename': method(z.object({ id: z.string().min(1), name: SafeText({ max: 120 }) }).strict(), TrainedModel, 'Rename a trained model'),
  },
  events: {
    /** A run's snapshot: after each epoch, each state or stage change, and every few steps. */
    'training.progress': TrainingRun,
    /** Trained models were added, removed or (de)activated. */
    'training.modelsChanged': z.object({ ids: z.array(z.string()) }),
  },
  jobs: {
    'training.run': jobType({ stages: ['preparing', 'embedding', 'training', 'exporting'] }),
  },
  downloads: {
    'training-model': download(z.object({ id: z.string().min(1) }).strict(), 'A trained model as a ZIP: model.onnx, config.json, metrics.json, manifest.json'),
  },
});
