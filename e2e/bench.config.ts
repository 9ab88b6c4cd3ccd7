import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './support/chromium.js';

/**
 * `npm run bench:ui`: only the UI figures (perf.spec.ts), which start their own engines.
 * Kept out of playwright.config.ts so `npm test` never runs them.
 */
export default defineConfig({
  testDir: '.',
  testMatch: ['perf.spec.ts'],
  workers: 1,
  retries: 0,
  timeout: 30 * 60_000,
  reporter: [['list']],
  outputDir: '../test-results/bench-ui',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
  },
});
