import { readPrivateJson, writePrivateJson } from '../engine/data-dir-lock.js';
import { isSessionHost } from './auth.js';

/**
 * What web mode keeps across restarts so an open tab carries on by itself: the port (the
 * same address), the token and the secret session host (the tab's cookie stays valid, and
 * its event socket reconnects on its own). A credential, so it lives in a private file of
 * the library (mode 0600, this user's only; see writePrivateJson). `atolye serve
 * --new-address` forgets it.
 */
export interface WebSession {
  port: number;
  token: string;
  sessionHost: string;
}

const FILE = 'web-session.json';

export function rememberedWebSession(dataDir: string): WebSession | null {
  const found = readPrivateJson(dataDir, FILE, (raw) => {
    const v = (raw ?? {}) as Partial<WebSession>;
    const valid = Number.isInteger(v.port) && v.port! > 0 && v.port! < 65536 && typeof v.token === 'string' && v.token.length >= 32 && typeof v.sessionHost === 'string' && isSessionHost(v.sessionHost);
    return valid ? { port: v.port!, token: v.token!, sessionHost: v.sessionHost! } : null;
  });
  return 'value' in found ? found.value : null;
}

export function rememberWebSession(dataDir: string, session: WebSession): void {
  writePrivateJson(dataDir, FILE, session);
}
