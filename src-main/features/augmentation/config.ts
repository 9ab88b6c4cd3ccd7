import { z } from 'zod';

/**
 * Every parameter of the augmentation pipelines, in one typed object. The defaults are
 * the product specification; a caller overrides any part with `resolveConfig({...})`
 * (validated, so a bad range is a clear error, not a strange image).
 *
 * Names and semantics follow albumentations' transforms of the same names (Affine,
 * Perspective, GridDistortion, OpticalDistortion, MotionBlur, GaussianBlur,
 * RandomBrightnessContrast, ColorJitter, RGBShift, ISONoise, CoarseDropout); where a
 * choice had to be made it is said at the field.
 */

const probability = z.number().min(0).max(1);
const range = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, 'range must be [low, high] with low <= high');
const intRange = z.tuple([z.number().int(), z.number().int()]).refine(([lo, hi]) => lo <= hi, 'range must be [low, high] with low <= high');
const oddKernelRange = intRange.refine(([lo, hi]) => lo >= 3 && hi >= lo, 'blur kernels are odd sizes from 3 up');

/** Affine: rotation and shear in degrees, sampled uniformly; shear on both axes (albumentations' tuple form). */
const affine = z.object({ rotate: range, shear: range });
/** Perspective: the sd of the normal the four corner offsets are drawn from, itself uniform in `scale`. */
const perspective = z.object({ scale: range.refine(([lo]) => lo >= 0, 'perspective scale is non-negative') });
/** GridDistortion: each of numSteps+1 steps per axis is 1 + U(-distortLimit, distortLimit), normalised. */
const grid = z.object({ distortLimit: z.number().min(0).max(1), numSteps: z.number().int().min(1) });
/** OpticalDistortion (camera model): k1 = k2 = k ~ U(-distortLimit, distortLimit), fx = width, fy = height. */
const optical = z.object({ distortLimit: z.number().min(0).max(1) });
/** MotionBlur or GaussianBlur (one of them, 50/50): odd kernel size in `kernel`. */
const blur = z.object({ p: probability, kernel: oddKernelRange });

const lightPipeline = z.object({ affine: affine.extend({ p: probability }) });
const heavyPipeline = z.object({
  perspective: perspective.extend({ p: probability }),
  grid: grid.extend({ p: probability }),
  optical: optical.extend({ p: probability }),
  affine: affine.extend({ p: probability }),
  blur,
});

const shadow = z.object({
  p: probability,
  /** Shadow opacity 0–255, uniform integer. */
  alpha: intRange.refine(([lo, hi]) => lo >= 0 && hi <= 255, 'shadow alpha is 0–255'),
  /** Passes of PIL's ImageFilter.BLUR kernel (5×5 ring /16), uniform integer. */
  blurPasses: intRange.refine(([lo]) => lo >= 0, 'blur passes are >= 0'),
  /** Shadow offset [x, y] in working pixels (down-right for positive values). */
  offset: z.tuple([z.number().int(), z.number().int()]),
});

const synthetic = z.object({
  /** Probability of the light pipeline; the heavy one otherwise. */
  lightP: probability,
  light: lightPipeline,
  heavy: heavyPipeline,
  shadow,
  /** Alpha above this counts as subject when cropping to the alpha bounding box. */
  alphaThreshold: z.number().int().min(0).max(254),
  /**
   * Background margin around the subject's box, as a fraction of its longer side, on each
   * side. Not in the specification (which crops tight); without it the shadow falls
   * outside the frame on the right and bottom.
   */
  margin: z.number().min(0).max(1),
  /**
   * 'square': the canvas is the subject's box grown to a square (background fills the
   * rest), so the final 384×384 resize keeps the product's proportions. 'box': the
   * specification's literal subject box, stretched to 384×384 by the final resize.
   */
  canvas: z.enum(['square', 'box']),
  /** Alpha choke in source pixels (eroded, then feathered): pulls the cut-out's edge in, so its fringe of old background does not halo. 0 = off. Not in the specification. */
  edgeChoke: z.number().min(0).max(8),
});

const real = z.object({
  /** One geometric transform, p = `p`, chosen by the weights (albumentations OneOf). */
  geometric: z.object({
    p: probability,
    affine: affine.extend({ weight: z.number().min(0) }),
    perspective: perspective.extend({ weight: z.number().min(0) }),
    grid: grid.extend({ weight: z.number().min(0) }),
    optical: optical.extend({ weight: z.number().min(0) }),
  }),
  /** RandomBrightnessContrast: out = in·(1 + c) + b·255, b ~ U(±brightness), c ~ U(±contrast). */
  brightnessContrast: z.object({ p: probability, brightness: z.number().min(0), contrast: z.number().min(0) }),
  /** ColorJitter (torchvision semantics, the four in a random order; hue as a fraction of the circle). */
  colorJitter: z.object({
    p: probability,
    brightness: z.number().min(0),
    contrast: z.number().min(0),
    saturation: z.number().min(0),
    hue: z.number().min(0).max(0.5),
  }),
  /** RGBShift: each channel + U(±limit). */
  rgbShift: z.object({ p: probability, limit: z.number().min(0).max(255) }),
  /** ISONoise (albumentations 1.x: Poisson luminance, normal hue noise in HLS). */
  isoNoise: z.object({ p: probability, colorShift: range, intensity: range }),
  blur,
  /**
   * CoarseDropout: holes fit inside the image, each filled with `fill` grey. The
   * specification gives only the largest hole (30×30); the smallest (10) is our choice.
   */
  coarseDropout: z.object({ p: probability, holes: intRange, holeHeight: intRange, holeWidth: intRange, fill: z.number().int().min(0).max(255) }),
  /** Raw photos are cropped to the caller's cut-out; the crop grows to a square inside the photo's content where it can. */
  canvas: z.enum(['square', 'box']),
  alphaThreshold: z.number().int().min(0).max(254),
  /** The specification leaves clean photos at their own size (the real pipeline without its resize). */
  resizeClean: z.boolean(),
  /**
   * …up to this longer side: a larger clean photo is first shrunk to it (not in the
   * specification; it bounds time and memory: a 3000 px photo takes seconds and most of a GB).
   */
  cleanMaxSide: z.number().int().min(8),
});

const letterbox = z.object({
  /** Width of each edge strip in pixels. */
  strip: z.number().int().min(1),
  /** A strip is dark when its mean grey (Rec. 601 luma) is below this. */
  maxMeanGrey: z.number().min(0).max(255),
});

export const AugmentConfigSchema = z.object({
  synthetic,
  real,
  letterbox,
  output: z.object({ size: z.number().int().min(8).max(4096), quality: z.number().int().min(1).max(100) }),
  /**
   * Working resolution: the canvas the transforms run on is scaled so its longer side is
   * within [output.size, workMaxSide]. Pixel-sized parameters (blur kernels, shadow
   * offset, hole sizes) are in these pixels, so they keep a bounded relation to the
   * output whatever the source resolution, and the cost per output is bounded.
   */
  workMaxSide: z.number().int().min(8),
  /**
   * How geometric transforms fill pixels from outside the image. albumentations' Affine
   * and Perspective default to a black constant; we reflect (OpenCV BORDER_REFLECT_101,
   * the 1.x default of its distortions), because black wedges are an artefact no real
   * photo has and a recognizer would learn it.
   */
  borderMode: z.enum(['reflect101', 'replicate', 'constant']),
  /** When no background image is available: a solid colour, each channel uniform in this range. */
  solidBackground: intRange.refine(([lo, hi]) => lo >= 0 && hi <= 255, 'channel values are 0–255'),
});

export type AugmentConfig = z.infer<typeof AugmentConfigSchema>;

export const DEFAULT_AUGMENT_CONFIG: AugmentConfig = {
  synthetic: {
    lightP: 0.5,
    light: { affine: { p: 0.4, rotate: [-3, 3], shear: [-3, 3] } },
    heavy: {
      perspective: { p: 0.5, scale: [0.01, 0.05] },
      grid: { p: 0.2, distortLimit: 0.2, numSteps: 5 },
      optical: { p: 0.2, distortLimit: 0.2 },
      affine: { p: 0.5, rotate: [-7, 7], shear: [-7, 7] },
      blur: { p: 0.5, kernel: [3, 7] },
    },
    shadow: { p: 0.7, alpha: [80, 140], blurPasses: [5, 8], offset: [5, 5] },
    alphaThreshold: 16,
    margin: 0.04,
    canvas: 'square',
    edgeChoke: 1,
  },
  real: {
    geometric: {
      p: 0.8,
      affine: { weight: 0.6, rotate: [-5, 5], shear: [-5, 5] },
      perspective: { weight: 0.4, scale: [0.01, 0.06] },
      grid: { weight: 0.2, distortLimit: 0.2, numSteps: 5 },
      optical: { weight: 0.2, distortLimit: 0.2 },
    },
    brightnessContrast: { p: 0.7, brightness: 0.3, contrast: 0.15 },
    colorJitter: { p: 0.6, brightness: 0.1, contrast: 0.1, saturation: 0.15, hue: 0.03 },
    rgbShift: { p: 0.4, limit: 12 },
    isoNoise: { p: 0.4, colorShift: [0.01, 0.03], intensity: [0.1, 0.3] },
    blur: { p: 0.5, kernel: [3, 7] },
    coarseDropout: { p: 0.3, holes: [1, 6], holeHeight: [10, 30], holeWidth: [10, 30], fill: 220 },
    canvas: 'square',
    alphaThreshold: 16,
    resizeClean: false,
    cleanMaxSide: 1536,
  },
  letterbox: { strip: 10, maxMeanGrey: 10 },
  output: { size: 384, quality: 95 },
  workMaxSide: 768,
  borderMode: 'reflect101',
  solidBackground: [200, 255],
};

/** Any part of the configuration, nested objects merged into the defaults. */
export type AugmentConfigOverrides = DeepPartial<AugmentConfig>;
type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** The defaults with `overrides` merged in, validated. Throws a readable error on a bad value. */
export function resolveConfig(overrides: AugmentConfigOverrides = {}): AugmentConfig {
  const merged = merge(DEFAULT_AUGMENT_CONFIG, overrides);
  const parsed = AugmentConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid augmentation config: ${issues}`);
  }
  return parsed.data;
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
    return out;
  }
  return over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
