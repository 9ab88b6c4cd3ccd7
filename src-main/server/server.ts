import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ContractError, httpStatusFor, MediaVariant, type EngineEvent } from '../../src-shared/contract/index.js';
import { createDispatcher } from '../engine/api/dispatch.js';
import type { Engine } from '../engine/engine.js';
import { checkOrigin, newToken, sameToken, TOKEN_COOKIE, tokenOf } from './auth.js';
import { serveStatic } from './static-files.js';

export interface ServerOptions {
  engine: Engine;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /** The built renderer (dist/renderer); null serves the API only. */
  staticDir?: string | null;
}

export interface RunningServer {
  url: string;
  /** The URL to open: it carries the token once, which the server swaps for a cookie. */
  loginUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MAX_JSON_BYTES = 1024 * 1024;

/** Shown to a browser that arrives without the token. Its one style block is allowed by hash in the CSP. */
const UNAUTHORIZED_STYLE = 'body{font-family:system-ui,sans-serif;padding:2em;max-width:40em;color:#222;background:#fafafa}@media (prefers-color-scheme:dark){body{color:#eee;background:#151618}}code{font-size:1.05em}';
const UNAUTHORIZED_STYLE_HASH = `'sha256-${createHash('sha256').update(UNAUTHORIZED_STYLE).digest('base64')}'`;
const UNAUTHORIZED_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Atölye</title><style>${UNAUTHORIZED_STYLE}</style><h1>Atölye needs its token</h1><p>Open the address printed by <code>atolye serve</code> (or <code>npm start</code>): it ends in <code>?token=…</code>. The token changes each time the server starts.</p></html>`;

/**
 * The loopback transport of the contract: HTTP for calls, uploads and media, a
 * WebSocket for events. Bound to 127.0.0.1 only, every request needs the per-run token,
 * and Host/Origin are checked so no other site can drive it from the user's browser.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { engine } = options;
  const token = options.token ?? newToken();
  const dispatch = createDispatcher(engine);
  let port = 0;

  const csp = () =>
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "font-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ].join('; ');
  const securityHeaders = () => ({
    'Content-Security-Policy': csp(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(text);
  };
  const sendError = (res: ServerResponse, err: unknown) => {
    const e = err instanceof ContractError ? err : new ContractError('internal', (err as Error)?.message ?? String(err));
    if (!(err instanceof ContractError)) console.error('[server]', err);
    if (res.headersSent) return void res.destroy();
    sendJson(res, httpStatusFor[e.code], e.toJSON());
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const check = checkOrigin(req, port);
    if (check !== 'ok') throw new ContractError('forbidden', check === 'bad-host' ? 'unexpected Host header' : 'cross-origin request refused');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);

    // First visit: trade the token in the URL for an HttpOnly cookie and drop it from the address bar.
    const queryToken = url.searchParams.get('token');
    if (req.method === 'GET' && queryToken !== null) {
      if (!sameToken(queryToken, token)) throw new ContractError('unauthorized', 'wrong token');
      url.searchParams.delete('token');
      res
        .writeHead(302, {
          'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
          Location: url.pathname + url.search,
        })
        .end();
      return;
    }
    if (!sameToken(tokenOf(req), token)) {
      if (req.method === 'GET' && !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/media/')) {
        res
          .writeHead(401, {
            ...securityHeaders(),
            'Content-Security-Policy': csp().replace("style-src 'self'", `style-src 'self' ${UNAUTHORIZED_STYLE_HASH}`),
            'Content-Type': 'text/html; charset=utf-8',
          })
          .end(
            UNAUTHORIZED_PAGE,
          );
        return;
      }
      throw new ContractError('unauthorized', 'missing or wrong token');
    }

    const { pathname } = url;
    if (pathname.startsWith('/api/rpc/')) {
      if (req.method !== 'POST') throw new ContractError('invalid_input', 'use POST for /api/rpc');
      const name = decodeURIComponent(pathname.slice('/api/rpc/'.length));
      const body = await readJson(req);
      sendJson(res, 200, await dispatch(name, body));
      return;
    }
    if (pathname === '/api/uploads') {
      if (req.method !== 'POST') throw new ContractError('invalid_input', 'use POST for /api/uploads');
      const { uploadId, bytes } = await engine.uploads.receive(req);
      sendJson(res, 200, { uploadId, bytes });
      return;
    }
    const media = /^\/media\/([a-z]+)\/([0-9a-f-]{36})$/.exec(pathname);
    if (media) {
      const variant = MediaVariant.safeParse(media[1]);
      if (!variant.success) throw new ContractError('not_found', 'unknown media variant');
      const found = engine.media(media[2]!, variant.data);
      if (!found) throw new ContractError('not_found', 'no such media');
      const stat = await fs.stat(found.path).catch(() => null);
      if (!stat) throw new ContractError('not_found', 'media file is missing from the store');
      res.writeHead(200, {
        'Content-Type': found.contentType,
        'Content-Length': stat.size,
        'Cache-Control': 'private, max-age=31536000, immutable',
        'X-Content-Type-Options': 'nosniff',
      });
      createReadStream(found.path).pipe(res);
      return;
    }
    const download = /^\/api\/download\/([a-z0-9-]+)$/.exec(pathname);
    if (download && req.method === 'GET') {
      let params: unknown = {};
      const raw = url.searchParams.get('p');
      if (raw !== null) {
        try {
          params = JSON.parse(raw);
        } catch {
          throw new ContractError('invalid_input', 'download parameters are not valid JSON');
        }
      }
      const file = await engine.download(download[1]!, params);
      res.writeHead(200, {
        'Content-Type': file.contentType,
        // RFC 6266/5987: an ASCII fallback plus the real (e.g. Turkish) name.
        'Content-Disposition': `attachment; filename="${file.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
        'Cache-Control': 'no-store',
      });
      file.stream.on('error', () => res.destroy());
      file.stream.pipe(res);
      return;
    }
    if (pathname.startsWith('/api/')) throw new ContractError('not_found', `no route ${pathname}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ContractError('invalid_input', 'method not allowed');
    if (!options.staticDir) throw new ContractError('not_found', 'this server has no UI (API only)');
    await serveStatic(options.staticDir, pathname, res, securityHeaders());
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => sendError(res, err));
  });

  // Events: one WebSocket per client; the same Host/Origin/token checks as HTTP.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/api/events') return refuse(404, 'Not Found');
    if (checkOrigin(req, port) !== 'ok') return refuse(403, 'Forbidden');
    if (!sameToken(tokenOf(req), token)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });
  const unsubscribe = engine.events.subscribe((event: EngineEvent) => {
    if (sockets.size === 0) return;
    const text = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    loginUrl: `${url}?token=${token}`,
    token,
    port,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES) throw new ContractError('invalid_input', 'request body is too large');
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ContractError('invalid_input', 'request body is not valid JSON');
  }
}
