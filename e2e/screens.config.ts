import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './support/chromium.js';

/**
 * Screenshots of the Queue, Models and remove-background screens in light and dark,
 * English and Turkish, for a person to look at (nothing is asserted beyond the screens
 * rendering). Not part of `npm test`:
 *   node scripts/build.mjs --renderer && npx playwright test -c e2e/screens.config.ts
 * Images land in test-results/screens/.
 */
export default defineConfig({
  testDir: '.',
  testMatch: ['screens.shots.ts'],
  workers: 1,
  retries: 0,
  timeout: 10 * 60_000,
  reporter: [['list']],
  outputDir: '../test-results/screens-run',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    viewport: { width: 1280, height: 800 },
  },
});
