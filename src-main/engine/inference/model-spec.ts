/**
 * How a model reads its input and what its output means: the part of a model manifest
 * the inference runtime needs (the models feature owns the rest of the manifest).
 */
import { z } from 'zod';

const Rgb = z.tuple([z.number(), z.number(), z.number()]);

export const InputSpec = z
  .object({
    /** The input's name; null means the model's first input. */
    name: z.string().nullable(),
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]).describe('[width, height]'),
    layout: z.enum(['NCHW', 'NHWC']),
    /** Bilinear resize convention to the input size (see buildPreprocessModel). */
    resize: z.enum(['half_pixel', 'asymmetric']).default('half_pixel'),
    colorOrder: z.enum(['RGB', 'BGR']),
    /** In 0–255 pixel units, in the model's colour order: x' = (x − mean) / std. */
    mean: Rgb,
    std: Rgb.refine((s) => s.every((v) => v > 0), 'std must be positive'),
  })
  .strict();
export type InputSpec = z.infer<typeof InputSpec>;

export const OutputSpec = z
  .object({
    /** The output holding the alpha prediction; null means the model's first output. */
    name: z.string().nullable(),
    activation: z.enum(['none', 'sigmoid']),
    normalize: z.enum(['none', 'minmax']),
  })
  .strict();
export type OutputSpec = z.infer<typeof OutputSpec>;
