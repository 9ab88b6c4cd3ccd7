import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'atolye_session';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The secret host name a browser session lives on: `<label>.localhost`. Browsers resolve
 * every *.localhost name to the loopback interface themselves (RFC 6761), and a cookie
 * set there without a Domain attribute is host-only: the browser sends it back to that
 * exact name and to nothing else. Cookies ignore ports, so a cookie of 127.0.0.1 would go
 * to every other local server the user opens on 127.0.0.1; one of `<label>.localhost`
 * goes only where the label is known, and the label, like the token, is a per-run secret
 * that is never handed to anyone without the token.
 */
export function newSessionHost(): string {
  // 24 base32 characters (120 bits): a valid DNS label, lower case, no padding.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let label = 's';
  for (const b of randomBytes(24)) label += alphabet[b & 31];
  return `${label}.localhost`;
}

/** A name newSessionHost could have made (a remembered one is checked before use). */
export function isSessionHost(host: string): boolean {
  return /^s[a-z2-7]{24}\.localhost$/.test(host);
}

export function sameToken(given: string | undefined | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `Authorization: Bearer …` (the CLI, scripts, tests). */
export function bearerOf(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : null;
}

/** The session cookie a browser sends back (only to the session host; see newSessionHost). */
export function sessionCookieOf(req: IncomingMessage): string | null {
  const cookie = req.headers.cookie;
  if (!cookie) return null;
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== SESSION_COOKIE) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Loopback only: the Host header must name this server (defeats DNS rebinding), and a
 * browser's Origin, when sent, must be this server's own (defeats cross-site requests).
 * `sessionHost` is the browser session's secret host name (newSessionHost).
 */
export function allowedHosts(port: number, sessionHost?: string): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (sessionHost) hosts.add(`${sessionHost}:${port}`);
  return hosts;
}

/**
 * A session host of an earlier run of this server (same port, another secret): a tab left
 * open across a restart. Let through to be told "sign in again" (401) rather than refused as
 * a stranger: *.localhost never leaves this computer (no DNS rebinding can produce it), and
 * its old cookie does not authenticate here (only the current session host's does).
 */
function isEarlierSessionHost(host: string, port: number): boolean {
  return new RegExp(`^s[a-z2-7]{24}\\.localhost:${port}$`).test(host);
}

export function checkOrigin(req: IncomingMessage, port: number, sessionHost?: string): 'ok' | 'bad-host' | 'bad-origin' {
  const strict = allowedHosts(port, sessionHost);
  const hosts = { has: (h: string) => strict.has(h) || isEarlierSessionHost(h, port) };
  if (!req.headers.host || !hosts.has(req.headers.host.toLowerCase())) return 'bad-host';
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
