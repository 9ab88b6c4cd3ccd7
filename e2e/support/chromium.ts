import { existsSync } from 'node:fs';

/** Debian's Chromium (the Playwright build cannot be downloaded on these machines). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function assertChromium(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}. The UI tests need it: install it with \`sudo apt-get install chromium\`, ` +
        'or point CHROMIUM_PATH at a Chromium or Chrome binary.',
    );
  }
}
