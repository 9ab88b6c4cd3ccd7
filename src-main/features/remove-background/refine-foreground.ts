/**
 * Colour decontamination of a cut-out: "Approximate Fast Foreground Colour Estimation"
 * (Germer, Uelwer, Conrad & Harmeling, ICIP 2021), blur-fusion run twice (a wide
 * radius, then a narrow one seeded with the first pass's estimates).
 *
 * In the soft edge the photo's colour is a mix of subject and background; composited
 * as is, the old background shows as a fringe. The estimate solves I = αF + (1 − α)B
 * for F with F and B taken from local means of the confident pixels nearby.
 *
 * The wide pass only needs smooth local means, so it runs on block averages (a block
 * about an eighth of its radius); the narrow pass runs at full resolution, but only
 * on the tiles that hold soft pixels. Pixels that are fully opaque keep their colour
 * exactly; fully transparent ones become 0, 0, 0, 0 (they hid the whole photo).
 */
import { boxMean, sampleAt, Upsampler, WindowSums } from './refine-box.js';

export interface DecontaminateOptions {
  /** Radius (px) of the first, wide pass; default 6% of the long side (Germer et al. use 90 px). */
  wideRadius?: number;
  /** Radius (px) of the second pass; default a fifteenth of the wide one (their 6 px to 90). */
  narrowRadius?: number;
}

const TILE = 32;
const TINY = 1e-5;

/** A new RGBA buffer (straight alpha): colour cleared under alpha 0, foreground colour estimated where 0 < alpha < 255. */
export function decontaminate(rgba: Uint8Array, width: number, height: number, options: DecontaminateOptions = {}): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`bad size ${width}×${height}`);
  const n = width * height;
  if (rgba.length !== n * 4) throw new RangeError(`rgba holds ${rgba.length} bytes; ${width}×${height}×4 needs ${n * 4}`);
  const wide = Math.max(2, Math.round(options.wideRadius ?? Math.max(8, Math.max(width, height) * 0.06)));
  const narrow = Math.max(1, Math.round(options.narrowRadius ?? Math.max(2, wide / 15)));

  const out = new Uint8Array(n * 4);
  const cols = Math.ceil(width / TILE);
  const rows = Math.ceil(height / TILE);
  const softTiles = new Uint8Array(cols * rows);
  let soft = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const a = rgba[i * 4 + 3]!;
      if (a === 255) {
        out[i * 4] = rgba[i * 4]!;
        out[i * 4 + 1] = rgba[i * 4 + 1]!;
        out[i * 4 + 2] = rgba[i * 4 + 2]!;
        out[i * 4 + 3] = 255;
      } else if (a > 0) {
        softTiles[Math.floor(y / TILE) * cols + Math.floor(x / TILE)] = 1;
        soft++;
      }
    }
  }
  if (soft === 0) return out;

  const first = widePass(rgba, width, height, wide);
  const at = new Float64Array(6);
  // F·α and B·(1 − α) from the first pass, as the second pass's blur needs them.
  const fill = (x: number, y: number, v: Float64Array) => {
    const i = (y * width + x) * 4;
    const a = rgba[i + 3]! / 255;
    v[0] = a;
    if (a === 1) {
      v[1] = rgba[i]! / 255;
      v[2] = rgba[i + 1]! / 255;
      v[3] = rgba[i + 2]! / 255;
      v[4] = v[5] = v[6] = 0;
      return;
    }
    first.grid.locate(x, y, at);
    const bR = sampleAt(first.bR, at);
    const bG = sampleAt(first.bG, at);
    const bB = sampleAt(first.bB, at);
    v[4] = bR * (1 - a);
    v[5] = bG * (1 - a);
    v[6] = bB * (1 - a);
    if (a === 0) {
      v[1] = v[2] = v[3] = 0;
      return;
    }
    v[1] = estimate(sampleAt(first.fR, at), bR, rgba[i]! / 255, a) * a;
    v[2] = estimate(sampleAt(first.fG, at), bG, rgba[i + 1]! / 255, a) * a;
    v[3] = estimate(sampleAt(first.fB, at), bB, rgba[i + 2]! / 255, a) * a;
  };

  const s = new Float64Array(7);
  const sums = new WindowSums(width, height, narrow, 7, fill);
  for (let ty = 0; ty < rows; ty++) {
    for (let tx = 0; tx < cols; tx++) {
      if (!softTiles[ty * cols + tx]) continue;
      const left = tx * TILE;
      const top = ty * TILE;
      const right = Math.min(width, left + TILE);
      const bottom = Math.min(height, top + TILE);
      sums.load(left, top, right, bottom);
      for (let y = top; y < bottom; y++) {
        for (let x = left; x < right; x++) {
          const i = (y * width + x) * 4;
          const a8 = rgba[i + 3]!;
          if (a8 === 0 || a8 === 255) continue;
          const a = a8 / 255;
          const count = sums.sums(x, y, s);
          // Ratios of window sums are ratios of window means: F̄ = Σ Fα / Σ α, B̄ = Σ B(1 − α) / Σ (1 − α).
          const fa = s[0]! + TINY;
          const ba = count - s[0]! + TINY;
          out[i] = Math.round(255 * estimate(s[1]! / fa, s[4]! / ba, rgba[i]! / 255, a));
          out[i + 1] = Math.round(255 * estimate(s[2]! / fa, s[5]! / ba, rgba[i + 1]! / 255, a));
          out[i + 2] = Math.round(255 * estimate(s[3]! / fa, s[6]! / ba, rgba[i + 2]! / 255, a));
          out[i + 3] = a8;
        }
      }
    }
  }
  return out;
}

/** Blur-fusion's update: the blurred foreground corrected by what the compositing equation leaves over, clipped to 0–1. */
function estimate(f: number, b: number, image: number, a: number): number {
  const v = f + a * (image - a * f - (1 - a) * b);
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

interface WideEstimate {
  fR: Float32Array;
  fG: Float32Array;
  fB: Float32Array;
  bR: Float32Array;
  bG: Float32Array;
  bB: Float32Array;
  grid: Upsampler;
}

/**
 * The first pass's local means F̄ = blur(Iα) / blur(α) and B̄ = blur(I(1 − α)) / (1 − blur(α)),
 * on block averages. Hand-written: the block sums of products fuse into one pass over the
 * pixels, where libvips would need a full-resolution float copy of each product first.
 */
function widePass(rgba: Uint8Array, width: number, height: number, radius: number): WideEstimate {
  const block = Math.max(1, Math.floor(radius / 8));
  const w = Math.ceil(width / block);
  const h = Math.ceil(height / block);
  const m = w * h;
  const A = new Float32Array(m);
  const FA = [new Float32Array(m), new Float32Array(m), new Float32Array(m)] as const;
  const BA = [new Float32Array(m), new Float32Array(m), new Float32Array(m)] as const;
  const count = new Float32Array(m);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / block) * w;
    for (let x = 0; x < width; x++) {
      const k = row + Math.floor(x / block);
      const i = (y * width + x) * 4;
      const a = rgba[i + 3]! / 255;
      count[k]!++;
      A[k]! += a;
      for (let c = 0; c < 3; c++) {
        const v = rgba[i + c]! / 255;
        FA[c]![k]! += v * a;
        BA[c]![k]! += v * (1 - a);
      }
    }
  }
  for (let k = 0; k < m; k++) {
    const inv = 1 / count[k]!;
    A[k]! *= inv;
    for (let c = 0; c < 3; c++) {
      FA[c]![k]! *= inv;
      BA[c]![k]! *= inv;
    }
  }
  const r = Math.max(1, Math.round(radius / block));
  const mA = boxMean(A, w, h, r);
  const ratio = (num: Float32Array, denominator: (k: number) => number) => {
    const out = boxMean(num, w, h, r);
    for (let k = 0; k < m; k++) out[k] = out[k]! / denominator(k);
    return out;
  };
  const overA = (k: number) => mA[k]! + TINY;
  const overOneMinusA = (k: number) => 1 - mA[k]! + TINY;
  return {
    fR: ratio(FA[0], overA),
    fG: ratio(FA[1], overA),
    fB: ratio(FA[2], overA),
    bR: ratio(BA[0], overOneMinusA),
    bG: ratio(BA[1], overOneMinusA),
    bB: ratio(BA[2], overOneMinusA),
    grid: new Upsampler(w, h, block, block),
  };
}
