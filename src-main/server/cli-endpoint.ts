import type { Engine } from '../engine/engine.js';
import { startServer, type RunningServer } from './server.js';

/**
 * The desktop app's door for the CLI of the same user: a loopback server with no UI whose
 * browser token is never shown to anyone, so the only way in is the CLI credential it
 * publishes beside the library's lock (mode 0600; see data-dir-lock.ts advertiseEndpoint).
 * `atolye queue pause` or `atolye remove-background` then run in the app while it is open.
 */
export function startCliEndpoint(engine: Engine): Promise<RunningServer> {
  return startServer({ engine, port: 0, staticDir: null, cliAccess: true });
}
