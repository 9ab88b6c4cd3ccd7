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
 */
export const RemoveBackgroundOptions = z
  .object({
    preset: RemoveBackgroundPreset.default('cutout'),
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
export type RemoveBackgroundOptions = z.infer<typeof RemoveBackgroundOptions>;
export type RemoveBackgroundOptionsInput = z.input<typeof RemoveBackgroundOptions>;

export const RemoveBackgroundRunState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);

export const RemoveBackgroundRun = z.object({
  runId: Id,
  projectId: Id,
  modelId: z.string(),
  options: RemoveBackgroundOptions,
  state: RemoveBackgroundRunState,
  total: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  reused: z.number().int().nonnegative(),
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
  state: z.enum(['done', 'reused', 'failed']),
  assetId: Id.nullable(),
  error: z.string().nullable(),
  /** The failed job's errorCode (image_unreadable, model_unavailable…); absent from an engine that does not say. */
  errorCode: z.string().nullable().optional(),
  provider: ExecutionProvider.nullable(),
});
export type RemoveBackgroundItem = z.infer<typeof RemoveBackgroundItem>;

/** A derived image with what made it. */
export const DerivedResult = z.object({
  asset: Asset,
  sourceAssetId: Id,
  operation: z.string(),
  modelId: z.string().nullable(),
  provider: ExecutionProvider.nullable(),
  options: RemoveBackgroundOptions.nullable(),
});
export type DerivedResult = z.infer<typeof DerivedResult>;

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
