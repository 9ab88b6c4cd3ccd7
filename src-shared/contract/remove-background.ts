/**
 * Remove background: presets over a project or a selection, run as a queue batch of
 * one job per image; results are derived assets beside their originals.
 */
import { z } from 'zod';
import { batchType, defineSlice, jobType, method } from './define.js';
import { ExecutionProvider } from './engine.js';
import { Asset } from './library.js';
import { ModelId } from './models.js';
import { Id } from './schemas.js';

export const RemoveBackgroundPreset = z.enum(['cutout', 'mask', 'white', 'crop', 'square']);
export type RemoveBackgroundPreset = z.infer<typeof RemoveBackgroundPreset>;

const HexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb');

/**
 * cutout: transparent PNG or WebP. mask: greyscale PNG. white: product on a plain
 * background with a soft contact shadow (JPEG). crop: cut-out cropped to the subject
 * plus a margin. square: marketplace canvas, subject filling `fill` of it.
 * Every preset with transparency clears the colour under alpha 0 and decontaminates the edge.
 */
export const RemoveBackgroundOptions = z
  .object({
    preset: RemoveBackgroundPreset.default('cutout'),
    format: z.enum(['png', 'webp', 'jpeg']).optional(),
    /**
     * Refine the model's mask: confident interior solid, background clear, a soft band only
     * at the edge (default). false keeps the model's mask exactly as it made it.
     */
    refine: z.boolean().default(true),
    /** Binarise the model's mask at this level (0–1) before refining and feathering; null keeps soft edges. */
    threshold: z.number().min(0).max(1).nullable().default(null),
    /** Gaussian feather of the mask edge, in output pixels (sigma). */
    feather: z.number().min(0).max(50).default(0),
    /** crop/square: space around the subject, as a share of its larger side. */
    margin: z.number().min(0).max(1).default(0.05),
    /**
     * square: canvas side in pixels. null (default) follows the subject's own resolution,
     * so a small photo is never upscaled; a forced size may upscale (the result says by how much).
     */
    canvas: z.number().int().min(64).max(8000).nullable().default(null),
    /** square: share of the canvas the subject's larger side fills. */
    fill: z.number().min(0.1).max(1).default(0.85),
    background: HexColour.default('#ffffff'),
    /** white/square: soft contact shadow under the subject. */
    shadow: z.boolean().default(true),
  })
  .strict();
export type RemoveBackgroundOptions = z.infer<typeof RemoveBackgroundOptions>;
export type RemoveBackgroundOptionsInput = z.input<typeof RemoveBackgroundOptions>;

export const RemoveBackgroundRunState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);

/**
 * Why a result needs review, scored on the model's mask (after the user's threshold, before
 * refinement): nothing found, a speck, mostly see-through, running off the frame on
 * several sides, filling the frame, or in several pieces.
 */
export const QualityCode = z.enum(['empty', 'tiny_subject', 'mostly_uncertain', 'touches_border', 'fills_frame', 'fragmented']);
export type QualityCode = z.infer<typeof QualityCode>;

export const QualityVerdict = z.enum(['ok', 'needs_review']);
export type QualityVerdict = z.infer<typeof QualityVerdict>;

/** A result's quality verdict; a needs_review result is never reported as done until the user accepts it. */
export const ResultReview = z.object({
  verdict: QualityVerdict,
  reasons: z.array(QualityCode),
  /** The user looked at a needs_review result and kept it. */
  accepted: z.boolean(),
});
export type ResultReview = z.infer<typeof ResultReview>;

export const RemoveBackgroundRun = z.object({
  runId: Id,
  projectId: Id,
  modelId: z.string(),
  options: RemoveBackgroundOptions,
  state: RemoveBackgroundRunState,
  total: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  reused: z.number().int().nonnegative(),
  /** Images whose result (new or reused) needs review: counted here, not in done or reused. */
  needsReview: z.number().int().nonnegative().default(0),
  failed: z.number().int().nonnegative(),
  provider: ExecutionProvider.nullable(),
  error: z.string().nullable(),
  /** Why the run stopped, machine-readable (model_unavailable…), for the UI to word; absent from an engine that does not say. */
  errorCode: z.string().nullable().optional(),
});
export type RemoveBackgroundRun = z.infer<typeof RemoveBackgroundRun>;

/** One image's outcome inside a run (the gallery puts it beside the original). */
export const RemoveBackgroundItem = z.object({
  runId: Id,
  projectId: Id,
  sourceAssetId: Id,
  /** The original's path in its project, so a failure row can name the image; absent from an engine that does not say. */
  fileName: z.string().nullable().optional(),
  /** needs_review: a result was made (or reused) but its quality verdict says to look at it. */
  state: z.enum(['done', 'reused', 'needs_review', 'failed']),
  assetId: Id.nullable(),
  /** The result's verdict and why (absent for a failure). */
  verdict: QualityVerdict.nullable().optional(),
  reasons: z.array(QualityCode).optional(),
  error: z.string().nullable(),
  /** The failed job's errorCode (image_unreadable, model_unavailable…); absent from an engine that does not say. */
  errorCode: z.string().nullable().optional(),
  provider: ExecutionProvider.nullable(),
});
export type RemoveBackgroundItem = z.infer<typeof RemoveBackgroundItem>;

/** A derived image with what made it. */
/** Where a result's frame lies over its source, in the source's (oriented) pixels; it may reach past the source's edges (a square canvas). */
export const ResultPlacement = z.object({ x: z.number(), y: z.number(), width: z.number().positive(), height: z.number().positive() });
export type ResultPlacement = z.infer<typeof ResultPlacement>;

export const DerivedResult = z.object({
  asset: Asset,
  sourceAssetId: Id,
  operation: z.string(),
  modelId: z.string().nullable(),
  provider: ExecutionProvider.nullable(),
  options: RemoveBackgroundOptions.nullable(),
  /** Its quality verdict; null for results made before verdicts were recorded. */
  review: ResultReview.nullable().optional(),
  /** square with a forced canvas: how much the subject was enlarged (> 1 is an upscale); null otherwise. */
  upscale: z.number().positive().nullable().optional(),
  /** For lining the result up over its original in the viewer; null for results made before it was recorded. */
  placement: ResultPlacement.nullable().optional(),
});
export type DerivedResult = z.infer<typeof DerivedResult>;

/** A small rendering of one image with a preset, nothing recorded: the dialog's live preview. */
export const RemoveBackgroundPreview = z.object({
  /** The rendered image as a data: URL (PNG, or JPEG for white and square). */
  image: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** The full-size output's dimensions. */
  outputWidth: z.number().int().positive(),
  outputHeight: z.number().int().positive(),
  /** How much the subject would be enlarged in the full-size output (square with a forced canvas); null when it is not. */
  upscale: z.number().positive().nullable(),
  review: ResultReview,
  /** The model's mask came from the cache (the model did not run). */
  maskCached: z.boolean(),
});
export type RemoveBackgroundPreview = z.infer<typeof RemoveBackgroundPreview>;

export const removeBackgroundContract = defineSlice({
  methods: {
    'remove-background.run': method(
      z
        .object({
          projectId: Id,
          /** A selection; the whole project when absent. */
          assetIds: z.array(Id).min(1).max(100_000).optional(),
          options: RemoveBackgroundOptions.prefault({}),
          /** The task's default model when absent. */
          modelId: ModelId.optional(),
        })
        .strict(),
      RemoveBackgroundRun,
      'Remove the background of a project or a selection; per-image results as remove-background.item events',
    ),
    'remove-background.get': method(z.object({ runId: Id }).strict(), RemoveBackgroundRun, "A background-removal run's progress"),
    'remove-background.cancel': method(z.object({ runId: Id }).strict(), RemoveBackgroundRun, 'Stop a run; images already done are kept'),
    'remove-background.results': method(
      z.object({ projectId: Id, sourceAssetIds: z.array(Id).max(1000).optional() }).strict(),
      z.array(DerivedResult),
      'Derived images of a project (or of some originals), newest first',
    ),
    'remove-background.preview': method(
      z
        .object({
          assetId: Id,
          options: RemoveBackgroundOptions.prefault({}),
          modelId: ModelId.optional(),
          /** Long side of the preview in pixels. */
          maxSide: z.number().int().min(64).max(1024).default(480),
        })
        .strict(),
      RemoveBackgroundPreview,
      "Render one image with a preset at a small size, nothing recorded (the model's mask is cached per image and model)",
    ),
    'remove-background.review': method(
      z
        .object({
          projectId: Id,
          /** Originals whose results need review. */
          sourceAssetIds: z.array(Id).min(1).max(100_000),
          /** accept: keep them as they are (they count as done); drop: delete them (undo with assets.restore). */
          action: z.enum(['accept', 'drop']),
        })
        .strict(),
      z.object({ updated: z.number().int().nonnegative(), undoToken: Id.nullable() }),
      'Accept or drop the results that need review of some originals',
    ),
  },
  events: {
    'remove-background.progress': RemoveBackgroundRun,
    'remove-background.item': RemoveBackgroundItem,
  },
  jobs: {
    'remove-background.image': jobType({ stages: ['removing background'] }),
  },
  batchTypes: {
    'remove-background': batchType({ notify: true, noun: { en: 'Remove background', tr: 'Arka planı kaldır' } }),
  },
});
