/**
 * Models, the inference runtime, background removal and project export.
 * Shapes for the Models page, the remove-background panel (before/after per asset)
 * and the CLI.
 */
import { z } from 'zod';
import { method } from './define.js';
import { Asset, ExecutionProvider, Id } from './schemas.js';

export const ModelTask = z.enum(['background-removal']);
export type ModelTask = z.infer<typeof ModelTask>;

/** Where a model's file comes from. */
export const ModelSource = z.enum(['package', 'catalog', 'user']);
export type ModelSource = z.infer<typeof ModelSource>;

/**
 * ready: in the library and verified. available: can be installed (assembled from
 * an npm package or downloaded). downloading. missing: was installed, the file is
 * gone. corrupt: the file no longer matches its sha256. failed: the last install
 * failed (see error). manual: no published checksum, so it is offered only as a
 * link to fetch yourself and import.
 */
export const ModelStatus = z.enum(['ready', 'available', 'downloading', 'missing', 'corrupt', 'failed', 'manual']);
export type ModelStatus = z.infer<typeof ModelStatus>;

export const ModelId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'a model id is lower-case letters, digits, ".", "_" or "-"');

export const ModelInfo = z.object({
  id: ModelId,
  name: z.string(),
  task: ModelTask,
  source: ModelSource,
  status: ModelStatus,
  description: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().length(64).nullable(),
  licence: z.string(),
  licenceUrl: z.string().nullable(),
  homepage: z.string().nullable(),
  downloadUrl: z.string().nullable(),
  /** Square side (or width, height) the model reads, in pixels. */
  inputSize: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  isDefault: z.boolean(),
  /** The execution provider its loaded session runs on; null when not loaded yet. */
  provider: ExecutionProvider.nullable(),
  progress: z.object({ received: z.number().int().nonnegative(), total: z.number().int().nonnegative() }).nullable(),
  error: z.string().nullable(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const ProviderState = z.object({
  name: ExecutionProvider,
  /** available: a session initialised on it; unavailable: it failed (detail says why); untested: not tried yet. */
  state: z.enum(['available', 'unavailable', 'untested']),
  detail: z.string().nullable(),
});
export type ProviderState = z.infer<typeof ProviderState>;

export const InferenceStatus = z.object({
  /** Best first, in the order sessions try them. */
  providers: z.array(ProviderState),
  intraOpThreads: z.number().int().positive(),
  memoryBudgetBytes: z.number().int().positive(),
  idleUnloadMs: z.number().int().positive(),
  sessions: z.array(
    z.object({
      modelId: z.string(),
      provider: ExecutionProvider,
      approxBytes: z.number().int().nonnegative(),
      loadedAt: z.number().int(),
      lastUsedAt: z.number().int(),
      runs: z.number().int().nonnegative(),
    }),
  ),
});
export type InferenceStatus = z.infer<typeof InferenceStatus>;

export const SegmentPreset = z.enum(['cutout', 'mask', 'white', 'crop', 'square']);
export type SegmentPreset = z.infer<typeof SegmentPreset>;

const HexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb');

/**
 * cutout: transparent PNG or WebP. mask: greyscale PNG. white: product on a plain
 * background with a soft contact shadow (JPEG). crop: cut-out cropped to the subject
 * plus a margin. square: marketplace canvas, subject filling `fill` of it.
 */
export const SegmentOptions = z
  .object({
    preset: SegmentPreset.default('cutout'),
    format: z.enum(['png', 'webp', 'jpeg']).optional(),
    /** Binarise the mask at this level (0–1) before feathering; null keeps soft edges. */
    threshold: z.number().min(0).max(1).nullable().default(null),
    /** Gaussian feather of the mask edge, in output pixels (sigma). */
    feather: z.number().min(0).max(50).default(0),
    /** crop/square: space around the subject, as a share of its larger side. */
    margin: z.number().min(0).max(1).default(0.05),
    /** square: canvas side in pixels. */
    canvas: z.number().int().min(64).max(8000).default(2000),
    /** square: share of the canvas the subject's larger side fills. */
    fill: z.number().min(0.1).max(1).default(0.85),
    background: HexColour.default('#ffffff'),
    /** white/square: soft contact shadow under the subject. */
    shadow: z.boolean().default(true),
  })
  .strict();
export type SegmentOptions = z.infer<typeof SegmentOptions>;
export type SegmentOptionsInput = z.input<typeof SegmentOptions>;

export const SegmentRunState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);

export const SegmentRun = z.object({
  runId: Id,
  projectId: Id,
  modelId: z.string(),
  options: SegmentOptions,
  state: SegmentRunState,
  total: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  reused: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  provider: ExecutionProvider.nullable(),
  error: z.string().nullable(),
});
export type SegmentRun = z.infer<typeof SegmentRun>;

/** One image's outcome inside a run (the gallery puts it beside the original). */
export const SegmentItemResult = z.object({
  runId: Id,
  projectId: Id,
  sourceAssetId: Id,
  state: z.enum(['done', 'reused', 'failed']),
  assetId: Id.nullable(),
  error: z.string().nullable(),
  provider: ExecutionProvider.nullable(),
});
export type SegmentItemResult = z.infer<typeof SegmentItemResult>;

/** A derived image with what made it. */
export const DerivedResult = z.object({
  asset: Asset,
  sourceAssetId: Id,
  operation: z.string(),
  modelId: z.string().nullable(),
  provider: ExecutionProvider.nullable(),
  options: SegmentOptions.nullable(),
});
export type DerivedResult = z.infer<typeof DerivedResult>;

export const ExportOptions = z
  .object({
    /** Which files go in: originals, derived results, or both (derived under results/). */
    include: z.enum(['originals', 'results', 'both']).default('both'),
    /** Only results of these operations (e.g. remove-background); all when absent. */
    operations: z.array(z.string()).optional(),
  })
  .strict();
export type ExportOptions = z.infer<typeof ExportOptions>;

const ModelRef = z.object({ id: ModelId }).strict();

export const modelMethods = {
  'models.list': method(z.object({ task: ModelTask.optional() }).strict(), z.array(ModelInfo), 'Every known model: installed, installable and imported'),
  'models.download': method(ModelRef, ModelInfo, 'Install a model: assemble it from its npm package or download it (resumable); progress as models.progress'),
  'models.cancel': method(ModelRef, ModelInfo, 'Stop a download; the part already fetched is kept to resume'),
  'models.import': method(
    z
      .object({
        /** A local .onnx file (Electron, CLI). */
        path: z.string().min(1).optional(),
        /** Or a file uploaded first through the web transport. */
        uploadId: Id.optional(),
        task: ModelTask,
        name: z.string().trim().min(1).max(120).optional(),
      })
      .strict()
      .refine((v) => (v.path ? 1 : 0) + (v.uploadId ? 1 : 0) === 1, 'give either path or uploadId'),
    ModelInfo,
    "Import your own .onnx; accepted only if it loads and its inputs and outputs fit the task",
  ),
  'models.delete': method(ModelRef, z.object({ removed: z.boolean() }), 'Remove a model file from the library (package and catalog models can be installed again)'),
  'models.setDefault': method(ModelRef, ModelInfo, 'Use this model for its task from now on'),
  'inference.status': method(z.object({}).strict(), InferenceStatus, 'Execution providers (probed), threads, memory budget and loaded sessions'),
  'segment.run': method(
    z
      .object({
        projectId: Id,
        /** A selection; the whole project when absent. */
        assetIds: z.array(Id).min(1).max(100_000).optional(),
        options: SegmentOptions.prefault({}),
        /** The task's default model when absent. */
        modelId: ModelId.optional(),
      })
      .strict(),
    SegmentRun,
    'Remove the background of a project or a selection; per-image results as segment.item events',
  ),
  'segment.get': method(z.object({ runId: Id }).strict(), SegmentRun, "A background-removal run's progress"),
  'segment.cancel': method(z.object({ runId: Id }).strict(), SegmentRun, 'Stop a run; images already done are kept'),
  'segment.results': method(
    z.object({ projectId: Id, sourceAssetIds: z.array(Id).max(1000).optional() }).strict(),
    z.array(DerivedResult),
    'Derived images of a project (or of some originals), newest first',
  ),
  'export.projectZip': method(
    z.object({ projectId: Id, destPath: z.string().min(1), options: ExportOptions.prefault({}) }).strict(),
    z.object({ path: z.string(), bytes: z.number().int().nonnegative(), entries: z.number().int().nonnegative() }),
    "Write a project's images to a ZIP file (streamed; the web mode downloads it from its route instead)",
  ),
};

export const modelEvents = {
  'models.progress': z.object({
    id: z.string(),
    status: ModelStatus,
    received: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    error: z.string().nullable(),
  }),
  'models.changed': z.object({ id: z.string().nullable() }),
  'segment.progress': SegmentRun,
  'segment.item': SegmentItemResult,
};
