/**
 * Colour decontamination of a cut-out, after "Approximate Fast Foreground Colour
 * Estimation" (Germer, Uelwer, Conrad & Harmeling, ICIP 2021): blur-fusion, a wide pass
 * then a narrow one.
 *
 * In the soft edge the photo's colour is a mix of subject and background; composited
 * as is, the old background shows as a fringe. The estimate solves I = αF + (1 − α)B
 * for F, with F̄ and B̄ the local means of subject and background colour:
 * F = F̄ + α(I − αF̄ − (1 − α)B̄), clipped.
 *
 * The wide pass (the paper's) only needs smooth means, so it runs on block averages (a
 * block about an eighth of its radius). The narrow pass runs at full resolution, only on
 * the tiles that hold soft pixels, and differs from the paper: its means are over the
 * pixels known to be pure subject and pure background nearby, with the wide estimate as
 * a prior (see below for why). Pixels that are fully opaque keep their colour exactly;
 * fully transparent ones become 0, 0, 0, 0 (they hid the whole photo).
 */
import { blockIndex, boxMean, sampleAt, tileFor, Upsampler, WindowSums } from './refine-box.js';

export interface DecontaminateOptions {
  /** Radius (px) of the first, wide pass; default 6% of the long side (Germer et al. use 90 px). */
  wideRadius?: number;
  /** Radius (px) of the second pass; default 1% of the long side, at least 3 px. */
  narrowRadius?: number;
}

const TINY = 1e-5;
/** How many known pixels the first pass's estimate counts for in the second pass's means. */
const PRIOR = 2;

/** A new RGBA buffer (straight alpha): colour cleared under alpha 0, foreground colour estimated where 0 < alpha < 255. */
export function decontaminate(rgba: Uint8Array, width: number, height: number, options: DecontaminateOptions = {}): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`bad size ${width}×${height}`);
  const n = width * height;
  if (rgba.length !== n * 4) throw new RangeError(`rgba holds ${rgba.length} bytes; ${width}×${height}×4 needs ${n * 4}`);
  const wide = Math.max(2, Math.round(options.wideRadius ?? Math.max(8, Math.max(width, height) * 0.06)));
  // Wider than the paper's 6 px box: the narrow window must reach past the soft edge to
  // pixels of pure background on both sides, and a refined edge here spans up to ±1% of the
  // long side (defaultBandRadius), not the 1–2 px of a ground-truth matte.
  const narrow = Math.max(1, Math.round(options.narrowRadius ?? Math.max(3, Math.max(width, height) / 100)));

  const out = new Uint8Array(n * 4);
  const TILE = tileFor(narrow);
  const cols = Math.ceil(width / TILE);
  const rows = Math.ceil(height / TILE);
  const softTiles = new Uint8Array(cols * rows);
  let soft = 0;
  const tileOf = blockIndex(width, TILE);
  // Copied whole, then cleared under alpha 0 four bytes at a time (`out` is a fresh,
  // aligned buffer); soft pixels are overwritten below.
  out.set(rgba);
  const words = new Uint32Array(out.buffer, out.byteOffset, n);
  for (let y = 0; y < height; y++) {
    const tileRow = Math.floor(y / TILE) * cols;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const a = out[i * 4 + 3]!;
      if (a === 0) words[i] = 0;
      else if (a < 255) {
        softTiles[tileRow + tileOf[x]!] = 1;
        soft++;
      }
    }
  }
  if (soft === 0) return out;

  const first = widePass(rgba, width, height, wide);
  const at = new Float64Array(6);
  // The second pass's means are taken over the pixels known to be pure subject (alpha 255)
  // and pure background (alpha 0) in the narrow window, with the first pass's estimate as
  // a prior worth PRIOR pixels. (Germer et al. blur F·α and B·(1 − α) of every pixel,
  // with B from the wide pass: next to a subject standing in its own shadow that wide,
  // lighter background pushes the estimated edge towards black.)
  const fillRow = (y: number, x0: number, x1: number, v: Float64Array) => {
    v.fill(0, 0, (x1 - x0) * 8);
    for (let x = x0, k = 0; x < x1; x++, k += 8) {
      const i = (y * width + x) * 4;
      const a = rgba[i + 3]!;
      if (a === 255) {
        v[k] = 1;
        v[k + 1] = rgba[i]! / 255;
        v[k + 2] = rgba[i + 1]! / 255;
        v[k + 3] = rgba[i + 2]! / 255;
      } else if (a === 0) {
        v[k + 4] = 1;
        v[k + 5] = rgba[i]! / 255;
        v[k + 6] = rgba[i + 1]! / 255;
        v[k + 7] = rgba[i + 2]! / 255;
      }
    }
  };

  const s = new Float64Array(8);
  const sums = new WindowSums(width, height, narrow, 8, fillRow);
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
          sums.sums(x, y, s);
          first.grid.locate(x, y, at);
          const nf = s[0]! + PRIOR;
          const nb = s[4]! + PRIOR;
          for (let c = 0; c < 3; c++) {
            const f = (s[1 + c]! + PRIOR * sampleAt(first.f[c]!, at)) / nf;
            const b = (s[5 + c]! + PRIOR * sampleAt(first.b[c]!, at)) / nb;
            out[i + c] = Math.round(255 * estimate(f, b, rgba[i + c]! / 255, a));
          }
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
  /** F̄ and B̄ per channel (R, G, B), on the reduced grid. */
  f: [Float32Array, Float32Array, Float32Array];
  b: [Float32Array, Float32Array, Float32Array];
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
  const blockOf = blockIndex(width, block);
  const [fr, fg, fb] = FA;
  const [br, bg, bb] = BA;
  const count = new Float32Array(m);
  // Sums in 0–255 × 0–255 units (one scale at the end instead of per pixel). A block of
  // 8 px or more is sampled every other pixel both ways: still dozens of samples in a
  // mean that is then blurred over several blocks, for a quarter of the reads.
  const step = block >= 8 ? 2 : 1;
  for (let y = 0; y < height; y += step) {
    const row = Math.floor(y / block) * w;
    for (let x = 0, i = y * width * 4; x < width; x += step, i += 4 * step) {
      const k = row + blockOf[x]!;
      count[k]!++;
      const a = rgba[i + 3]!;
      const r = rgba[i]!;
      const g = rgba[i + 1]!;
      const b = rgba[i + 2]!;
      A[k]! += a;
      fr[k]! += r * a;
      fg[k]! += g * a;
      fb[k]! += b * a;
      br[k]! += r * (255 - a);
      bg[k]! += g * (255 - a);
      bb[k]! += b * (255 - a);
    }
  }
  for (let k = 0; k < m; k++) {
    const inv = 1 / (count[k]! * 255 * 255);
    A[k]! /= count[k]! * 255;
    fr[k]! *= inv;
    fg[k]! *= inv;
    fb[k]! *= inv;
    br[k]! *= inv;
    bg[k]! *= inv;
    bb[k]! *= inv;
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
    f: [ratio(FA[0], overA), ratio(FA[1], overA), ratio(FA[2], overA)],
    b: [ratio(BA[0], overOneMinusA), ratio(BA[1], overOneMinusA), ratio(BA[2], overOneMinusA)],
    grid: new Upsampler(w, h, block, block),
  };
}
