import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * Resolves a URL path inside `root`, or null when it would escape it. Decoding happens
 * once, before the containment check, so `%2e%2e/` cannot slip through.
 */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  const rootWithSep = path.resolve(root) + path.sep;
  return full.startsWith(rootWithSep) || full === path.resolve(root) ? full : null;
}

/** Serves the built renderer; unknown routes fall back to index.html (client-side routing). */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  let file = resolveInside(root, urlPath === '/' ? '/index.html' : urlPath);
  if (!file) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad path');
    return;
  }
  let stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) {
    file = path.join(root, 'index.html');
    stat = await fs.stat(file).catch(() => null);
    if (!stat?.isFile()) {
      res
        .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end('The UI is not built. Run `npm run build` (or `node scripts/build.mjs --renderer`), then start the server again.');
      return;
    }
  }
  const ext = path.extname(file);
  const immutable = file.includes(`${path.sep}assets${path.sep}`);
  res.writeHead(200, {
    ...headers,
    'Content-Type': types[ext] ?? 'application/octet-stream',
    'Content-Length': stat.size,
    'Cache-Control': immutable ? 'private, max-age=31536000, immutable' : 'no-cache',
  });
  // pipeline: a client that goes away closes the file too.
  pipeline(createReadStream(file), res, () => {});
}
