/**
 * The image side of background removal, all in libvips through sharp: decode and
 * resize to the model's input, then turn the model's mask into the preset's output.
 * Runs in worker threads (segment-image-worker.ts); the model runs in the inference
 * worker between the two halves.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo, type OverlayOptions, type Sharp } from 'sharp';
import type { AssetKind, RemoveBackgroundOptions } from '../../../src-shared/contract/index.js';
import type { BlobStore } from '../../engine/store/blob-store.js';

export interface PreparedInput {
  /** RGB, pixelWidth × pixelHeight × 3: the model's wrapper graph resizes it to the input size. */
  pixels: Uint8Array;
  pixelWidth: number;
  pixelHeight: number;
  /** The source as displayed (after EXIF orientation). */
  width: number;
  height: number;
}

export interface RenderedOutput {
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  format: 'png' | 'webp' | 'jpeg';
  kind: AssetKind;
  /** The subject's box in source pixels, or null when the mask is empty. */
  subject: { left: number; top: number; width: number; height: number } | null;
}

/** A failure that is the image's fault (decode, no subject): the batch moves on. */
export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

const MAX_PIXELS = 100_000_000;

function open(file: string): Sharp {
  // failOn 'error': a truncated JPEG is an error, not a grey half-image.
  return sharp(file, { failOn: 'error', limitInputPixels: MAX_PIXELS, sequentialRead: true });
}

/**
 * Decodes (honouring EXIF orientation, converting 16-bit and CMYK to 8-bit sRGB). The
 * exact resize to the model's input happens in its wrapper graph, with the model's own
 * sampling convention; here a large photo is only reduced (with shrink-on-load, which
 * is nearly free for JPEG) to at most twice the input size, so little crosses threads.
 */
export async function prepareInput(file: string, modelWidth: number, modelHeight: number): Promise<PreparedInput> {
  let meta: Metadata;
  try {
    meta = await sharp(file, { limitInputPixels: MAX_PIXELS }).metadata();
  } catch (err) {
    throw new ImageInputError(`not a decodable image: ${(err as Error).message}`);
  }
  const swap = (meta.orientation ?? 1) >= 5;
  const width = (swap ? meta.height : meta.width) ?? 0;
  const height = (swap ? meta.width : meta.height) ?? 0;
  try {
    let pipeline = open(file).rotate().toColourspace('srgb').removeAlpha();
    if (width > modelWidth * 2 || height > modelHeight * 2) {
      pipeline = pipeline.resize(modelWidth * 2, modelHeight * 2, { fit: 'inside', kernel: 'lanczos3' });
    }
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    // A buffer of its own: it is transferred to the inference thread, and onnxruntime
    // reads a tensor from the start of its ArrayBuffer.
    const pixels = data.byteOffset === 0 && data.buffer.byteLength === data.length ? new Uint8Array(data.buffer) : new Uint8Array(data);
    return { pixels, pixelWidth: info.width, pixelHeight: info.height, width, height };
  } catch (err) {
    throw new ImageInputError(`corrupt or truncated image: ${(err as Error).message}`);
  }
}

export function outputFormat(options: RemoveBackgroundOptions): 'png' | 'webp' | 'jpeg' {
  if (options.format) return options.format;
  return options.preset === 'white' || options.preset === 'square' ? 'jpeg' : 'png';
}

/** Presets whose output keeps transparency cannot be JPEG. */
export function checkOptions(options: RemoveBackgroundOptions): string | null {
  const format = outputFormat(options);
  if (format === 'jpeg' && (options.preset === 'cutout' || options.preset === 'crop' || options.preset === 'mask')) {
    return `the ${options.preset} preset keeps transparency or is a mask: choose png or webp, not jpeg`;
  }
  return null;
}

/**
 * Builds the preset's output from the source and the model's mask and stores it
 * (content-addressed, temp file + rename). Nothing is left behind when it fails.
 */
export async function renderOutput(
  file: string,
  mask: Uint8Array,
  maskWidth: number,
  maskHeight: number,
  options: RemoveBackgroundOptions,
  store: BlobStore,
): Promise<RenderedOutput> {
  let source: { data: Buffer; info: OutputInfo };
  try {
    source = await open(file).rotate().toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ImageInputError(`corrupt or truncated image: ${(err as Error).message}`);
  }
  const W = source.info.width;
  const H = source.info.height;
  const hadAlpha = (await sharp(file).metadata()).hasAlpha === true;
  const alpha = await fullResolutionMask(mask, maskWidth, maskHeight, W, H, options);
  const raw1 = { raw: { width: W, height: H, channels: 1 as const } };
  const raw4 = { raw: { width: W, height: H, channels: 4 as const } };

  // RGBA cut-out: the source's colour with the model's alpha (times its own alpha, if it had one).
  // Two passes: within one pipeline libvips would drop the joined channel as "alpha".
  const rgb = await sharp(source.data, raw4).removeAlpha().raw().toBuffer();
  let cutout = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).joinChannel(alpha, raw1).raw().toBuffer();
  if (hadAlpha) cutout = await sharp(cutout, raw4).composite([{ input: source.data, raw: raw4.raw, blend: 'dest-in' }]).raw().toBuffer();
  const finalAlpha = hadAlpha ? await sharp(cutout, raw4).extractChannel(3).raw().toBuffer() : alpha;
  const subject = await subjectBox(finalAlpha, W, H);
  const format = outputFormat(options);

  let image: Sharp;
  let kind: AssetKind;
  switch (options.preset) {
    case 'mask':
      image = sharp(finalAlpha, raw1).toColourspace('b-w');
      kind = 'mask';
      break;
    case 'cutout':
      image = sharp(cutout, raw4);
      kind = 'cutout';
      break;
    case 'crop': {
      if (!subject) throw new ImageInputError('no subject found in the image, nothing to crop to');
      const pad = Math.round(Math.max(subject.width, subject.height) * options.margin);
      const left = Math.max(0, subject.left - pad);
      const top = Math.max(0, subject.top - pad);
      const region = { left, top, width: Math.min(W, subject.left + subject.width + pad) - left, height: Math.min(H, subject.top + subject.height + pad) - top };
      image = sharp(await sharp(cutout, raw4).extract(region).raw().toBuffer(), { raw: { width: region.width, height: region.height, channels: 4 } });
      kind = 'cutout';
      break;
    }
    case 'white': {
      const layers: OverlayOptions[] = [];
      if (options.shadow && subject) layers.push({ input: shadowSvg(W, H, subject), top: 0, left: 0 });
      layers.push({ input: cutout, raw: raw4.raw, top: 0, left: 0 });
      image = sharp({ create: { width: W, height: H, channels: 3, background: options.background } }).composite(layers);
      kind = 'composite';
      break;
    }
    case 'square': {
      if (!subject) throw new ImageInputError('no subject found in the image, nothing to place on the canvas');
      const C = options.canvas;
      const piece = await sharp(cutout, raw4).extract(subject).raw().toBuffer();
      const scale = (options.fill * C) / Math.max(subject.width, subject.height);
      const pw = Math.max(1, Math.round(subject.width * scale));
      const ph = Math.max(1, Math.round(subject.height * scale));
      const placed = await sharp(piece, { raw: { width: subject.width, height: subject.height, channels: 4 } })
        .resize(pw, ph, { fit: 'fill', kernel: 'lanczos3' })
        .png()
        .toBuffer();
      const left = Math.round((C - pw) / 2);
      const top = Math.round((C - ph) / 2);
      const layers: OverlayOptions[] = [];
      if (options.shadow) layers.push({ input: shadowSvg(C, C, { left, top, width: pw, height: ph }), top: 0, left: 0 });
      layers.push({ input: placed, top, left });
      image = sharp({ create: { width: C, height: C, channels: 3, background: options.background } }).composite(layers);
      kind = 'composite';
      break;
    }
  }
  const encoded = await encode(image, format).toBuffer({ resolveWithObject: true });
  const sha256 = createHash('sha256').update(encoded.data).digest('hex');
  await storeAtomically(store, encoded.data, sha256);
  return { sha256, bytes: encoded.data.length, width: encoded.info.width, height: encoded.info.height, format, kind, subject };
}

function encode(image: Sharp, format: 'png' | 'webp' | 'jpeg'): Sharp {
  // Output carries an sRGB profile so viewers and marketplaces show the colours as seen here.
  const tagged = image.withIccProfile('srgb');
  if (format === 'png') return tagged.png({ compressionLevel: 6 });
  if (format === 'webp') return tagged.webp({ quality: 90, alphaQuality: 100, effort: 4 });
  return tagged.flatten({ background: '#ffffff' }).jpeg({ quality: 92, chromaSubsampling: '4:4:4' });
}

/** The model's mask at the source's size, with the optional threshold and feather. */
async function fullResolutionMask(mask: Uint8Array, mw: number, mh: number, W: number, H: number, options: RemoveBackgroundOptions): Promise<Buffer> {
  let full = await sharp(mask, { raw: { width: mw, height: mh, channels: 1 } })
    .resize(W, H, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0) // sharp would otherwise widen one band to sRGB on output
    .raw()
    .toBuffer();
  const raw = { raw: { width: W, height: H, channels: 1 as const } };
  // Separate passes: libvips would otherwise blur before thresholding and undo the feather.
  if (options.threshold !== null) full = await sharp(full, raw).threshold(Math.round(options.threshold * 255), { grayscale: true }).extractChannel(0).raw().toBuffer();
  if (options.feather >= 0.3) full = await sharp(full, raw).blur(options.feather).extractChannel(0).raw().toBuffer();
  return full;
}

/** The subject's bounding box: libvips' trim against a black (transparent) border. */
async function subjectBox(alpha: Buffer, W: number, H: number): Promise<RenderedOutput['subject']> {
  try {
    const { info } = await sharp(alpha, { raw: { width: W, height: H, channels: 1 } })
      .trim({ background: '#000000', threshold: 24 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const left = -(info.trimOffsetLeft ?? 0);
    const top = -(info.trimOffsetTop ?? 0);
    if (info.width >= W && info.height >= H && left === 0 && top === 0) {
      // Nothing trimmed: either the subject touches every edge or there is none at all.
      const { max } = (await sharp(alpha, { raw: { width: W, height: H, channels: 1 } }).stats()).channels[0]!;
      if (max < 24) return null;
    }
    return { left, top, width: info.width, height: info.height };
  } catch {
    return null; // libvips refuses to trim an image that is all background
  }
}

/** A soft elliptical contact shadow under the subject's base. */
function shadowSvg(W: number, H: number, s: { left: number; top: number; width: number; height: number }): Buffer {
  const cx = s.left + s.width / 2;
  const cy = Math.min(H - 1, s.top + s.height - s.height * 0.01);
  const rx = Math.max(4, s.width * 0.48);
  const ry = Math.max(3, s.height * 0.045);
  const blur = Math.max(2, ry * 0.6);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">` +
      `<defs><filter id="b" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="${blur.toFixed(1)}"/></filter>` +
      `<radialGradient id="g"><stop offset="0" stop-color="#000" stop-opacity="0.38"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient></defs>` +
      `<ellipse cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" rx="${rx.toFixed(1)}" ry="${ry.toFixed(1)}" fill="url(#g)" filter="url(#b)"/></svg>`,
  );
}

/** Temp file + rename; a failed write (a full disk) removes its temp file. */
async function storeAtomically(store: BlobStore, data: Buffer, sha256: string): Promise<void> {
  if (await store.has(sha256)) return;
  const tmp = store.tempPath();
  try {
    await fs.writeFile(tmp, data);
    await store.adoptTemp(tmp, sha256);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
