/**
 * The fast colour guided filter (He, Sun & Tang 2010; He & Sun 2015, "Fast Guided
 * Filter"): the linear coefficients that map the photo's colour to the mask are fitted
 * on reduced planes, then read back bilinearly and applied to full-resolution colour,
 * so the mask's edge follows the photo's edge without a full-resolution filter.
 *
 * Colour, not grey: a red product on a green shelf can have the same luma on both
 * sides of its edge, and a grey guide would see no edge there at all.
 */
import sharp from 'sharp';
import { boxMean, sampleAt, Upsampler } from './refine-box.js';

export interface GuidedCoefficients {
  /** The reduced planes: q(x, y) = aR·R + aG·G + aB·B + b with colour in 0–1. */
  aR: Float32Array;
  aG: Float32Array;
  aB: Float32Array;
  b: Float32Array;
  grid: Upsampler;
}

/**
 * Fits the guided filter of `mask` (0–255, already levelled) guided by `image` (RGB or
 * RGBA, 8-bit). `radius` is in full-resolution pixels; the fit runs on planes reduced so
 * their long side is at most `maxSide` (libvips resize, triangle kernel: no negative
 * lobes that would ring around a hard mask edge).
 */
export async function fitGuidedFilter(
  image: Uint8Array,
  channels: 3 | 4,
  mask: Uint8Array,
  width: number,
  height: number,
  radius: number,
  epsilon: number,
  maxSide = 1024,
): Promise<GuidedCoefficients> {
  const scale = Math.max(1, Math.max(width, height) / maxSide);
  const w = Math.max(1, Math.round(width / scale));
  const h = Math.max(1, Math.round(height / scale));
  const sx = width / w;
  let rgb: Uint8Array;
  let p: Uint8Array;
  if (w === width && h === height) {
    rgb = channels === 3 ? image : dropAlpha(image, width * height);
    p = mask;
  } else {
    const raw = { raw: { width, height, channels } };
    let guide = sharp(image, raw);
    if (channels === 4) guide = guide.removeAlpha();
    rgb = new Uint8Array(await guide.resize(w, h, { fit: 'fill', kernel: 'linear' }).raw().toBuffer());
    p = new Uint8Array(
      await sharp(mask, { raw: { width, height, channels: 1 } })
        .resize(w, h, { fit: 'fill', kernel: 'linear' })
        .extractChannel(0)
        .raw()
        .toBuffer(),
    );
  }
  const r = Math.max(1, Math.round(radius / sx));
  const n = w * h;
  // Means of I, p, I·p and I·Iᵀ over each window: 13 planes, all on the reduced grid.
  const I = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
  const P = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    I[0][i] = rgb[i * 3]! / 255;
    I[1][i] = rgb[i * 3 + 1]! / 255;
    I[2][i] = rgb[i * 3 + 2]! / 255;
    P[i] = p[i]! / 255;
  }
  const product = (x: Float32Array, y: Float32Array) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = x[i]! * y[i]!;
    return boxMean(out, w, h, r, out);
  };
  const mR = boxMean(I[0], w, h, r);
  const mG = boxMean(I[1], w, h, r);
  const mB = boxMean(I[2], w, h, r);
  const mP = boxMean(P, w, h, r);
  const RP = product(I[0], P);
  const GP = product(I[1], P);
  const BP = product(I[2], P);
  const RR = product(I[0], I[0]);
  const RG = product(I[0], I[1]);
  const RB = product(I[0], I[2]);
  const GG = product(I[1], I[1]);
  const GB = product(I[1], I[2]);
  const BB = product(I[2], I[2]);

  const aR = new Float32Array(n);
  const aG = new Float32Array(n);
  const aB = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const mr = mR[i]!;
    const mg = mG[i]!;
    const mb = mB[i]!;
    const mp = mP[i]!;
    // The window's colour covariance (regularised) and its covariance with the mask.
    const srr = RR[i]! - mr * mr + epsilon;
    const srg = RG[i]! - mr * mg;
    const srb = RB[i]! - mr * mb;
    const sgg = GG[i]! - mg * mg + epsilon;
    const sgb = GB[i]! - mg * mb;
    const sbb = BB[i]! - mb * mb + epsilon;
    const cr = RP[i]! - mr * mp;
    const cg = GP[i]! - mg * mp;
    const cb = BP[i]! - mb * mp;
    // Σ⁻¹·c by cofactors (Σ is symmetric and, with ε on the diagonal, positive definite).
    const c00 = sgg * sbb - sgb * sgb;
    const c01 = srb * sgb - srg * sbb;
    const c02 = srg * sgb - srb * sgg;
    const c11 = srr * sbb - srb * srb;
    const c12 = srb * srg - srr * sgb;
    const c22 = srr * sgg - srg * srg;
    const det = srr * c00 + srg * c01 + srb * c02;
    const ar = (c00 * cr + c01 * cg + c02 * cb) / det;
    const ag = (c01 * cr + c11 * cg + c12 * cb) / det;
    const ab = (c02 * cr + c12 * cg + c22 * cb) / det;
    aR[i] = ar;
    aG[i] = ag;
    aB[i] = ab;
    b[i] = mp - ar * mr - ag * mg - ab * mb;
  }
  return { aR: boxMean(aR, w, h, r, aR), aG: boxMean(aG, w, h, r, aG), aB: boxMean(aB, w, h, r, aB), b: boxMean(b, w, h, r, b), grid: new Upsampler(w, h, sx, height / h) };
}

/** The filtered mask (0–1, unclamped) at full-resolution pixel (x, y) of colour r, g, b (0–255). */
export function guidedValue(k: GuidedCoefficients, x: number, y: number, r: number, g: number, b: number, at: Float64Array): number {
  k.grid.locate(x, y, at);
  return (sampleAt(k.aR, at) * r + sampleAt(k.aG, at) * g + sampleAt(k.aB, at) * b) / 255 + sampleAt(k.b, at);
}

function dropAlpha(rgba: Uint8Array, n: number): Uint8Array {
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = rgba[i * 4]!;
    rgb[i * 3 + 1] = rgba[i * 4 + 1]!;
    rgb[i * 3 + 2] = rgba[i * 4 + 2]!;
  }
  return rgb;
}
