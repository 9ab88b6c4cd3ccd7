/**
 * Cut-outs a catalog can ship: the model's soft mask made solid inside, clear outside
 * and soft only along the subject's edge (refineMask), and the cut-out's colour made
 * safe to composite (decontaminate: nothing kept under alpha 0, no background fringe).
 *
 * Pure functions on raw buffers, for a worker thread (the image worker that renders the
 * presets): no engine, no files. Full-resolution work is one pass over the pixels plus
 * work on the tiles that hold the edge; everything wider runs on reduced planes.
 */
import { scoreMask, type MaskQuality } from './mask-quality.js';
import { tileFor, WindowSums } from './refine-box.js';
import { thinDetail } from './refine-detail.js';
import { decontaminate, type DecontaminateOptions } from './refine-foreground.js';
import { fitGuidedFilter, guidedValue } from './refine-guided.js';

export { decontaminate, type DecontaminateOptions };

export interface RefineOptions {
  /**
   * Model confidence (0–255) at or below which a pixel is background, and at or above
   * which it is subject; between the two the alpha is stretched to 0–255. The cut
   * between subject and background is their midpoint.
   */
  low?: number;
  high?: number;
  /** How far (px) the soft edge may reach either side of the subject's outline; default grows with the image. */
  bandRadius?: number;
  /**
   * Radius (px) of the guided filter that moves the mask's edge onto the photo's edge;
   * 0 keeps the levelled mask as the model drew it. Default: what upsampling from
   * `maskResolution` blurred.
   */
  guidedRadius?: number;
  /** Guided filter regularisation (colour in 0–1): smaller follows the photo's edges more closely. */
  epsilon?: number;
  /** Long side (px) of the mask as the model made it, before it was resized to the image (IS-Net: 1024). */
  maskResolution?: number;
  /**
   * Faint structures narrower than 2·detailRadius + 1 px that hang off the subject (stems,
   * leaves) keep their soft alpha; wider faint patches (ghosts) are cleared. 0 clears all.
   */
  detailRadius?: number;
}

export const REFINE_DEFAULTS = { low: 24, high: 232, epsilon: 1e-4, maskResolution: 1024 } as const;

/**
 * The guided filter's reach: about the blur that resizing a `maskResolution` mask to the
 * image left. None below 1.5× enlargement: at the model's own resolution its edge is as
 * good as the photo's on the grocery photos (the filter moved it slightly away from the
 * native mask there), and the fit would be most of refineMask's time.
 */
export function defaultGuidedRadius(width: number, height: number, maskResolution: number = REFINE_DEFAULTS.maskResolution): number {
  const enlarged = Math.max(width, height) / maskResolution;
  return enlarged < 1.5 ? 0 : Math.max(1, Math.round(1.5 * enlarged));
}

/** Edge softness scales with the image: ±3 px at the dataset's 348 px, ±16 px on a 4000 px photo. */
export function defaultBandRadius(width: number, height: number): number {
  return Math.max(3, Math.round(Math.max(width, height) / 250));
}

/** Thin detail is kept from this model confidence up (0–255): fainter is haze. */
const DETAIL_MIN = 64;

/** Structures up to about 5% of the long side across count as thin (a stem on a 348 px photo: 6–15 px). */
export function defaultDetailRadius(width: number, height: number): number {
  return Math.max(3, Math.round(Math.max(width, height) / 40));
}

/** Alpha of the guided filter below / above which the edge is cut clean, so the band leaves no faint haze. */
const EDGE_CLAMP = 0.04;
const HAS_SUBJECT = 1;
const HAS_BACKGROUND = 2;

/**
 * The full-resolution alpha for a cut-out: `mask` is the model's 8-bit mask already at
 * the image's size (width × height), `image` the source as RGB or RGBA (the guide).
 * Subject pixels farther than bandRadius from the outline are 255, background ones 0;
 * within the band the alpha is the levelled mask filtered by the photo's colour.
 */
export async function refineMask(mask: Uint8Array, image: Uint8Array, width: number, height: number, options: RefineOptions = {}): Promise<Uint8Array> {
  const n = checkSize(mask, 1, width, height, 'mask');
  const channels = image.length === n * 4 ? 4 : 3;
  checkSize(image, channels, width, height, 'image');
  const low = options.low ?? REFINE_DEFAULTS.low;
  const high = options.high ?? REFINE_DEFAULTS.high;
  if (!(low >= 0 && high <= 255 && high - low >= 2)) throw new RangeError(`levels need 0 ≤ low < high ≤ 255 and high − low ≥ 2; got ${low}, ${high}`);
  const r = Math.round(options.bandRadius ?? defaultBandRadius(width, height));
  if (!(r >= 1)) throw new RangeError(`bandRadius must be at least 1 px, got ${options.bandRadius}`);
  const epsilon = options.epsilon ?? REFINE_DEFAULTS.epsilon;
  const guidedRadius = Math.round(options.guidedRadius ?? defaultGuidedRadius(width, height, options.maskResolution));
  if (!(guidedRadius >= 0)) throw new RangeError(`guidedRadius must be 0 or more, got ${options.guidedRadius}`);
  const detailRadius = Math.round(options.detailRadius ?? defaultDetailRadius(width, height));
  if (!(detailRadius >= 0)) throw new RangeError(`detailRadius must be 0 or more, got ${options.detailRadius}`);

  const lut = levelsTable(low, high);
  const levelled = new Uint8Array(n);
  // Tiles for finding the edge: their size only trades bookkeeping against wasted margin.
  const TILE = tileFor(r);
  const cols = Math.ceil(width / TILE);
  const rows = Math.ceil(height / TILE);
  const tileFlags = new Uint8Array(cols * rows);
  // One pass: levels, and which tiles hold subject, background or both.
  for (let y = 0; y < height; y++) {
    const tileRow = Math.floor(y / TILE) * cols;
    for (let tx = 0; tx < cols; tx++) {
      let flags = 0;
      for (let i = y * width + tx * TILE, end = y * width + Math.min(width, (tx + 1) * TILE); i < end; i++) {
        const v = lut[mask[i]!]!;
        levelled[i] = v;
        flags |= v >= 128 ? HAS_SUBJECT : HAS_BACKGROUND;
      }
      tileFlags[tileRow + tx]! |= flags;
    }
  }

  // A tile is near the edge when the tiles within reach of its pixels hold both kinds.
  const reach = Math.ceil(r / TILE);
  const near = new Uint8Array(cols * rows);
  let anyNear = false;
  for (let ty = 0; ty < rows; ty++) {
    for (let tx = 0; tx < cols; tx++) {
      let flags = 0;
      for (let j = Math.max(0, ty - reach); j <= Math.min(rows - 1, ty + reach); j++)
        for (let i = Math.max(0, tx - reach); i <= Math.min(cols - 1, tx + reach); i++) flags |= tileFlags[j * cols + i]!;
      if (flags === (HAS_SUBJECT | HAS_BACKGROUND)) {
        near[ty * cols + tx] = 1;
        anyNear = true;
      }
    }
  }

  const alpha = new Uint8Array(n);
  const detail = detailRadius > 0 ? thinDetail(levelled, width, height, detailRadius, lut[DETAIL_MIN]!) : null;
  if (detail) {
    // Levels that start at DETAIL_MIN, so the detail fades in from its outline instead of stepping up there.
    const detailLut = levelsTable(Math.max(low, DETAIL_MIN), high);
    for (let i = 0; i < n; i++) if (detail[i]) alpha[i] = Math.round((detailLut[mask[i]!]! * detail[i]!) / 255);
  }
  // The guided filter is only read in the tiles near the edge: fitted over their bounding box.
  const nearBox = { left: width, top: height, right: 0, bottom: 0 };
  for (let ty = 0; ty < rows; ty++)
    for (let tx = 0; tx < cols; tx++)
      if (near[ty * cols + tx]) {
        nearBox.left = Math.min(nearBox.left, tx * TILE);
        nearBox.top = Math.min(nearBox.top, ty * TILE);
        nearBox.right = Math.max(nearBox.right, Math.min(width, (tx + 1) * TILE));
        nearBox.bottom = Math.max(nearBox.bottom, Math.min(height, (ty + 1) * TILE));
      }
  const guided = anyNear && guidedRadius > 0 ? await fitGuidedFilter(image, channels, levelled, width, height, guidedRadius, epsilon, nearBox) : null;
  const at = new Float64Array(6);
  const win = new Float64Array(1);
  const span = 1 - 2 * EDGE_CLAMP;
  // Subject pixels in each window: a pixel whose window holds some but not all is in the band.
  const sums = new WindowSums(width, height, r, 1, (y, x0, x1, out) => {
    for (let x = x0, k = 0, o = y * width; x < x1; x++, k++) out[k] = levelled[o + x]! >= 128 ? 1 : 0;
  });
  for (let ty = 0; ty < rows; ty++) {
    for (let tx = 0; tx < cols; tx++) {
      const left = tx * TILE;
      const top = ty * TILE;
      const right = Math.min(width, left + TILE);
      const bottom = Math.min(height, top + TILE);
      if (!near[ty * cols + tx]) {
        if (tileFlags[ty * cols + tx] === HAS_SUBJECT) for (let y = top; y < bottom; y++) alpha.fill(255, y * width + left, y * width + right);
        continue;
      }
      sums.load(left, top, right, bottom);
      for (let y = top; y < bottom; y++) {
        for (let x = left; x < right; x++) {
          const i = y * width + x;
          const count = sums.sums(x, y, win);
          const subject = win[0]!;
          if (subject === 0) continue;
          if (subject === count) {
            alpha[i] = 255;
            continue;
          }
          const q = guided ? guidedValue(guided, x, y, image[i * channels]!, image[i * channels + 1]!, image[i * channels + 2]!, at) : levelled[i]! / 255;
          const soft = Math.min(1, Math.max(0, (q - EDGE_CLAMP) / span));
          // The filtered alpha near the outline, fading to what lies beyond the band at its
          // rim (the window's subject share nears 0 or 1 there), so an uncertain patch
          // that the band cuts through leaves no step at the rim.
          // Away from the outline: solid, clear, or the thin detail's alpha set above.
          const hard = levelled[i]! >= 128 ? 1 : alpha[i]! / 255;
          const weight = Math.min(1, Math.max(0, 2 - 2 * Math.abs((2 * subject) / count - 1)));
          alpha[i] = Math.round(255 * (hard + (soft - hard) * weight));
        }
      }
    }
  }
  return alpha;
}

/** Levels as a lookup table: [low, high] stretched to [0, 255]. */
function levelsTable(low: number, high: number): Uint8Array {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v <= low ? 0 : v >= high ? 255 : Math.round(((v - low) / (high - low)) * 255);
  return lut;
}

function checkSize(buf: Uint8Array, channels: number, width: number, height: number, what: string): number {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`bad size ${width}×${height}`);
  const n = width * height;
  if (buf.length !== n * channels) throw new RangeError(`${what} holds ${buf.length} bytes; ${width}×${height}×${channels} needs ${n * channels}`);
  return n;
}

export interface CutoutOptions extends RefineOptions, DecontaminateOptions {
  /** Refine the model's mask (default); false keeps it exactly as the model made it. */
  refine?: boolean;
  /**
   * A last change to the alpha before the source's own alpha is multiplied in and the
   * colour is decontaminated (the user's feather), so the colour matches the final edge.
   */
  adjustAlpha?: (alpha: Uint8Array) => Uint8Array | Promise<Uint8Array>;
}

export interface Cutout {
  /** The cut-out's alpha: refined, or the model's own with refine: false. */
  alpha: Uint8Array;
  /** RGBA with that alpha: colour cleared under alpha 0 and decontaminated in the soft edge. */
  rgba: Uint8Array;
  /** The verdict on the model's raw mask: a `needs_review` result is not to be reported as done. */
  quality: MaskQuality;
}

/**
 * Everything a preset needs from the mask, in one call for the image worker: the
 * quality verdict (on the raw mask), the alpha (refined unless refine: false) and the
 * decontaminated RGBA. `mask` and `image` (RGB or RGBA) are at the same size; an RGBA
 * source's own alpha is multiplied in.
 */
export async function makeCutout(mask: Uint8Array, image: Uint8Array, width: number, height: number, options: CutoutOptions = {}): Promise<Cutout> {
  const n = checkSize(mask, 1, width, height, 'mask');
  const channels = image.length === n * 4 ? 4 : 3;
  checkSize(image, channels, width, height, 'image');
  const quality = scoreMask(mask, width, height);
  let alpha = options.refine === false ? new Uint8Array(mask) : await refineMask(mask, image, width, height, options);
  if (options.adjustAlpha) alpha = checkAdjusted(await options.adjustAlpha(alpha), n);
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = image[i * channels]!;
    rgba[i * 4 + 1] = image[i * channels + 1]!;
    rgba[i * 4 + 2] = image[i * channels + 2]!;
    rgba[i * 4 + 3] = channels === 4 ? Math.round((alpha[i]! * image[i * 4 + 3]!) / 255) : alpha[i]!;
  }
  if (channels === 4) for (let i = 0; i < n; i++) alpha[i] = rgba[i * 4 + 3]!;
  return { alpha, rgba: decontaminate(rgba, width, height, options), quality };
}

function checkAdjusted(alpha: Uint8Array, n: number): Uint8Array {
  if (alpha.length !== n) throw new RangeError(`adjustAlpha returned ${alpha.length} bytes for ${n} pixels`);
  return alpha;
}
