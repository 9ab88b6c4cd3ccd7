import { defineConfig } from '@playwright/test';

/**
 * The desktop app itself, driven through Playwright's Electron support. Runs only where
 * the Electron binary is installed (see run.mjs); machines without internet cannot
 * download it and use the web-mode suite (e2e/) instead.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  outputDir: '../test-results/electron',
});
