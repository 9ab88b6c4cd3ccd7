/**
 * Per-frame measures on small frames (the analysis stream is ~320 px): sharpness,
 * a perceptual hash, and a coarse thumbnail for frame differences. Pure functions on
 * typed arrays, so they run wherever the frames are (the engine thread reading
 * ffmpeg's pipe, or a worker).
 *
 * Hand-written loops rather than sharp: the frames are already raw in memory, a 3×3
 * Laplacian and a 9×8 box reduction over 57,600 pixels take well under a millisecond, and
 * sharp's convolve on 8-bit input clamps the Laplacian's negative half (the variance
 * needs both signs), besides a libvips round trip per frame that costs more than the
 * arithmetic.
 */

/** BT.601 luma of packed RGB. */
export function greyOf(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  if (rgb.length !== n * 3) throw new Error(`rgb holds ${rgb.length} bytes, expected ${width}×${height}×3`);
  const grey = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) grey[i] = (rgb[j]! * 77 + rgb[j + 1]! * 150 + rgb[j + 2]! * 29 + 128) >> 8;
  return grey;
}

/**
 * Variance of the 4-neighbour Laplacian: edges and texture give large second
 * derivatives, blur (defocus or motion) flattens them. Scale-dependent, so only compare
 * frames of the same video at the same analysis size.
 */
export function laplacianVariance(grey: Uint8Array, width: number, height: number): number {
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const v = grey[i - 1]! + grey[i + 1]! + grey[i - width]! + grey[i + width]! - 4 * grey[i]!;
      sum += v;
      sumSq += v * v;
      count++;
    }
  }
  if (count === 0) return 0;
  const mean = sum / count;
  return sumSq / count - mean * mean;
}

/** Box-average reduction to tw×th (each output pixel averages its whole source area). */
export function shrink(grey: Uint8Array, width: number, height: number, tw: number, th: number): Float32Array {
  const out = new Float32Array(tw * th);
  for (let ty = 0; ty < th; ty++) {
    const y0 = Math.floor((ty * height) / th);
    const y1 = Math.max(y0 + 1, Math.floor(((ty + 1) * height) / th));
    for (let tx = 0; tx < tw; tx++) {
      const x0 = Math.floor((tx * width) / tw);
      const x1 = Math.max(x0 + 1, Math.floor(((tx + 1) * width) / tw));
      let s = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += grey[y * width + x]!;
      out[ty * tw + tx] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/**
 * dHash: 64 bits, one per horizontal neighbour pair of a 9×8 box-reduced frame ("is the
 * right one brighter?"). Robust to noise, compression and small brightness changes;
 * changes when the view changes. Compare with hamming().
 */
export function dHash(grey: Uint8Array, width: number, height: number): bigint {
  const t = shrink(grey, width, height, 9, 8);
  let hash = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      hash <<= 1n;
      if (t[y * 9 + x + 1]! > t[y * 9 + x]!) hash |= 1n;
    }
  }
  return hash;
}

export function hamming(a: bigint, b: bigint): number {
  let v = a ^ b;
  let count = 0;
  while (v) {
    v &= v - 1n;
    count++;
  }
  return count;
}

/** Side of the thumbnail frameDifference() compares: coarse enough that camera motion moves little. */
export const DIFF_GRID = 16;

/** A DIFF_GRID×DIFF_GRID luma thumbnail with its mean removed (exposure changes are not cuts). */
export function diffThumb(grey: Uint8Array, width: number, height: number): Float32Array {
  const t = shrink(grey, width, height, DIFF_GRID, DIFF_GRID);
  let mean = 0;
  for (const v of t) mean += v;
  mean /= t.length;
  for (let i = 0; i < t.length; i++) t[i] = t[i]! - mean;
  return t;
}

/** Mean absolute difference of two diffThumb()s, in grey levels (0–255). */
export function frameDifference(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

export interface FrameFeatures {
  index: number;
  time: number;
  sharpness: number;
  hash: bigint;
  /** Difference from the previous frame (0 for the first). */
  diff: number;
  /** Mean luma 0–255 (a black or blown-out frame is not a product view). */
  brightness: number;
}

/** What one frame gives, before it is compared with its neighbours. */
export interface FrameStats {
  sharpness: number;
  hash: bigint;
  brightness: number;
  /** diffThumb(), for frameDifference() with the next frame. */
  thumb: Float32Array;
}

/** Measures one frame (the part that touches every pixel; runs in the measure worker). */
export function frameStats(rgb: Uint8Array, width: number, height: number): FrameStats {
  const grey = greyOf(rgb, width, height);
  let brightness = 0;
  for (let i = 0; i < grey.length; i++) brightness += grey[i]!;
  return {
    sharpness: laplacianVariance(grey, width, height),
    hash: dHash(grey, width, height),
    brightness: brightness / grey.length,
    thumb: diffThumb(grey, width, height),
  };
}

export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export type FrameVerdict = 'ok' | 'blurred' | 'too_dark' | 'too_bright';

export interface JudgeOptions {
  /** A frame is blurred below this share of its neighbourhood's median sharpness. */
  blurRatio: number;
  /** The neighbourhood: frames of the same scene within this many seconds. */
  blurWindowSeconds: number;
  /** Mean luma outside [min, max] is not a product view (lens cap, fade, blown exposure). */
  minBrightness: number;
  maxBrightness: number;
}

/**
 * Blur judged against the video's own sharpness, not a constant: each frame against the
 * median of its scene within ±blurWindowSeconds. Texture, zoom and resolution move the
 * Laplacian variance by an order of magnitude between videos and between scenes of one
 * video (a soft in-store pan beside a crisp close-up), while a shake or a focus hunt drops a
 * frame to a fraction of its neighbours'. `ranges` are the scenes as [start, end) indices
 * into `features`.
 */
export function judgeFrames(features: readonly FrameFeatures[], ranges: ReadonlyArray<readonly [number, number]>, options: JudgeOptions): { verdicts: FrameVerdict[]; relativeSharpness: number[] } {
  const verdicts: FrameVerdict[] = new Array<FrameVerdict>(features.length).fill('ok');
  const relative: number[] = new Array<number>(features.length).fill(1);
  for (const [start, end] of ranges) {
    let lo = start;
    let hi = start;
    for (let i = start; i < end; i++) {
      const f = features[i]!;
      while (lo < i && features[lo]!.time < f.time - options.blurWindowSeconds) lo++;
      while (hi < end && features[hi]!.time <= f.time + options.blurWindowSeconds) hi++;
      const reference = median(features.slice(lo, hi).map((x) => x.sharpness));
      // A featureless view (a blank wall) has no edges to lose: never call it blurred.
      relative[i] = reference > 1 ? f.sharpness / reference : 1;
      if (f.brightness < options.minBrightness) verdicts[i] = 'too_dark';
      else if (f.brightness > options.maxBrightness) verdicts[i] = 'too_bright';
      else if (relative[i]! < options.blurRatio) verdicts[i] = 'blurred';
    }
  }
  return { verdicts, relativeSharpness: relative };
}

export interface HashedFrame {
  index: number;
  hash: bigint;
}

/**
 * Drops frames that look like one already kept (dHash within `maxDistance` bits), in the
 * given order, so the first of a run of near-identical views stays. Compared with every
 * kept frame, not only the last: a video that comes back to a view gives no new frame.
 */
export function dropNearDuplicates<T extends HashedFrame>(frames: readonly T[], maxDistance: number): { kept: T[]; dropped: Array<{ frame: T; of: T; distance: number }> } {
  const kept: T[] = [];
  const dropped: Array<{ frame: T; of: T; distance: number }> = [];
  for (const f of frames) {
    let nearest: { of: T; distance: number } | null = null;
    for (const k of kept) {
      const d = hamming(f.hash, k.hash);
      if (d <= maxDistance && (!nearest || d < nearest.distance)) nearest = { of: k, distance: d };
    }
    if (nearest) dropped.push({ frame: f, ...nearest });
    else kept.push(f);
  }
  return { kept, dropped };
}
