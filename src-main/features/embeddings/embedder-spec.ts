/**
 * What an image-embedding model needs to be run and what its manifest says: the input
 * (size, how an image meets that size, normalisation, colour order, layout), which
 * outputs make the vector and how each is pooled, and the vector's dimension.
 *
 * Validated with zod like the segmentation manifests (src-main/features/models/manifest.ts);
 * the inference worker gets the plain EmbeddingModelRef of engine/inference/protocol.ts
 * (core never imports a feature, so the shapes match structurally; see toModelRef).
 */
import { z } from 'zod';
import type { EmbeddingModelRef } from '../../engine/inference/protocol.js';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lower-case hex digits');
const Rgb = z.tuple([z.number(), z.number(), z.number()]);
const Size = z.number().int().positive();

/** sharp's resampling kernels; models trained with PIL's bicubic match `cubic` best. */
export const ResizeKernel = z.enum(['nearest', 'linear', 'cubic', 'mitchell', 'lanczos3']);
export type ResizeKernel = z.infer<typeof ResizeKernel>;

/** How an image of any shape becomes the input size. */
export const EmbedderResize = z.discriminatedUnion('mode', [
  /** Both sides scaled to the input size, aspect ratio not kept (the whole image is seen). */
  z.object({ mode: z.literal('stretch'), kernel: ResizeKernel }).strict(),
  /** Shorter side scaled to `shortSide`, then the centre cut out at the input size (torchvision's Resize + CenterCrop). */
  z.object({ mode: z.literal('crop'), shortSide: Size, kernel: ResizeKernel }).strict(),
  /** Scaled to fit inside the input size, the rest filled with `background` (0–255 RGB). */
  z.object({ mode: z.literal('pad'), background: Rgb, kernel: ResizeKernel }).strict(),
]);
export type EmbedderResize = z.infer<typeof EmbedderResize>;

export const EmbedderInput = z
  .object({
    /** The input's name; null means the model's first input. */
    name: z.string().nullable(),
    size: z.tuple([Size, Size]).describe('[width, height]'),
    resize: EmbedderResize,
    layout: z.enum(['NCHW', 'NHWC']),
    colorOrder: z.enum(['RGB', 'BGR']),
    /** In 0–255 pixel units, in the model's colour order: x' = (x − mean) / std. */
    mean: Rgb,
    std: Rgb.refine((s) => s.every((v) => v > 0), 'std must be positive'),
  })
  .strict();
export type EmbedderInput = z.infer<typeof EmbedderInput>;

export const EmbedderOutput = z
  .object({
    name: z.string().min(1),
    /**
     * none: the output is [N, D] already; mean / max / gem: over the spatial axes of an
     * [N, C, H, W] (or NHWC, see layout) map; cls: token 0 of [N, T, D]; tokens: the mean
     * of tokens 1… of [N, T, D] (patch tokens, without the class token).
     */
    pooling: z.enum(['none', 'mean', 'max', 'gem', 'cls', 'tokens']),
    /** GeM exponent (pooling gem). */
    gemP: z.number().positive().optional(),
    /** Axis order of a rank-4 output. */
    layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
    /** L2-normalise this part before it joins the others (so each counts by its weight, not its scale). */
    normalize: z.boolean().default(true),
    weight: z.number().positive().default(1),
    dimension: Size,
  })
  .strict()
  .refine((o) => o.pooling !== 'gem' || o.gemP !== undefined, 'gem pooling needs gemP');
export type EmbedderOutput = z.infer<typeof EmbedderOutput>;

const Bins = z.object({ hue: Size, saturation: Size, value: Size }).strict();

export const EmbedderSpec = z
  .object({
    input: EmbedderInput,
    /** Concatenated in this order into the model part, which is L2-normalised. */
    outputs: z.array(EmbedderOutput).min(1),
    /**
     * A √HSV colour histogram of the same input pixels (hsv-histogram.ts), of their central
     * `centre` fraction by side (1: all of them), appended with this weight to the
     * unit-length model part; the result is L2-normalised again.
     */
    histogram: z.object({ bins: Bins, centre: z.number().gt(0).lte(1).default(1), weight: z.number().positive() }).strict().optional(),
    /** The final vector's length: the outputs' dimensions plus the histogram's bins. */
    dimension: Size,
  })
  .strict()
  .refine(
    (s) => s.outputs.reduce((n, o) => n + o.dimension, 0) + (s.histogram ? s.histogram.bins.hue * s.histogram.bins.saturation * s.histogram.bins.value : 0) === s.dimension,
    'dimension must be the sum of the outputs’ dimensions and the histogram’s bins',
  );
export type EmbedderSpec = z.infer<typeof EmbedderSpec>;

export const EmbedderSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('url'), url: z.url({ protocol: /^https?$/ }) }).strict(),
  /** Built on the user's machine from weights an npm package ships (deterministic: the sha256 is known in advance). */
  z.object({ kind: z.literal('build'), builder: z.string().min(1), package: z.string().min(1), version: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('user'), originalName: z.string() }).strict(),
]);

/** A download-catalog or built-in embedder, as written in native-models/<id>.json. */
export const EmbedderManifest = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/),
    name: z.string().min(1),
    task: z.literal('embedding'),
    description: z.string(),
    licence: z.object({ name: z.string().min(1), url: z.string().nullable(), note: z.string().optional() }).strict(),
    homepage: z.string().nullable(),
    source: EmbedderSource,
    files: z
      .array(
        z
          .object({
            name: z.string().regex(/^[\w.-]+\.onnx$/, 'an .onnx file name'),
            bytes: z.number().int().positive().nullable(),
            /** null when no checksum could be verified: such a model is never installed automatically. */
            sha256: Sha256.nullable(),
            sha256Source: z.string().min(1),
          })
          .strict(),
      )
      .length(1),
    embedder: EmbedderSpec,
  })
  .strict();
export type EmbedderManifest = z.infer<typeof EmbedderManifest>;

export function parseEmbedderManifest(value: unknown, where: string): EmbedderManifest {
  const r = EmbedderManifest.safeParse(value);
  if (!r.success) throw new Error(`${where}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** What the inference worker needs for one installed embedder file: the model part (the histogram is added by the caller). */
export function toModelRef(id: string, file: { path: string; sha256: string; bytes: number }, spec: EmbedderSpec): EmbeddingModelRef {
  const { input } = spec;
  return {
    id,
    path: file.path,
    sha256: file.sha256,
    bytes: file.bytes,
    input: { name: input.name, size: input.size, layout: input.layout, colorOrder: input.colorOrder, mean: input.mean, std: input.std },
    outputs: spec.outputs.map((o) => ({ name: o.name, pooling: o.pooling, gemP: o.gemP ?? null, layout: o.layout, normalize: o.normalize, weight: o.weight, dimension: o.dimension })),
    dimension: spec.outputs.reduce((n, o) => n + o.dimension, 0),
  };
}
