/**
 * The app's two URL schemes, served without file:// :
 *  - atolye://app/…                 the built renderer (dist/renderer), traversal-proof;
 *  - atolye-media://<variant>/<id>  an asset's thumbnail or original, or a product's source
 *                                   video (byte ranges, for seeking), looked up by library
 *                                   id in the engine process (the client never names a path).
 * Handlers are plain `(Request) => Promise<Response>` functions, so tests run them under Node.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CustomScheme } from 'electron';
import { Id, MediaVariant } from '../../src-shared/contract/index.js';
import type { MediaLocation } from '../engine-host/protocol.js';
import { parseRange, partialHeaders, PASSIVE_VIDEO_TYPES, unsatisfiableHeaders } from '../engine/media/range.js';
import { APP_HOST, APP_SCHEME, MEDIA_SCHEME, securityHeaders } from './security.js';

/**
 * Registered before `ready`. Both are standard (real origins, relative URLs resolve)
 * and secure (treated like https, so pages are a secure context). Only the app scheme
 * may fetch, and neither bypasses CSP.
 */
export function privilegedSchemes(): CustomScheme[] {
  return [
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true } },
  ];
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `root` that an atolye://app URL names, or null when the URL is not an
 * app URL or would leave `root` (`..`, encoded slashes or dots, backslashes, NUL, drive
 * letters). `/` is index.html. Does not touch the disk.
 */
export function resolveAppFile(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password || u.port) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null; // malformed %-escape
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const segments = rel.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '..' || s === '.' || /^[a-zA-Z]:/.test(s))) return null;
  if (segments.length === 0) segments.push('index.html');
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  if (file !== base && !file.startsWith(base + path.sep)) return null;
  return file;
}

export interface AppProtocolOptions {
  /** dist/renderer */
  root: string;
}

/**
 * Serves the renderer. A path without a file extension that does not exist gets
 * index.html (client-side routes survive a reload); a missing asset is a 404.
 */
export function createAppProtocolHandler({ root }: AppProtocolOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    const file = resolveAppFile(root, request.url);
    if (!file) return text(404, 'not found');
    let served = file;
    let body: Buffer;
    try {
      body = await fs.readFile(served);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'EISDIR') && path.extname(file) === '') {
        served = path.join(path.resolve(root), 'index.html');
        try {
          body = await fs.readFile(served);
        } catch {
          return text(404, 'not found');
        }
      } else if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
        return text(404, 'not found');
      } else {
        return text(500, 'could not read the file');
      }
    }
    const headers = {
      ...securityHeaders(),
      'Content-Type': contentTypeFor(served),
      'Content-Length': String(body.length),
      'Cache-Control': 'no-cache',
    };
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
}

/** `{ variant, assetId }` from atolye-media://thumb/<uuid>, or null for anything else. */
export function parseMediaUrl(url: string): { variant: MediaVariant; assetId: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${MEDIA_SCHEME}:` || u.username || u.password || u.port || u.search) return null;
  const variant = MediaVariant.safeParse(u.host);
  const assetId = Id.safeParse(u.pathname.replace(/^\//, ''));
  if (!variant.success || !assetId.success) return null;
  return { variant: variant.data, assetId: assetId.data };
}

export interface MediaProtocolOptions {
  /** Asks the engine where an asset's bytes are (EngineClient.media). */
  lookup: (assetId: string, variant: MediaVariant) => Promise<MediaLocation | null>;
  log?: (line: string) => void;
}

/**
 * Serves asset media by id. The engine answers with a file inside its content-addressed
 * store; bytes are streamed. Content never changes for an id, so it caches for good.
 */
const PASSIVE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif']);

export function createMediaProtocolHandler({ lookup, log = (l) => console.error(`[media] ${l}`) }: MediaProtocolOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    const target = parseMediaUrl(request.url);
    if (!target) return text(400, 'expected atolye-media://<thumb|original|video>/<asset id>');
    let found: MediaLocation | null;
    try {
      found = await lookup(target.assetId, target.variant);
    } catch (err) {
      log(`lookup of ${target.variant}/${target.assetId} failed: ${(err as Error).message}`);
      return text(503, 'the engine is not available');
    }
    if (!found) return text(404, 'no such asset');
    let size: number;
    try {
      size = (await fs.stat(found.path)).size;
    } catch {
      return text(404, 'the file is missing from the library');
    }
    // The engine hands out passive raster images for display (engine/media/display.ts); should
    // anything else arrive, it is bytes to save, never a document, and nothing in it may run
    // (kept in step with display.ts's mediaHeaders, which main cannot import: it loads sharp).
    const passive = PASSIVE_IMAGE_TYPES.has(found.contentType) || PASSIVE_VIDEO_TYPES.has(found.contentType);
    // A player seeks with byte ranges (engine/media/range.ts: one range, or 416).
    const range = parseRange(request.headers.get('range'), size);
    if (range === 'unsatisfiable') return new Response(null, { status: 416, headers: unsatisfiableHeaders(size) });
    const headers = {
      'Content-Type': passive ? found.contentType : 'application/octet-stream',
      'Content-Length': String(size),
      ...(range ? partialHeaders(range, size) : {}),
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'",
      'Content-Disposition': passive ? 'inline' : 'attachment',
    };
    const status = range ? 206 : 200;
    if (request.method === 'HEAD') return new Response(null, { status, headers });
    const stream = Readable.toWeb(createReadStream(found.path, range ?? {})) as ReadableStream<Uint8Array>;
    return new Response(stream, { status, headers });
  };
}

function text(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
}
