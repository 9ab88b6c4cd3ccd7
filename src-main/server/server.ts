import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ContractError,
  httpStatusFor,
  isMethodName,
  localFieldsUsed,
  MediaVariant,
  methods,
  RPC_MAX_BYTES,
  transportAllows,
  UPLOAD_MAX_BYTES,
  type EngineEvent,
} from '../../src-shared/contract/index.js';
import { createDispatcher } from '../engine/api/dispatch.js';
import { advertiseEndpoint } from '../engine/data-dir-lock.js';
import type { Engine } from '../engine/engine.js';
import { mediaHeaders } from '../engine/media/display.js';
import { parseRange, partialHeaders, unsatisfiableHeaders } from '../engine/media/range.js';
import { errorCodeOf } from '../engine/queue/errors.js';
import { UploadRefused } from '../engine/uploads.js';
import { bearerOf, checkOrigin, isSessionHost, newSessionHost, newToken, sameToken, SESSION_COOKIE, sessionCookieOf } from './auth.js';
import { serveStatic } from './static-files.js';

/** Limits that keep a slow, greedy or hostile client from holding the server. */
export interface ServerLimits {
  /** Time to receive a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (a 2 GB upload over loopback takes seconds). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Connections at once; more are closed as they arrive (the UI needs ~8: fetches, images, the event socket). */
  maxConnections: number;
  /** Bytes of request headers. */
  maxHeaderBytes: number;
  /**
   * Event bytes queued for one WebSocket that is not reading them. Past it the socket is
   * dropped: its client reconnects and refetches everything (App.tsx), where keeping the
   * queue would grow the engine's memory without bound.
   */
  maxEventBacklogBytes: number;
}

export const defaultLimits: ServerLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 15 * 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
  maxHeaderBytes: 16 * 1024,
  maxEventBacklogBytes: 8 * 2 ** 20,
};

export interface ServerOptions {
  engine: Engine;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /** The browser session's secret host (auth.ts newSessionHost); a new one when absent. Kept across restarts by `atolye serve`. */
  sessionHost?: string;
  /** The built renderer (dist/renderer); null serves the API only. */
  staticDir?: string | null;
  limits?: Partial<ServerLimits>;
  /**
   * Lets the CLI of the same OS user send its calls here while this process holds the
   * library: a second credential is written beside the library's lock (mode 0600, see
   * data-dir-lock.ts advertiseEndpoint) and removed on close. Default true.
   */
  cliAccess?: boolean;
}

export interface RunningServer {
  url: string;
  /**
   * The URL to print: 127.0.0.1 with the token once. It sends the browser to the session
   * host (appUrl), which swaps the token for a cookie only that host ever receives.
   */
  loginUrl: string;
  /** The browser session's origin: http://<secret>.localhost:<port>/ (see auth.ts newSessionHost). */
  appUrl: string;
  token: string;
  /** The CLI's credential (cliAccess), null when not offered. Never printed: it is in the 0600 endpoint file only. */
  cliToken: string | null;
  port: number;
  close(): Promise<void>;
}

/** Which methods each route answers (405 with Allow for the others). */
const ALLOW = { rpc: 'POST', uploads: 'POST', read: 'GET, HEAD' } as const;

/** Shown to a browser that arrives without the token. Its one style block is allowed by hash in the CSP. */
const UNAUTHORIZED_STYLE = 'body{font-family:system-ui,sans-serif;padding:2em;max-width:40em;color:#222;background:#fafafa}@media (prefers-color-scheme:dark){body{color:#eee;background:#151618}}code{font-size:1.05em}';
const UNAUTHORIZED_STYLE_HASH = `'sha256-${createHash('sha256').update(UNAUTHORIZED_STYLE).digest('base64')}'`;
const UNAUTHORIZED_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Atölye</title><style>${UNAUTHORIZED_STYLE}</style><h1>Atölye needs its token</h1><p>Open the address printed by <code>atolye serve</code> (or <code>npm start</code>): it ends in <code>?token=…</code>. The token changes each time the server starts.</p></html>`;

/** A refusal with its own status (405, 413, 426, 507) rather than one of the contract's codes. */
class HttpRefusal extends ContractError {
  constructor(
    readonly status: number,
    code: ContractError['code'],
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

const methodNotAllowed = (allow: string, what: string) => new HttpRefusal(405, 'invalid_input', `use ${allow.split(', ')[0]} for ${what}`, { Allow: allow });

/**
 * The loopback transport of the contract: HTTP for calls, uploads and media, a WebSocket
 * for events. Bound to 127.0.0.1 only; every request needs the per-run token (a Bearer
 * header, or the session cookie of the secret session host); Host and Origin are checked
 * so no other site can drive it from the user's browser. Methods that name files on this
 * machine are refused here (contract `local` fields): a web page uploads and downloads.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { engine } = options;
  const limits: ServerLimits = { ...defaultLimits, ...options.limits };
  const token = options.token ?? newToken();
  // The CLI's credential: a file only this OS user can read is what grants it, so it may
  // name paths on this computer (the `local` transport) where a browser's token may not.
  const cliToken = options.cliAccess === false ? null : newToken();
  const sessionHost = options.sessionHost ?? newSessionHost();
  if (!isSessionHost(sessionHost)) throw new Error('sessionHost must be a name made by newSessionHost');
  const dispatch = createDispatcher(engine);
  let port = 0;

  const csp = () =>
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      `connect-src 'self' ws://${sessionHost}:${port} ws://127.0.0.1:${port} ws://localhost:${port}`,
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

  const sendJson = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...extra }).end(text);
  };
  const sendError = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    let e: ContractError;
    if (err instanceof ContractError) e = err;
    else if (errorCodeOf(err) === 'disk_full') e = new HttpRefusal(507, 'unavailable', 'the disk holding the library is full; free some space and try again');
    else if (req.destroyed || (err as { code?: string })?.code === 'ECONNRESET' || (err as Error)?.message === 'aborted') {
      // The client went away (a closed tab, a dropped upload): nothing to answer, nothing broken here.
      console.error(`[server] ${req.method} ${req.url?.slice(0, 200)}: the client went away`);
      return void res.destroy();
    } else {
      e = new ContractError('internal', (err as Error)?.message ?? String(err));
      console.error(`[server] ${req.method} ${req.url?.slice(0, 200)}: ${(err as Error)?.stack ?? String(err)}`);
    }
    if (res.headersSent) return void res.destroy();
    const status = e instanceof HttpRefusal ? e.status : httpStatusFor[e.code];
    // A refused body may still be arriving: do not read it, close the connection after answering.
    const close: Record<string, string> = !req.complete ? { Connection: 'close' } : {};
    sendJson(res, status, e.toJSON(), { ...(e instanceof HttpRefusal ? e.headers : {}), ...close });
    if (!req.complete) res.once('finish', () => req.destroy());
  };

  /** The CLI of this OS user (the endpoint file's credential): local paths allowed. */
  const isCli = (req: IncomingMessage): boolean => cliToken !== null && sameToken(bearerOf(req), cliToken);
  const authenticated = (req: IncomingMessage): boolean => {
    if (sameToken(bearerOf(req), token) || isCli(req)) return true;
    // The session cookie counts only on the session host, the one place a browser sends it.
    return req.headers.host?.toLowerCase() === `${sessionHost}:${port}` && sameToken(sessionCookieOf(req), token);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const check = checkOrigin(req, port, sessionHost);
    if (check !== 'ok') throw new ContractError('forbidden', check === 'bad-host' ? 'unexpected Host header' : 'cross-origin request refused');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const method = req.method ?? 'GET';

    // Signing in: the token in the URL, once. Elsewhere than the session host it only
    // sends the browser there; there it becomes a cookie and leaves the address bar.
    const queryToken = url.searchParams.get('token');
    if ((method === 'GET' || method === 'HEAD') && queryToken !== null) {
      if (!sameToken(queryToken, token)) throw new ContractError('unauthorized', 'wrong token');
      const onSessionHost = req.headers.host?.toLowerCase() === `${sessionHost}:${port}`;
      if (!onSessionHost) {
        res.writeHead(302, { Location: `http://${sessionHost}:${port}${url.pathname}${url.search}`, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).end();
        return;
      }
      url.searchParams.delete('token');
      res
        .writeHead(302, {
          'Set-Cookie': `${SESSION_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
          Location: url.pathname + url.search,
          'Cache-Control': 'no-store',
          'Referrer-Policy': 'no-referrer',
        })
        .end();
      return;
    }
    if (!authenticated(req)) {
      if (method === 'GET' && !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/media/')) {
        res
          .writeHead(401, {
            ...securityHeaders(),
            'Content-Security-Policy': csp().replace("style-src 'self'", `style-src 'self' ${UNAUTHORIZED_STYLE_HASH}`),
            'Content-Type': 'text/html; charset=utf-8',
          })
          .end(UNAUTHORIZED_PAGE);
        return;
      }
      throw new ContractError('unauthorized', 'missing or wrong token');
    }

    const { pathname } = url;
    if (pathname.startsWith('/api/rpc/')) {
      if (method !== 'POST') throw methodNotAllowed(ALLOW.rpc, '/api/rpc');
      let name: string;
      try {
        name = decodeURIComponent(pathname.slice('/api/rpc/'.length));
      } catch {
        throw new ContractError('invalid_input', 'malformed %-escape in the method name');
      }
      const body = await readJson(req);
      if (isMethodName(name) && !isCli(req)) {
        const spec = methods[name];
        if (!transportAllows(spec, 'http')) throw new ContractError('forbidden', `${name} is not available over the web transport (it writes to a path on this computer); get the file through the download route (/api/download/<name>) instead`);
        const used = localFieldsUsed(spec, body);
        if (used.length) {
          throw new ContractError(
            'forbidden',
            `${name}: ${used.join(', ')} would name files on the computer running Atölye, which a web page may not do; ` +
              'upload the files first (POST /api/uploads) and pass uploadIds, or get results through the download route (/api/download/<name>)',
          );
        }
      }
      sendJson(res, 200, await dispatch(name, body));
      return;
    }
    if (pathname === '/api/uploads') {
      if (method !== 'POST') throw methodNotAllowed(ALLOW.uploads, '/api/uploads');
      const declared = Number(req.headers['content-length']);
      const max = Math.min(UPLOAD_MAX_BYTES, engine.uploads.maxBytes);
      if (Number.isFinite(declared) && declared > max) throw new HttpRefusal(413, 'invalid_input', `an upload may be ${max} bytes at most; this one is ${declared}`);
      try {
        const { uploadId, bytes } = await engine.uploads.receive(req, Number.isFinite(declared) ? declared : undefined);
        sendJson(res, 200, { uploadId, bytes });
      } catch (err) {
        if (err instanceof UploadRefused) throw new HttpRefusal(err.httpStatus, err.code, err.message);
        throw err;
      }
      return;
    }
    if (pathname === '/api/events') throw new HttpRefusal(426, 'invalid_input', 'the event stream is a WebSocket: connect with an Upgrade request', { Upgrade: 'websocket' });
    const media = /^\/media\/([a-z]+)\/([0-9a-f-]{36})$/.exec(pathname);
    if (media || pathname.startsWith('/media/')) {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(ALLOW.read, 'media');
      if (!media) throw new ContractError('not_found', 'no such media');
      const variant = MediaVariant.safeParse(media[1]);
      if (!variant.success) throw new ContractError('not_found', 'unknown media variant');
      const found = await engine.mediaForDisplay(media[2]!, variant.data);
      if (!found) throw new ContractError('not_found', 'no such media');
      const stat = await fs.stat(found.path).catch(() => null);
      if (!stat) throw new ContractError('not_found', 'media file is missing from the store');
      // A player seeks with byte ranges (media/range.ts: one range, or 416).
      const range = parseRange(req.headers.range, stat.size);
      if (range === 'unsatisfiable') {
        res.writeHead(416, unsatisfiableHeaders(stat.size));
        return void res.end();
      }
      res.writeHead(range ? 206 : 200, {
        ...mediaHeaders(found.contentType, { sameOriginOnly: true }),
        'Content-Length': stat.size,
        ...(range ? partialHeaders(range, stat.size) : {}),
        'Accept-Ranges': 'bytes',
        'Cache-Control': 'private, max-age=31536000, immutable',
        'Referrer-Policy': 'no-referrer',
      });
      if (method === 'HEAD') return void res.end();
      // pipeline, not pipe: a client that goes away (a video seek, a closed tab) closes the
      // file too; with pipe each aborted request kept its file open until EMFILE.
      pipeline(createReadStream(found.path, range ?? {}), res, () => {});
      return;
    }
    const download = /^\/api\/download\/([a-z0-9-]+)$/.exec(pathname);
    if (download) {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(ALLOW.read, '/api/download');
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
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "sandbox; default-src 'none'",
      });
      if (method === 'HEAD') {
        file.stream.destroy();
        return void res.end();
      }
      // A file that fails half way (a damaged blob) ends the response without its last
      // chunk: the browser marks the download failed instead of keeping half a ZIP.
      file.stream.on('error', (err) => {
        console.error(`[server] download ${download[1]} failed: ${(err as Error).message}`);
        res.destroy();
      });
      res.on('close', () => file.stream.destroy());
      file.stream.pipe(res);
      return;
    }
    if (pathname.startsWith('/api/')) throw new ContractError('not_found', `no route ${pathname}`);
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(ALLOW.read, 'this page');
    if (!options.staticDir) throw new ContractError('not_found', 'this server has no UI (API only)');
    await serveStatic(options.staticDir, pathname, res, securityHeaders());
  };

  const server = http.createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node looks for requests past their timeouts.
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      handle(req, res).catch((err) => sendError(req, res, err));
    },
  );
  server.maxConnections = limits.maxConnections;
  server.maxHeadersCount = 100;
  // A broken client socket must not become an unhandled error.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  // Events: one WebSocket per client; the same Host/Origin/token checks as HTTP.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/api/events') return refuse(404, 'Not Found');
    if (checkOrigin(req, port, sessionHost) !== 'ok') return refuse(403, 'Forbidden');
    if (!authenticated(req)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });
  const unsubscribe = engine.events.subscribe((event: EngineEvent) => {
    if (sockets.size === 0) return;
    const text = JSON.stringify(event);
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > limits.maxEventBacklogBytes) {
        sockets.delete(ws);
        ws.terminate();
        continue;
      }
      ws.send(text);
    }
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    // A taken port (EADDRINUSE): the caller may try another; nothing of this attempt stays subscribed.
    unsubscribe();
    wss.close();
    throw err;
  }
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  let withdraw = () => {};
  if (cliToken) {
    try {
      withdraw = advertiseEndpoint(engine.dataDir, { port, token: cliToken });
    } catch (err) {
      // The app still works; only a CLI beside it will say the library is held.
      console.error(`[server] cannot publish the CLI endpoint: ${(err as Error).message}`);
    }
  }
  return {
    url,
    loginUrl: `${url}?token=${token}`,
    appUrl: `http://${sessionHost}:${port}/`,
    token,
    cliToken,
    port,
    close: async () => {
      withdraw();
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > RPC_MAX_BYTES) throw new HttpRefusal(413, 'invalid_input', `a call's body may be ${RPC_MAX_BYTES} bytes at most`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > RPC_MAX_BYTES) throw new HttpRefusal(413, 'invalid_input', `a call's body may be ${RPC_MAX_BYTES} bytes at most`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ContractError('invalid_input', 'request body is not valid JSON');
  }
}
