/**
 * What the media routes may hand a browser. A user's file is data, never a document of
 * the app's origin: only passive raster formats go out as they are; anything else (SVG,
 * which can carry script, and formats browsers cannot show: TIFF, HEIF) is rasterised to
 * PNG once and cached. Every media response also carries headers that keep it inert if
 * it is opened on its own (sandbox CSP, nosniff, same-origin resource policy).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { MediaFile } from '../feature.js';
import { PASSIVE_VIDEO_TYPES } from './range.js';

/** Raster formats every browser decodes as images and never runs. */
export const PASSIVE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif']);

/** Longest side of a rasterised display copy: enough for the viewer, bounded for a hostile SVG's huge viewBox. */
const DISPLAY_MAX_SIDE = 4096;
const DISPLAY_PIXEL_LIMIT = 100_000_000;

/** The CSP of a media response: if it is ever opened as a document, it has no origin, no script, no requests. */
export const MEDIA_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/**
 * Headers for a media body. `sameOriginOnly` adds Cross-Origin-Resource-Policy: same-origin
 * (web mode, where the page and its media share an origin; the desktop app's media scheme
 * is another origin than its pages and is reachable from nothing else).
 */
export function mediaHeaders(contentType: string, options: { sameOriginOnly: boolean }): Record<string, string> {
  const passive = PASSIVE_IMAGE_TYPES.has(contentType) || PASSIVE_VIDEO_TYPES.has(contentType);
  return {
    'Content-Type': passive ? contentType : 'application/octet-stream',
    'Content-Security-Policy': MEDIA_CSP,
    'X-Content-Type-Options': 'nosniff',
    // Passive images show inline; anything else (which displayable() never returns) downloads.
    'Content-Disposition': passive ? 'inline' : 'attachment',
    ...(options.sameOriginOnly ? { 'Cross-Origin-Resource-Policy': 'same-origin' } : {}),
  };
}

/**
 * The file to serve for a stored media file: itself when it is a passive raster image,
 * otherwise a PNG rendering of it, made once under `cacheDir` (named by the source's
 * content hash, so it is valid for good). Rasterising runs in libvips' thread pool.
 */
export async function displayable(file: MediaFile, cacheDir: string): Promise<MediaFile> {
  if (PASSIVE_IMAGE_TYPES.has(file.contentType)) return file;
  const base = path.basename(file.path);
  const key = /^[0-9a-f]{64}$/.test(base) ? base : createHash('sha256').update(file.path).digest('hex');
  const target = path.join(cacheDir, `${key}.png`);
  if (await exists(target)) return { path: target, contentType: 'image/png' };
  // From a buffer, so an SVG's relative references resolve against nothing on disk.
  const source = await fs.readFile(file.path);
  const png = await sharp(source, { limitInputPixels: DISPLAY_PIXEL_LIMIT, failOn: 'none' })
    .rotate()
    .resize(DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .png({ compressionLevel: 6 })
    .toBuffer();
  await fs.mkdir(cacheDir, { recursive: true });
  const tmp = `${target}.${randomBytes(6).toString('hex')}.part`;
  await fs.writeFile(tmp, png);
  await fs.rename(tmp, target);
  return { path: target, contentType: 'image/png' };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
