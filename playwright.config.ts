import { defineConfig } from '@playwright/test';
import { chromiumPath, chromiumArgs } from './e2e/support/chromium.js';

/**
 * UI tests: Debian's Chromium drives the built renderer (dist/renderer) served by the
 * real engine and loopback server (e2e/global-setup.ts starts them on a temp data dir).
 * One worker: the machines have two cores and the engine wants one of them.
 * The UI figures (e2e/perf.spec.ts) are not part of this run: `npm run bench:ui`.
 */
export default defineConfig({
  testDir: 'e2e',
  testIgnore: ['**/perf.spec.ts'],
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    colorScheme: 'light',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
