/**
 * The record of one transform as applied: its name and every sampled parameter, enough
 * to explain an output and to apply the same transform again without any randomness.
 * Pixel quantities are in the pixels of the image the op ran on (`size` in the step).
 */
export type Op =
  /** Degrees; positive rotation is counter-clockwise as seen; shear on x and y (albumentations Affine). */
  | { op: 'affine'; rotate: number; shearX: number; shearY: number }
  /** Corners of the source quad (tl, tr, br, bl) as fractions of width and height; the quad is warped onto the whole image. */
  | { op: 'perspective'; scale: number; corners: [number, number][] }
  /** Raw steps 1 + U(±limit), numSteps + 1 per axis, normalised at apply time as albumentations does. */
  | { op: 'grid-distortion'; numSteps: number; stepsX: number[]; stepsY: number[] }
  | { op: 'optical-distortion'; k: number }
  /** Line kernel: angle in degrees, direction −1…1 (backward…forward bias), shift of the line in kernel pixels. */
  | { op: 'motion-blur'; kernel: number; angle: number; direction: number; shiftX: number; shiftY: number }
  | { op: 'gaussian-blur'; kernel: number; sigma: number }
  /** out = in·alpha + beta (beta in 0–255 levels). */
  | { op: 'brightness-contrast'; alpha: number; beta: number }
  /** Factors as torchvision's ColorJitter; hue as a fraction of the hue circle; applied in `order`. */
  | { op: 'color-jitter'; brightness: number; contrast: number; saturation: number; hue: number; order: ColorJitterPart[] }
  | { op: 'rgb-shift'; r: number; g: number; b: number }
  /** The noise field comes from its own stream, keyed by `noiseSeed`. */
  | { op: 'iso-noise'; colorShift: number; intensity: number; noiseSeed: number }
  /** Holes as [x, y, width, height] in pixels. */
  | { op: 'coarse-dropout'; holes: [number, number, number, number][]; fill: number }
  | { op: 'resize'; width: number; height: number };

export type OpName = Op['op'];
export type ColorJitterPart = 'brightness' | 'contrast' | 'saturation' | 'hue';

/** One step of a pipeline: applied with its parameters, or skipped by its probability draw. */
export type Step = { name: string; applied: true; params: Op } | { name: string; applied: false };
