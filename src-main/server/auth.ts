import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'atolye_token';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(given: string | undefined | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer …` or the session cookie. */
export function tokenOf(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = req.headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
    }
  }
  return null;
}

/**
 * Loopback only: the Host header must name this server (defeats DNS rebinding), and a
 * browser's Origin, when sent, must be this server's own (defeats cross-site requests).
 */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function checkOrigin(req: IncomingMessage, port: number): 'ok' | 'bad-host' | 'bad-origin' {
  const hosts = allowedHosts(port);
  if (!req.headers.host || !hosts.has(req.headers.host)) return 'bad-host';
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      const u = new URL(origin);
      if (u.protocol !== 'http:') return 'bad-origin';
      host = u.host;
    } catch {
      return 'bad-origin';
    }
    if (!hosts.has(host)) return 'bad-origin';
  }
  return 'ok';
}
