import { readFileSync, statSync } from 'node:fs';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { BlobStore } from '../store/blob-store.js';

export interface IngestOptions {
  /** Largest decoded image accepted, in pixels (decompression-bomb guard). */
  limitInputPixels: number;
  /** Longest side of the thumbnail, in pixels. */
  thumbSize: number;
}

export const defaultIngestOptions: IngestOptions = { limitInputPixels: 100_000_000, thumbSize: 320 };

export type IngestResult =
  | {
      ok: true;
      sha256: string;
      bytes: number;
      /** Dimensions as displayed, after EXIF orientation. */
      width: number;
      height: number;
      format: string;
      ext: string;
      thumb: { sha256: string; bytes: number; width: number; height: number };
    }
  | { ok: false; reason: string };

/** sharp's format name → the file extension we keep in the library. */
const extFor: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif', heif: 'heic', tiff: 'tif', gif: 'gif', svg: 'svg', jp2k: 'jp2', jxl: 'jxl' };

/**
 * Reads one file, checks it is an image we can decode, stores it and its thumbnail.
 * Never throws for a bad file: it answers with the reason, so the import goes on.
 * Runs inside a worker thread (see ingest-worker.ts); its reads block that thread.
 */
export async function ingestFile(file: string, store: BlobStore, options: IngestOptions): Promise<IngestResult> {
  let data: Buffer;
  try {
    // Checked before reading: a pipe or device (swapped in after the scan) would block
    // this thread for ever, and a multi-gigabyte non-image would be read whole only to be
    // refused. No image within the pixel limit needs more than 8 bytes a pixel (16-bit
    // RGBA, uncompressed) plus room for metadata.
    const stat = statSync(file);
    if (!stat.isFile()) return { ok: false, reason: 'not a regular file' };
    const maxBytes = options.limitInputPixels * 8 + 64 * 2 ** 20;
    if (stat.size > maxBytes) return { ok: false, reason: `file is ${Math.round(stat.size / 2 ** 20)} MB, larger than any image within the ${Math.round(options.limitInputPixels / 1e6)} MP limit` };
    // A blocking read: this runs on an ingest worker that has nothing else to do meanwhile,
    // and it spares a round trip through the thread pool that sharp and the fsyncs share.
    data = readFileSync(file);
  } catch (err) {
    return { ok: false, reason: `cannot read file: ${(err as Error).message}` };
  }
  if (data.length === 0) return { ok: false, reason: 'empty file (0 bytes)' };

  const input = { limitInputPixels: options.limitInputPixels, failOn: 'warning' as const };
  let meta: Metadata;
  try {
    meta = await sharp(data, { ...input, limitInputPixels: false }).metadata();
  } catch (err) {
    return { ok: false, reason: explain(err) };
  }
  if (!meta.format || !meta.width || !meta.height) return { ok: false, reason: 'not an image: no format or size in its header' };
  const pixels = meta.width * meta.height;
  if (pixels > options.limitInputPixels) {
    return {
      ok: false,
      reason: `image is ${meta.width}×${meta.height} (${Math.round(pixels / 1e6)} MP), over the ${Math.round(options.limitInputPixels / 1e6)} MP limit`,
    };
  }

  let thumb: { data: Buffer; info: OutputInfo };
  try {
    // One full decode: it proves the file is whole (truncation fails here) and makes the thumbnail.
    thumb = await sharp(data, input)
      .rotate()
      .resize(options.thumbSize, options.thumbSize, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 78, effort: 2 })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    return { ok: false, reason: explain(err) };
  }

  // Together, so the store commits both in one flush (one fsync round, see BlobStore.commit).
  // The store hashes what it keeps: the original's sha256 is its answer (hashing here too cost a second pass).
  const [{ sha256 }, storedThumb] = await Promise.all([store.putBuffer(data), store.putBuffer(thumb.data)]);
  const rotated = (meta.orientation ?? 1) >= 5;
  return {
    ok: true,
    sha256,
    bytes: data.length,
    width: rotated ? meta.height : meta.width,
    height: rotated ? meta.width : meta.height,
    format: meta.format,
    ext: extFor[meta.format] ?? meta.format,
    thumb: { sha256: storedThumb.sha256, bytes: storedThumb.bytes, width: thumb.info.width, height: thumb.info.height },
  };
}

function explain(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(message)) return 'not a decodable image (unsupported or unrecognised format)';
  if (/pixel limit/i.test(message)) return 'image is over the pixel limit';
  if (/premature end|truncated|corrupt|invalid|bad|unexpected end/i.test(message)) return `corrupt or truncated image: ${message.split('\n')[0]}`;
  return `cannot decode image: ${message.split('\n')[0]}`;
}
