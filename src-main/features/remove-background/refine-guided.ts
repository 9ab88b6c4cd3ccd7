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

/** A rectangle of the full-resolution image: [left, right) × [top, bottom). */
export interface Region {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Fits the guided filter of `mask` (0–255, already levelled) guided by `image` (RGB or
 * RGBA, 8-bit). `radius` is in full-resolution pixels; the fit runs on planes reduced so
 * their long side is at most `maxSide` (libvips resize, triangle kernel: no negative
 * lobes that would ring around a hard mask edge), and only over `region` (where the
 * coefficients will be read) grown by the filter's reach.
 */
export async function fitGuidedFilter(
  image: Uint8Array,
  channels: 3 | 4,
  mask: Uint8Array,
  width: number,
  height: number,
  radius: number,
  epsilon: number,
  region: Region = { left: 0, top: 0, right: width, bottom: height },
  maxSide = 1024,
): Promise<GuidedCoefficients> {
  const scale = Math.max(1, Math.max(width, height) / maxSide);
  const fw = Math.max(1, Math.round(width / scale));
  const fh = Math.max(1, Math.round(height / scale));
  const sx = width / fw;
  const sy = height / fh;
  let rgb: Uint8Array;
  let p: Uint8Array;
  if (fw === width && fh === height) {
    rgb = channels === 3 ? image : dropAlpha(image, width * height);
    p = mask;
  } else {
    const raw = { raw: { width, height, channels } };
    let guide = sharp(image, raw);
    if (channels === 4) guide = guide.removeAlpha();
    rgb = new Uint8Array(await guide.resize(fw, fh, { fit: 'fill', kernel: 'linear' }).raw().toBuffer());
    p = new Uint8Array(
      await sharp(mask, { raw: { width, height, channels: 1 } })
        .resize(fw, fh, { fit: 'fill', kernel: 'linear' })
        .extractChannel(0)
        .raw()
        .toBuffer(),
    );
  }
  const r = Math.max(1, Math.round(radius / sx));
  // The reduced grid's crop: the region, grown by the two box filters' reach and one for bilinear reads.
  const grow = 2 * r + 2;
  const ox = Math.max(0, Math.floor(region.left / sx) - grow);
  const oy = Math.max(0, Math.floor(region.top / sy) - grow);
  const w = Math.min(fw, Math.ceil(region.right / sx) + grow) - ox;
  const h = Math.min(fh, Math.ceil(region.bottom / sy) + grow) - oy;
  const n = w * h;
  // Means of I, p, I·p and I·Iᵀ over each window: 13 planes.
  const R = new Float32Array(n);
  const G = new Float32Array(n);
  const B = new Float32Array(n);
  const P = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const j = (y + oy) * fw + x + ox;
      R[i] = rgb[j * 3]! / 255;
      G[i] = rgb[j * 3 + 1]! / 255;
      B[i] = rgb[j * 3 + 2]! / 255;
      P[i] = p[j]! / 255;
    }
  }
  const scratch = new Float32Array(n);
  const meanOfProduct = (x: Float32Array, y: Float32Array) => {
    for (let i = 0; i < n; i++) scratch[i] = x[i]! * y[i]!;
    return boxMean(scratch, w, h, r);
  };
  const mR = boxMean(R, w, h, r);
  const mG = boxMean(G, w, h, r);
  const mB = boxMean(B, w, h, r);
  const mP = boxMean(P, w, h, r);
  const RP = meanOfProduct(R, P);
  const GP = meanOfProduct(G, P);
  const BP = meanOfProduct(B, P);
  const RR = meanOfProduct(R, R);
  const RG = meanOfProduct(R, G);
  const RB = meanOfProduct(R, B);
  const GG = meanOfProduct(G, G);
  const GB = meanOfProduct(G, B);
  const BB = meanOfProduct(B, B);

  // The per-window coefficients go into the planes no longer needed.
  const aR = R;
  const aG = G;
  const aB = B;
  const b = P;
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
  return {
    aR: boxMean(aR, w, h, r, mR),
    aG: boxMean(aG, w, h, r, mG),
    aB: boxMean(aB, w, h, r, mB),
    b: boxMean(b, w, h, r, mP),
    grid: new Upsampler(w, h, sx, sy, ox, oy),
  };
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
