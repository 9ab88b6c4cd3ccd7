import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertChromium } from './support/chromium.js';
import { repoRoot, startServerProcess } from './support/server.js';

/** Starts the engine and server the tests share, on a fresh data dir; the returned function stops them. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  assertChromium();
  if (!existsSync(path.join(repoRoot, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/renderer is not built: run `node scripts/build.mjs --renderer` (npm run test:e2e does).');
  }
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-e2e-'));
  const server = await startServerProcess(dataDir);
  process.env.ATOLYE_E2E_URL = server.url;
  process.env.ATOLYE_E2E_LOGIN_URL = server.loginUrl;
  process.env.ATOLYE_E2E_TOKEN = server.token;
  process.env.ATOLYE_E2E_DATA_DIR = dataDir;
  return async () => {
    await server.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
}
