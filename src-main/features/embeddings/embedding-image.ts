/**
 * Image → the RGB pixels an embedder takes (exactly its input size), with sharp: EXIF
 * orientation applied, transparency flattened onto white (cut-outs are shown on white),
 * then the manifest's resize (stretch, centre crop or pad). Meant for an image worker
 * thread (sharp's work runs on libuv threads, but decoding a large photo is still
 * tens of milliseconds); the inference worker then only normalises and runs the model.
 */
import sharp from 'sharp';
import type { EmbedderInput } from './embedder-spec.js';

export interface PrepareOptions {
  /** Mirror left–right (test-time augmentation). */
  flip?: boolean;
  /** Refuse images with more pixels than this (decompression bombs); sharp's own default otherwise. */
  limitInputPixels?: number;
}

const WHITE = { r: 255, g: 255, b: 255 };

/** RGB uint8, height × width × 3, for `input.size`. Throws on anything sharp cannot decode. */
export async function prepareEmbeddingPixels(source: string | Buffer | Uint8Array, input: Pick<EmbedderInput, 'size' | 'resize'>, options: PrepareOptions = {}): Promise<Uint8Array> {
  const [w, h] = input.size;
  const { resize } = input;
  const open = () => sharp(source, { limitInputPixels: options.limitInputPixels ?? true, failOn: 'error' });
  let img = open().rotate().flatten({ background: WHITE });
  if (options.flip) img = img.flop();
  if (resize.mode === 'stretch') img = img.resize(w, h, { fit: 'fill', kernel: resize.kernel });
  else if (resize.mode === 'pad') {
    const [r, g, b] = resize.background;
    img = img.resize(w, h, { fit: 'contain', kernel: resize.kernel, background: { r, g, b } });
  } else {
    const meta = await open().metadata();
    if (!meta.width || !meta.height) throw new Error('the image has no size');
    // Orientations 5–8 swap width and height.
    const [sw, sh] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
    const scale = resize.shortSide / Math.min(sw, sh);
    const rw = Math.max(w, Math.round(sw * scale));
    const rh = Math.max(h, Math.round(sh * scale));
    img = img.resize(rw, rh, { fit: 'fill', kernel: resize.kernel }).extract({ left: Math.floor((rw - w) / 2), top: Math.floor((rh - h) / 2), width: w, height: h });
  }
  const { data, info } = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.width !== w || info.height !== h || info.channels !== 3) throw new Error(`prepared ${info.width}×${info.height}×${info.channels}, expected ${w}×${h}×3`);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * The 64-bit difference hash (dHash) of an image, as 16 hex digits: grey 9×8, one bit per
 * horizontal neighbour pair. Re-encoded and resized copies land within a few bits; it is
 * the near-duplicate finder's cheap first test (sharp has no perceptual hash of its own).
 */
export async function differenceHash(source: string | Buffer | Uint8Array): Promise<string> {
  const data = await sharp(source, { failOn: 'error' }).rotate().flatten({ background: WHITE }).greyscale().resize(9, 8, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  let bits = 0n;
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits = (bits << 1n) | (data[y * 9 + x]! > data[y * 9 + x + 1]! ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}
