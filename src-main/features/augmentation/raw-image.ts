import sharp, { type Sharp } from 'sharp';

/** Interleaved 8-bit pixels, row-major, no padding: what sharp's raw output and OpenCV Mats hold. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** A bad or unusable input image: the caller shows `message` and loses nothing. */
export class AugmentInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AugmentInputError';
  }
}

/** Decoded to sRGB with EXIF orientation applied; `alpha` keeps (or adds) a fourth channel. */
export async function decode(bytes: Uint8Array, alpha: boolean): Promise<RawImage> {
  try {
    let img = sharp(bytes, { failOn: 'error' }).rotate().toColourspace('srgb');
    img = alpha ? img.ensureAlpha() : img.removeAlpha();
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: alpha ? 4 : 3 };
  } catch (err) {
    throw new AugmentInputError(`cannot decode the image: ${(err as Error).message}`);
  }
}

/** Whether the encoded image carries an alpha channel at all (a cut-out must). */
export async function hasAlphaChannel(bytes: Uint8Array): Promise<boolean> {
  try {
    return (await sharp(bytes).metadata()).hasAlpha === true;
  } catch (err) {
    throw new AugmentInputError(`cannot decode the image: ${(err as Error).message}`);
  }
}

export function sharpOf(img: RawImage): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
}

export async function toRaw(s: Sharp, channels: 1 | 3 | 4): Promise<RawImage> {
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) throw new Error(`expected ${channels} channels, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels };
}

/** Exact-size resize (aspect not kept): the last step of every pipeline, and the working-scale step. */
export async function resizeTo(img: RawImage, width: number, height: number): Promise<RawImage> {
  if (img.width === width && img.height === height) return img;
  return toRaw(sharpOf(img).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }), img.channels);
}

export function crop(img: RawImage, box: Box): RawImage {
  const { channels } = img;
  const out = new Uint8Array(box.width * box.height * channels);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.y + y) * img.width + box.x) * channels;
    out.set(img.data.subarray(from, from + box.width * channels), y * box.width * channels);
  }
  return { data: out, width: box.width, height: box.height, channels };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The bounding box of pixels whose alpha is above `threshold`, or null when there are none. */
export function alphaBox(img: RawImage, threshold: number): Box | null {
  if (img.channels !== 4) throw new Error('alphaBox needs RGBA');
  let x0 = img.width;
  let y0 = img.height;
  let x1 = -1;
  let y1 = -1;
  const { data, width, height } = img;
  for (let y = 0; y < height; y++) {
    const row = y * width * 4 + 3;
    for (let x = 0; x < width; x++) {
      if (data[row + x * 4]! > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

export function encodeJpeg(img: RawImage, quality: number): Promise<Buffer> {
  // Baseline libjpeg output (no mozjpeg tricks): the quality figure means what users expect.
  return sharpOf(img).jpeg({ quality, mozjpeg: false, chromaSubsampling: '4:2:0' }).toBuffer();
}
