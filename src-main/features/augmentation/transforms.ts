import type { AugmentConfig } from './config.js';
import { withMats, type Cv, type CvMat } from './cv.js';
import type { ColorJitterPart, Op } from './ops.js';
import { resizeTo, type RawImage } from './raw-image.js';
import { Rng } from './rng.js';

/**
 * Applies one recorded op to an RGB image. Geometry and filters run in OpenCV (the
 * calls albumentations makes through cv2); the per-pixel arithmetic of the colour ops
 * is a lookup table or a short loop here, as albumentations' own numpy code is.
 * Every op keeps the image size except `resize`.
 */
export async function applyOp(cv: Cv, img: RawImage, op: Op, borderMode: AugmentConfig['borderMode']): Promise<RawImage> {
  if (img.channels !== 3) throw new Error(`ops run on RGB images, got ${img.channels} channels`);
  const border = borderOf(cv, borderMode);
  switch (op.op) {
    case 'affine':
      return warpAffine(cv, img, affineMatrix(op, img.width, img.height), border);
    case 'perspective':
      return warpPerspective(cv, img, op.corners, border);
    case 'grid-distortion':
      return remap(cv, img, ...gridMaps(op, img.width, img.height), border);
    case 'optical-distortion':
      return opticalDistortion(cv, img, op.k, border);
    case 'motion-blur':
      return convolve(cv, img, motionKernel(op), op.kernel);
    case 'gaussian-blur':
      return gaussianBlur(cv, img, op.kernel, op.sigma);
    case 'brightness-contrast':
      return mapLevels(img, (v) => v * op.alpha + op.beta);
    case 'color-jitter':
      return colorJitter(cv, img, op);
    case 'rgb-shift':
      return rgbShift(img, [op.r, op.g, op.b]);
    case 'iso-noise':
      return isoNoise(cv, img, op);
    case 'coarse-dropout':
      return coarseDropout(img, op.holes, op.fill);
    case 'resize':
      return resizeTo(img, op.width, op.height);
  }
}

function borderOf(cv: Cv, mode: AugmentConfig['borderMode']): number {
  if (mode === 'constant') return cv.BORDER_CONSTANT;
  if (mode === 'replicate') return cv.BORDER_REPLICATE;
  return cv.BORDER_REFLECT_101;
}

export function matOf(cv: Cv, img: RawImage): CvMat {
  const type = img.channels === 4 ? cv.CV_8UC4 : img.channels === 3 ? cv.CV_8UC3 : cv.CV_8UC1;
  const mat = new cv.Mat(img.height, img.width, type);
  mat.data.set(img.data);
  return mat;
}

export function rawOf(mat: CvMat, channels: RawImage['channels']): RawImage {
  return { data: mat.data.slice(), width: mat.cols, height: mat.rows, channels };
}

// ---- geometry ------------------------------------------------------------------------

/**
 * albumentations' create_affine_transformation_matrix: about the pixel-grid centre,
 * shift · shear · rotate · shift back (no scale or translation in these pipelines).
 */
export function affineMatrix(op: { rotate: number; shearX: number; shearY: number }, width: number, height: number): number[] {
  const r = (op.rotate * Math.PI) / 180;
  const [c, s] = [Math.cos(r), Math.sin(r)];
  const [tx, ty] = [Math.tan((op.shearX * Math.PI) / 180), Math.tan((op.shearY * Math.PI) / 180)];
  // shear · rotate
  const a = c - tx * s;
  const b = s + tx * c;
  const d = ty * c - s;
  const e = ty * s + c;
  const [cx, cy] = [width / 2 - 0.5, height / 2 - 0.5];
  return [a, b, cx - a * cx - b * cy, d, e, cy - d * cx - e * cy];
}

function warpAffine(cv: Cv, img: RawImage, m: number[], border: number): RawImage {
  return withMats((track) => {
    const src = track(matOf(cv, img));
    const dst = track(new cv.Mat());
    const mat = track(cv.matFromArray(2, 3, cv.CV_64F, m));
    cv.warpAffine(src, dst, mat, new cv.Size(img.width, img.height), cv.INTER_LINEAR, border, new cv.Scalar(0, 0, 0, 0));
    return rawOf(dst, 3);
  });
}

/** The quad at `corners` (fractions, tl tr br bl) is stretched onto the whole image: Perspective with keep_size. */
function warpPerspective(cv: Cv, img: RawImage, corners: [number, number][], border: number): RawImage {
  const [w, h] = [img.width - 1, img.height - 1];
  return withMats((track) => {
    const src = track(matOf(cv, img));
    const dst = track(new cv.Mat());
    const from = track(cv.matFromArray(4, 1, cv.CV_32FC2, corners.flatMap(([x, y]) => [x * w, y * h])));
    const to = track(cv.matFromArray(4, 1, cv.CV_32FC2, [0, 0, w, 0, w, h, 0, h]));
    const m = track(cv.getPerspectiveTransform(from, to));
    cv.warpPerspective(src, dst, m, new cv.Size(img.width, img.height), cv.INTER_LINEAR, border, new cv.Scalar(0, 0, 0, 0));
    return rawOf(dst, 3);
  });
}

/** albumentations' normalize_grid_distortion_steps + generate_grid: the source x of each column, y of each row, as remap's maps. */
export function gridMaps(op: { numSteps: number; stepsX: number[]; stepsY: number[] }, width: number, height: number): [Float32Array, Float32Array] {
  const axis = (size: number, raw: number[]): Float32Array => {
    const n = op.numSteps;
    const step = Math.floor(size / n);
    const steps = raw.slice();
    // The last cell is shorter when size is not a multiple of n; then scale so the steps
    // sum to the image: the distortion never pulls pixels from outside it.
    const last = Math.min(size, (n + 1) * step) - n * step;
    steps[steps.length - 1]! *= last / step;
    const total = steps.reduce((s, v) => s + v, 0);
    const t = size / Math.floor(size / n);
    const out = new Float32Array(size);
    let prev = 0;
    steps.forEach((raw, i) => {
      const start = i * step;
      const end = Math.min(start + step, size);
      const cur = prev + step * raw * (t / total);
      const count = end - start;
      for (let j = 0; j < count; j++) out[start + j] = count === 1 ? prev : prev + ((cur - prev) * j) / (count - 1);
      prev = cur;
    });
    return out;
  };
  const xs = axis(width, op.stepsX);
  const ys = axis(height, op.stepsY);
  const mapX = new Float32Array(width * height);
  const mapY = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    mapX.set(xs, y * width);
    mapY.fill(ys[y]!, y * width, (y + 1) * width);
  }
  return [mapX, mapY];
}

/**
 * albumentations' camera-model OpticalDistortion: cv2.initUndistortRectifyMap with
 * fx = width, fy = height, principal point at the centre, k1 = k2 = k, then remap.
 * OpenCV.js 4.5 binds initUndistortRectifyMap to the fisheye variant (it asserts four
 * coefficients), so the map is computed here with OpenCV's documented formula; a test
 * checks it against OpenCV's own cv.undistort, which takes the same path.
 */
export function opticalMaps(k: number, width: number, height: number): [Float32Array, Float32Array] {
  const [fx, fy, cx, cy] = [width, height, width / 2, height / 2];
  // No newCameraMatrix given: OpenCV centres the principal point on the pixel grid.
  const [ncx, ncy] = [(width - 1) / 2, (height - 1) / 2];
  const mapX = new Float32Array(width * height);
  const mapY = new Float32Array(width * height);
  for (let v = 0; v < height; v++) {
    const y = (v - ncy) / fy;
    for (let u = 0; u < width; u++) {
      const x = (u - ncx) / fx;
      const r2 = x * x + y * y;
      const radial = 1 + k * r2 + k * r2 * r2;
      mapX[v * width + u] = fx * x * radial + cx;
      mapY[v * width + u] = fy * y * radial + cy;
    }
  }
  return [mapX, mapY];
}

function opticalDistortion(cv: Cv, img: RawImage, k: number, border: number): RawImage {
  return remap(cv, img, ...opticalMaps(k, img.width, img.height), border);
}

export function remap(cv: Cv, img: RawImage, xs: Float32Array, ys: Float32Array, border: number): RawImage {
  return withMats((track) => {
    const src = track(matOf(cv, img));
    const dst = track(new cv.Mat());
    const mapX = track(new cv.Mat(img.height, img.width, cv.CV_32FC1));
    const mapY = track(new cv.Mat(img.height, img.width, cv.CV_32FC1));
    mapX.data32F.set(xs);
    mapY.data32F.set(ys);
    cv.remap(src, dst, mapX, mapY, cv.INTER_LINEAR, border, new cv.Scalar(0, 0, 0, 0));
    return rawOf(dst, img.channels);
  });
}

// ---- blur ----------------------------------------------------------------------------

/** albumentations' create_motion_kernel: a line of ones through the kernel, normalised. */
export function motionKernel(op: { kernel: number; angle: number; direction: number; shiftX: number; shiftY: number }): Float32Array {
  const size = op.kernel;
  const kernel = new Float32Array(size * size);
  const center = Math.floor(size / 2);
  const half = Math.floor(size / 2);
  const dir = Math.max(-1, Math.min(1, op.direction));
  const [t0, t1] = dir < 0 ? [-half, half * (1 + dir)] : dir > 0 ? [-half * (1 - dir), half] : [-half, half];
  const a = (op.angle * Math.PI) / 180;
  const clamp = (v: number) => Math.max(0, Math.min(size - 1, Math.round(v)));
  for (let i = 0; i < size; i++) {
    const t = size === 1 ? t0 : t0 + ((t1 - t0) * i) / (size - 1);
    const x = clamp(center + Math.cos(a) * t + op.shiftX);
    const y = clamp(center + Math.sin(a) * t + op.shiftY);
    kernel[y * size + x] = 1;
  }
  const sum = kernel.reduce((s, v) => s + v, 0);
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  return kernel;
}

export function convolve(cv: Cv, img: RawImage, kernel: Float32Array, size: number): RawImage {
  return withMats((track) => {
    const src = track(matOf(cv, img));
    const dst = track(new cv.Mat());
    const k = track(cv.matFromArray(size, size, cv.CV_32F, Array.from(kernel)));
    cv.filter2D(src, dst, -1, k, new cv.Point(-1, -1), 0, cv.BORDER_REFLECT_101);
    return rawOf(dst, img.channels);
  });
}

/** Sigma OpenCV derives from a kernel size (what cv2.GaussianBlur does when given sigma 0). */
export function sigmaForKernel(kernel: number): number {
  return 0.3 * ((kernel - 1) * 0.5 - 1) + 0.8;
}

function gaussianBlur(cv: Cv, img: RawImage, kernel: number, sigma: number): RawImage {
  return withMats((track) => {
    const src = track(matOf(cv, img));
    const dst = track(new cv.Mat());
    cv.GaussianBlur(src, dst, new cv.Size(kernel, kernel), sigma, sigma, cv.BORDER_REFLECT_101);
    return rawOf(dst, 3);
  });
}

// ---- colour --------------------------------------------------------------------------

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/** The same level map on every channel, through a 256-entry table. */
function mapLevels(img: RawImage, f: (v: number) => number): RawImage {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = clampByte(f(v));
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = lut[img.data[i]!]!;
  return { ...img, data: out };
}

function rgbShift(img: RawImage, shift: [number, number, number]): RawImage {
  const luts = shift.map((s) => {
    const lut = new Uint8Array(256);
    for (let v = 0; v < 256; v++) lut[v] = clampByte(v + s);
    return lut;
  });
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = luts[0]![img.data[i]!]!;
    out[i + 1] = luts[1]![img.data[i + 1]!]!;
    out[i + 2] = luts[2]![img.data[i + 2]!]!;
  }
  return { ...img, data: out };
}

function grayMean(cv: Cv, img: RawImage): number {
  return withMats((track) => {
    const gray = track(new cv.Mat());
    cv.cvtColor(track(matOf(cv, img)), gray, cv.COLOR_RGB2GRAY);
    let sum = 0;
    for (const v of gray.data) sum += v;
    return sum / gray.data.length;
  });
}

/** torchvision's ColorJitter, as albumentations ports it: four adjustments in a random order. */
function colorJitter(cv: Cv, img: RawImage, op: Extract<Op, { op: 'color-jitter' }>): RawImage {
  const steps: Record<ColorJitterPart, (im: RawImage) => RawImage> = {
    brightness: (im) => mapLevels(im, (v) => v * op.brightness),
    contrast: (im) => {
      const mean = grayMean(cv, im);
      return mapLevels(im, (v) => v * op.contrast + mean * (1 - op.contrast));
    },
    saturation: (im) =>
      withMats((track) => {
        const src = track(matOf(cv, im));
        const gray = track(new cv.Mat());
        const gray3 = track(new cv.Mat());
        const dst = track(new cv.Mat());
        cv.cvtColor(src, gray, cv.COLOR_RGB2GRAY);
        cv.cvtColor(gray, gray3, cv.COLOR_GRAY2RGB);
        cv.addWeighted(src, op.saturation, gray3, 1 - op.saturation, 0, dst, -1);
        return rawOf(dst, 3);
      }),
    hue: (im) =>
      withMats((track) => {
        // 8-bit HSV holds hue as 0–179 (degrees / 2): shift on that circle.
        const hsv = track(new cv.Mat());
        cv.cvtColor(track(matOf(cv, im)), hsv, cv.COLOR_RGB2HSV);
        const lut = new Uint8Array(256);
        for (let v = 0; v < 256; v++) lut[v] = (((Math.round(v + 180 * op.hue) % 180) + 180) % 180) & 0xff;
        const d = hsv.data;
        for (let i = 0; i < d.length; i += 3) d[i] = lut[d[i]!]!;
        const rgb = track(new cv.Mat());
        cv.cvtColor(hsv, rgb, cv.COLOR_HSV2RGB);
        return rawOf(rgb, 3);
      }),
  };
  return op.order.reduce((im, part) => steps[part](im), img);
}

/**
 * ISONoise as albumentations 1.x defines it (the version whose parameter ranges the
 * specification uses): in float HLS, per pixel, hue + N(0, colorShift·360·intensity)
 * and L + Poisson(std(L)·intensity·255)/255 · (1 − L). (2.x rescaled both terms so that
 * the same parameters give almost no visible noise.)
 */
function isoNoise(cv: Cv, img: RawImage, op: Extract<Op, { op: 'iso-noise' }>): RawImage {
  const rng = Rng.from('iso-noise', op.noiseSeed);
  return withMats((track) => {
    const f = track(new cv.Mat());
    track(matOf(cv, img)).convertTo(f, cv.CV_32FC3, 1 / 255);
    const hls = track(new cv.Mat());
    cv.cvtColor(f, hls, cv.COLOR_RGB2HLS);
    const d = hls.data32F;
    const pixels = img.width * img.height;
    let sum = 0;
    let sumSq = 0;
    for (let i = 1; i < d.length; i += 3) {
      sum += d[i]!;
      sumSq += d[i]! * d[i]!;
    }
    const mean = sum / pixels;
    const std = Math.sqrt(Math.max(0, sumSq / pixels - mean * mean));
    const poisson = poissonSampler(std * op.intensity * 255);
    const hueStd = op.colorShift * 360 * op.intensity;
    for (let p = 0; p < pixels; p++) {
      const i = p * 3;
      let h = d[i]! + rng.normal(0, hueStd);
      if (h < 0) h += 360;
      if (h > 360) h -= 360;
      d[i] = h;
      const l = d[i + 1]!;
      d[i + 1] = l + (poisson(rng) / 255) * (1 - l);
    }
    const rgb = track(new cv.Mat());
    cv.cvtColor(hls, rgb, cv.COLOR_HLS2RGB);
    const out = track(new cv.Mat());
    rgb.convertTo(out, cv.CV_8UC3, 255);
    return rawOf(out, 3);
  });
}

/** Poisson(lambda) by inverting its CDF with one uniform draw; the table ends where the tail is negligible. */
export function poissonSampler(lambda: number): (rng: Rng) => number {
  if (!(lambda > 0)) return () => 0;
  const cdf: number[] = [];
  let p = Math.exp(-lambda);
  let acc = p;
  cdf.push(acc);
  for (let k = 1; acc < 1 - 1e-12 && k < lambda + 20 * Math.sqrt(lambda) + 20; k++) {
    p *= lambda / k;
    acc += p;
    cdf.push(acc);
  }
  return (rng) => {
    const u = rng.next();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

// ---- dropout -------------------------------------------------------------------------

function coarseDropout(img: RawImage, holes: [number, number, number, number][], fill: number): RawImage {
  const data = img.data.slice();
  for (const [x, y, w, h] of holes) {
    for (let row = y; row < y + h; row++) data.fill(fill, (row * img.width + x) * 3, (row * img.width + x + w) * 3);
  }
  return { ...img, data };
}
