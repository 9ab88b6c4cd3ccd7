/** Synthetic test patterns and measurements on raw images, for the transform tests. */
import sharp from 'sharp';
import type { RawImage } from '../../../src-main/features/augmentation/raw-image.js';

export function solid(width: number, height: number, value: number | [number, number, number]): RawImage {
  const rgb = typeof value === 'number' ? [value, value, value] : value;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i % 3]!;
  return { data, width, height, channels: 3 };
}

/** Paints an axis-aligned rectangle (inclusive-exclusive) on an RGB image, in place. */
export function paintRect(img: RawImage, x0: number, y0: number, x1: number, y1: number, value: number): RawImage {
  for (let y = y0; y < y1; y++) img.data.fill(value, (y * img.width + x0) * 3, (y * img.width + x1) * 3);
  return img;
}

/** Weighted centroid of |pixel − background| (first channel) inside a window, or of the whole image. */
export function centroid(img: RawImage, background: number, win?: { x: number; y: number; r: number }): [number, number] {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  const x0 = win ? Math.max(0, Math.floor(win.x - win.r)) : 0;
  const x1 = win ? Math.min(img.width - 1, Math.ceil(win.x + win.r)) : img.width - 1;
  const y0 = win ? Math.max(0, Math.floor(win.y - win.r)) : 0;
  const y1 = win ? Math.min(img.height - 1, Math.ceil(win.y + win.r)) : img.height - 1;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const w = Math.abs(img.data[(y * img.width + x) * img.channels]! - background);
      sw += w;
      sx += w * x;
      sy += w * y;
    }
  }
  return [sx / sw, sy / sw];
}

/**
 * Orientation in degrees of the dark mass (weights 128 − v, first channel) from its
 * second moments, counter-clockwise as seen (image y points down).
 */
export function darkOrientation(img: RawImage): number {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  const w = (x: number, y: number) => Math.max(0, 128 - img.data[(y * img.width + x) * img.channels]!);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = w(x, y);
      sw += v;
      sx += v * x;
      sy += v * y;
    }
  }
  const [cx, cy] = [sx / sw, sy / sw];
  let m20 = 0;
  let m02 = 0;
  let m11 = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = w(x, y);
      m20 += v * (x - cx) ** 2;
      m02 += v * (y - cy) ** 2;
      m11 += v * (x - cx) * (y - cy);
    }
  }
  return (-0.5 * Math.atan2(2 * m11, m20 - m02) * 180) / Math.PI;
}

/** Solves the 3×3 homography taking four points to four points (direct linear transform, Gaussian elimination). */
export function homography(from: [number, number][], to: [number, number][]): (p: [number, number]) => [number, number] {
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let best = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[best]![c]!)) best = r;
    [a[c], a[best]] = [a[best]!, a[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k < 9; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  const h = a.map((row, i) => row[8]! / row[i]!);
  return ([x, y]) => {
    const d = h[6]! * x + h[7]! * y + 1;
    return [(h[0]! * x + h[1]! * y + h[2]!) / d, (h[3]! * x + h[4]! * y + h[5]!) / d];
  };
}

/** The first luminance quantisation table of a JPEG, in natural (row-major) order. */
export function jpegLumaTable(jpeg: Buffer): number[] {
  let i = 2;
  while (i < jpeg.length) {
    if (jpeg[i] !== 0xff) throw new Error('not at a JPEG marker');
    const marker = jpeg[i + 1]!;
    const len = jpeg.readUInt16BE(i + 2);
    if (marker === 0xdb) {
      const pq = jpeg[i + 4]! >> 4;
      if (pq !== 0) throw new Error('16-bit quantisation tables are not expected');
      const zz = Array.from(jpeg.subarray(i + 5, i + 5 + 64));
      const natural = new Array<number>(64);
      ZIGZAG.forEach((pos, k) => (natural[pos] = zz[k]!));
      return natural;
    }
    i += 2 + len;
  }
  throw new Error('no quantisation table');
}

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37,
  44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** The IJG (libjpeg) luminance table for a quality setting, natural order. */
export function ijgLumaTable(quality: number): number[] {
  const base = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55,
    64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
  ];
  const scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  return base.map((b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
}

/** An RGBA PNG of `width`×`height`, transparent except an opaque rectangle of `rgb`. */
export async function rectCutout(width: number, height: number, rect: { x: number; y: number; w: number; h: number }, rgb: [number, number, number]): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) data.set([...rgb, 255], (y * width + x) * 4);
  }
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

/** Decoded RGB pixels of an encoded image. */
export async function pixels(bytes: Uint8Array): Promise<RawImage> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
}

/** Largest allowed deviation of a binomial count from n·p: `sigmas` standard deviations. */
export function binomialSlack(n: number, p: number, sigmas = 4.5): number {
  return sigmas * Math.sqrt(n * p * (1 - p));
}
