/**
 * The image side of background removal, in libvips through sharp plus the cut-out module
 * (refine.ts): decode and resize to the model's input, then turn the model's mask into
 * the preset's output. Runs in worker threads (image-worker.ts); the model runs in the
 * inference worker between the two halves.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo, type OverlayOptions, type Sharp } from 'sharp';
import type { AssetKind, QualityCode, QualityVerdict, RemoveBackgroundOptions } from '../../../src-shared/contract/index.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import { makeCutout } from './refine.js';

export interface PreparedInput {
  /** RGB, pixelWidth × pixelHeight × 3: the model's wrapper graph resizes it to the input size. */
  pixels: Uint8Array;
  pixelWidth: number;
  pixelHeight: number;
  /** The source as displayed (after EXIF orientation). */
  width: number;
  height: number;
}

/** A file put in the blob store. */
export interface StoredFile {
  sha256: string;
  bytes: number;
  width: number;
  height: number;
}

/** The quality verdict of a result (mask-quality.ts), as recorded. */
export interface ReviewFacts {
  verdict: QualityVerdict;
  reasons: QualityCode[];
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
  /** A 320 px WebP of the output, for the grid; null for results reused from before thumbnails were made. */
  thumb: StoredFile | null;
  review: ReviewFacts | null;
  /** square: how much the subject was enlarged when above 1 (a forced canvas larger than the photo allows). */
  upscale: number | null;
  /**
   * Where the output's frame lies over the source, in the source's (oriented) pixels: the
   * whole photo for cutout, white and mask, the cropped region for crop, and for square the
   * region the canvas covers once its scale is undone (it may reach past the photo's edges).
   * The viewer lays the result over the original with it, so before and after line up.
   * Null when nothing places it (an empty square canvas, results from before it was recorded).
   */
  placement: Placement | null;
}

export interface Placement {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The model's raw mask: the bytes the model just made, or the cached PNG of an earlier run. */
export type MaskSource = { data: Uint8Array; width: number; height: number } | { file: string; width: number; height: number };

/** A failure that is the image's fault (decode): the batch moves on. */
export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

const MAX_PIXELS = 100_000_000;
const THUMB_SIDE = 320;
/** Below this the square preset's enlargement is rounding, not an upscale worth a warning. */
const UPSCALE_NOTICE = 1.01;

function open(file: string): Sharp {
  // failOn 'error': a truncated JPEG is an error, not a grey half-image.
  return sharp(file, { failOn: 'error', limitInputPixels: MAX_PIXELS, sequentialRead: true });
}

async function orientedSize(file: string): Promise<{ width: number; height: number; hasAlpha: boolean }> {
  let meta: Metadata;
  try {
    meta = await sharp(file, { limitInputPixels: MAX_PIXELS }).metadata();
  } catch (err) {
    throw new ImageInputError(`not a decodable image: ${(err as Error).message}`);
  }
  const swap = (meta.orientation ?? 1) >= 5;
  return { width: (swap ? meta.height : meta.width) ?? 0, height: (swap ? meta.width : meta.height) ?? 0, hasAlpha: meta.hasAlpha === true };
}

/**
 * Decodes (honouring EXIF orientation, converting 16-bit and CMYK to 8-bit sRGB). The
 * exact resize to the model's input happens in its wrapper graph, with the model's own
 * sampling convention; here a large photo is only reduced (with shrink-on-load, which
 * is nearly free for JPEG) to at most twice the input size, so little crosses threads.
 */
export async function prepareInput(file: string, modelWidth: number, modelHeight: number): Promise<PreparedInput> {
  const { width, height } = await orientedSize(file);
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

/** What compose() built: the output, not yet encoded, with the facts the result records. */
interface Composed {
  image: Sharp;
  kind: AssetKind;
  /** Size of this rendering, and of the full-size output it stands for (the same unless previewing). */
  width: number;
  height: number;
  outputWidth: number;
  outputHeight: number;
  subject: RenderedOutput['subject'];
  review: ReviewFacts;
  upscale: number | null;
  placement: Placement | null;
}

/**
 * The preset's output from the source and the model's mask. With `maxSide` the source is
 * first reduced to fit it (the dialog's preview) and every size in pixels (feather, the
 * square canvas) shrinks with it, so the preview is the full output, smaller.
 */
async function compose(file: string, mask: MaskSource, options: RemoveBackgroundOptions, maxSide?: number): Promise<Composed> {
  const full = await orientedSize(file);
  let source: { data: Buffer; info: OutputInfo };
  try {
    let pipeline = open(file).rotate().toColourspace('srgb');
    if (maxSide) pipeline = pipeline.resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' });
    source = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ImageInputError(`corrupt or truncated image: ${(err as Error).message}`);
  }
  const W = source.info.width;
  const H = source.info.height;
  const scale = W / full.width;
  // RGB, or RGBA when the source has its own transparency (makeCutout multiplies it in).
  if (source.info.channels !== 3 && source.info.channels !== 4) throw new ImageInputError(`unexpected ${source.info.channels}-channel image after conversion to sRGB`);
  const image = new Uint8Array(source.data.buffer, source.data.byteOffset, source.data.length);

  const raw = await maskAtSize(mask, W, H);
  if (options.threshold !== null) {
    // The user's threshold shapes the mask the verdict and the refinement see: >= as libvips' threshold.
    const level = Math.round(options.threshold * 255);
    for (let i = 0; i < raw.length; i++) raw[i] = raw[i]! >= level ? 255 : 0;
  }
  const feather = options.feather * scale;
  const cutout = await makeCutout(raw, image, W, H, {
    refine: options.refine,
    maskResolution: Math.max(mask.width, mask.height),
    adjustAlpha: feather >= 0.3 ? (alpha) => blurPlane(alpha, W, H, feather) : undefined,
  });
  const review: ReviewFacts = { verdict: cutout.quality.verdict, reasons: cutout.quality.reasons.map((r) => r.code) };
  const { alpha, rgba } = cutout;
  const subject = subjectBox(alpha, W, H);
  const raw1 = { raw: { width: W, height: H, channels: 1 as const } };
  const raw4 = { raw: { width: W, height: H, channels: 4 as const } };
  const whole: Placement = { x: 0, y: 0, width: full.width, height: full.height };
  const same = { width: W, height: H, outputWidth: full.width, outputHeight: full.height, subject, review, upscale: null, placement: whole };

  switch (options.preset) {
    case 'mask':
      return { ...same, image: sharp(alpha, raw1).toColourspace('b-w'), kind: 'mask' };
    case 'cutout':
      return { ...same, image: sharp(rgba, raw4), kind: 'cutout' };
    case 'crop': {
      // Nothing found: the whole (now transparent) frame, flagged for review, rather than a failure.
      const region = subject ? padded(subject, options.margin, W, H) : { left: 0, top: 0, width: W, height: H };
      const piece = await sharp(rgba, raw4).extract(region).raw().toBuffer();
      const outputWidth = Math.max(1, Math.round(region.width / scale));
      const outputHeight = Math.max(1, Math.round(region.height / scale));
      const placement = { x: region.left / scale, y: region.top / scale, width: region.width / scale, height: region.height / scale };
      return {
        ...same,
        image: sharp(piece, { raw: { width: region.width, height: region.height, channels: 4 } }),
        kind: 'cutout',
        width: region.width,
        height: region.height,
        outputWidth,
        outputHeight,
        placement,
      };
    }
    case 'white': {
      const layers: OverlayOptions[] = [];
      if (options.shadow && subject) layers.push({ input: shadowSvg(W, H, subject), top: 0, left: 0 });
      layers.push({ input: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length), raw: raw4.raw, top: 0, left: 0 });
      return { ...same, image: sharp({ create: { width: W, height: H, channels: 3, background: options.background } }).composite(layers), kind: 'composite' };
    }
    case 'square':
      return { ...(await square(rgba, W, H, subject, scale, full, options)), subject, review };
  }
}

/**
 * The marketplace canvas. Its side follows the subject's own resolution (side = subject /
 * fill), so a small photo is placed 1:1 and never blown up into a soft large image; a
 * forced canvas is honoured and the enlargement it takes is reported.
 */
async function square(
  rgba: Uint8Array,
  W: number,
  H: number,
  subject: RenderedOutput['subject'],
  scale: number,
  full: { width: number; height: number },
  options: RemoveBackgroundOptions,
): Promise<Omit<Composed, 'subject' | 'review'>> {
  const background = { create: { width: 1, height: 1, channels: 3 as const, background: options.background } };
  if (!subject) {
    // Nothing to place, and no shadow under nothing: a plain canvas, flagged for review by its verdict.
    const side = options.canvas ?? clampCanvas(Math.max(full.width, full.height));
    const C = Math.max(1, Math.round(side * scale));
    return {
      image: sharp({ create: { ...background.create, width: C, height: C } }),
      kind: 'composite',
      width: C,
      height: C,
      outputWidth: side,
      outputHeight: side,
      upscale: null,
      placement: null,
    };
  }
  const subjectSide = Math.max(subject.width, subject.height) / scale;
  const side = options.canvas ?? clampCanvas(Math.ceil(subjectSide / options.fill));
  const enlargement = (options.fill * side) / subjectSide;
  const C = Math.max(1, Math.round(side * scale));
  const fit = (options.fill * C) / Math.max(subject.width, subject.height);
  const pw = Math.max(1, Math.round(subject.width * fit));
  const ph = Math.max(1, Math.round(subject.height * fit));
  const piece = await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).extract(subject).raw().toBuffer();
  const pieceRaw = { raw: { width: subject.width, height: subject.height, channels: 4 as const } };
  const placed =
    pw === subject.width && ph === subject.height
      ? { input: piece, ...pieceRaw }
      : { input: await sharp(piece, pieceRaw).resize(pw, ph, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer(), raw: { width: pw, height: ph, channels: 4 as const } };
  const left = Math.round((C - pw) / 2);
  const top = Math.round((C - ph) / 2);
  const layers: OverlayOptions[] = [];
  if (options.shadow) layers.push({ input: shadowSvg(C, C, { left, top, width: pw, height: ph }), top: 0, left: 0 });
  layers.push({ ...placed, top, left });
  return {
    image: sharp({ create: { ...background.create, width: C, height: C } }).composite(layers),
    kind: 'composite',
    width: C,
    height: C,
    outputWidth: side,
    outputHeight: side,
    upscale: enlargement > UPSCALE_NOTICE ? Number(enlargement.toFixed(3)) : null,
    // The canvas's pixel (left, top) shows the subject's corner; `fit` canvas pixels per working pixel, `scale` working pixels per source pixel.
    placement: {
      x: (subject.left - left / fit) / scale,
      y: (subject.top - top / fit) / scale,
      width: C / fit / scale,
      height: C / fit / scale,
    },
  };
}

function clampCanvas(side: number): number {
  return Math.min(8000, Math.max(64, side));
}

function padded(subject: NonNullable<RenderedOutput['subject']>, margin: number, W: number, H: number) {
  const pad = Math.round(Math.max(subject.width, subject.height) * margin);
  const left = Math.max(0, subject.left - pad);
  const top = Math.max(0, subject.top - pad);
  return { left, top, width: Math.min(W, subject.left + subject.width + pad) - left, height: Math.min(H, subject.top + subject.height + pad) - top };
}

/**
 * Builds the preset's output from the source and the model's mask and stores it with a
 * thumbnail (content-addressed, temp file + rename). Nothing is left behind when it fails.
 */
export async function renderOutput(file: string, mask: MaskSource, options: RemoveBackgroundOptions, store: BlobStore): Promise<RenderedOutput> {
  const composed = await compose(file, mask, options);
  const format = outputFormat(options);
  // Materialised once: the output and its thumbnail are both encoded from these pixels.
  const { data, info } = await composed.image.raw().toBuffer({ resolveWithObject: true });
  const pixels = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  const encoded = await encode(composed.kind === 'mask' ? pixels().toColourspace('b-w') : pixels(), format).toBuffer({ resolveWithObject: true });
  const sha256 = await storeBuffer(store, encoded.data);
  const thumbImage = await pixels()
    .resize(THUMB_SIDE, THUMB_SIDE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80, alphaQuality: 90 })
    .toBuffer({ resolveWithObject: true });
  const thumb = { sha256: await storeBuffer(store, thumbImage.data), bytes: thumbImage.data.length, width: thumbImage.info.width, height: thumbImage.info.height };
  return {
    sha256,
    bytes: encoded.data.length,
    width: encoded.info.width,
    height: encoded.info.height,
    format,
    kind: composed.kind,
    subject: composed.subject,
    thumb,
    review: composed.review,
    upscale: composed.upscale,
    placement: composed.placement && roundPlacement(composed.placement),
  };
}

/** Two decimals are sub-pixel; more is noise in the database. */
function roundPlacement(p: Placement): Placement {
  const r = (v: number) => Math.round(v * 100) / 100;
  return { x: r(p.x), y: r(p.y), width: r(p.width), height: r(p.height) };
}

export interface PreviewOutput {
  /** PNG (JPEG for white and square) of at most maxSide on its long side. */
  data: Uint8Array;
  contentType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  outputWidth: number;
  outputHeight: number;
  upscale: number | null;
  review: ReviewFacts;
}

/** The preset's output at most `maxSide` on its long side, encoded and returned, nothing stored. */
export async function renderPreview(file: string, mask: MaskSource, options: RemoveBackgroundOptions, maxSide: number): Promise<PreviewOutput> {
  const composed = await compose(file, mask, options, maxSide);
  let image = composed.image;
  let { width, height } = composed;
  if (Math.max(width, height) > maxSide) {
    // A square canvas is wider than the subject it holds: bring it down to the preview size too.
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    image = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).resize(maxSide, maxSide, { fit: 'inside' });
    const k = maxSide / Math.max(width, height);
    width = Math.max(1, Math.round(width * k));
    height = Math.max(1, Math.round(height * k));
  }
  const jpeg = outputFormat(options) === 'jpeg';
  const out = jpeg ? image.flatten({ background: '#ffffff' }).jpeg({ quality: 85 }) : image.png({ compressionLevel: 3 });
  const { data, info } = await out.toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data),
    contentType: jpeg ? 'image/jpeg' : 'image/png',
    width: info.width,
    height: info.height,
    outputWidth: composed.outputWidth,
    outputHeight: composed.outputHeight,
    upscale: composed.upscale,
    review: composed.review,
  };
}

/** The model's raw mask as a greyscale PNG in the store (the cache that spares the model on a second preset). */
export async function storeMask(mask: Uint8Array, width: number, height: number, store: BlobStore): Promise<StoredFile> {
  const png = await sharp(mask, { raw: { width, height, channels: 1 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return { sha256: await storeBuffer(store, png), bytes: png.length, width, height };
}

function encode(image: Sharp, format: 'png' | 'webp' | 'jpeg'): Sharp {
  // Output carries an sRGB profile so viewers and marketplaces show the colours as seen here.
  const tagged = image.withIccProfile('srgb');
  if (format === 'png') return tagged.png({ compressionLevel: 6 });
  if (format === 'webp') return tagged.webp({ quality: 90, alphaQuality: 100, effort: 4 });
  return tagged.flatten({ background: '#ffffff' }).jpeg({ quality: 92, chromaSubsampling: '4:4:4' });
}

/** The model's mask at the (oriented, maybe reduced) source's size. */
async function maskAtSize(mask: MaskSource, W: number, H: number): Promise<Uint8Array> {
  const input = 'data' in mask ? sharp(mask.data, { raw: { width: mask.width, height: mask.height, channels: 1 } }) : sharp(mask.file);
  let resized: Buffer;
  try {
    resized = await input
      .resize(W, H, { fit: 'fill', kernel: 'linear' })
      .extractChannel(0) // sharp would otherwise widen one band to sRGB on output
      .raw()
      .toBuffer();
  } catch (err) {
    // The cached mask's file is the store's, not the image's: an I/O failure, retried.
    throw new Error(`the model's mask could not be read: ${(err as Error).message}`);
  }
  return new Uint8Array(resized.buffer, resized.byteOffset, resized.length);
}

/** A Gaussian feather of an alpha plane (sigma in pixels). */
async function blurPlane(alpha: Uint8Array, W: number, H: number, sigma: number): Promise<Uint8Array> {
  const out = await sharp(alpha, { raw: { width: W, height: H, channels: 1 } })
    .blur(sigma)
    .extractChannel(0)
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Alpha at or above this is subject for the box (as libvips' trim against black at threshold 24 was). */
const SUBJECT_ALPHA = 24;

/** The subject's bounding box: one pass over the alpha; null when there is none. */
export function subjectBox(alpha: Uint8Array, W: number, H: number): RenderedOutput['subject'] {
  let left = W;
  let right = -1;
  let top = -1;
  let bottom = -1;
  for (let y = 0; y < H; y++) {
    const row = y * W;
    let first = -1;
    let last = -1;
    for (let x = 0; x < W; x++) {
      if (alpha[row + x]! >= SUBJECT_ALPHA) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first < 0) continue;
    if (top < 0) top = y;
    bottom = y;
    if (first < left) left = first;
    if (last > right) right = last;
  }
  if (top < 0) return null;
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
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

/** Stores bytes under their sha256: temp file + rename; a failed write (a full disk) removes its temp file. */
async function storeBuffer(store: BlobStore, data: Uint8Array): Promise<string> {
  const sha256 = createHash('sha256').update(data).digest('hex');
  // Written even when stored already: adoptTemp then marks the existing file as just put,
  // which keeps the blob collector off a file this result is about to reference.
  const tmp = store.tempPath();
  try {
    await fs.writeFile(tmp, data);
    await store.adoptTemp(tmp, sha256);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return sha256;
}
