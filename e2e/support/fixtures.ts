import fs from 'node:fs/promises';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import sharp from 'sharp';

export { expect };

export interface SharedServer {
  url: string;
  loginUrl: string;
  token: string;
}

export const test = base.extend<{ server: SharedServer; app: Page; workDir: string }>({
  // Started once by global-setup.ts; handed to tests through the environment.
  // Playwright reads a fixture's dependencies from its destructuring pattern, so an empty one is required.
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use) => {
    const url = process.env.ATOLYE_E2E_URL;
    const loginUrl = process.env.ATOLYE_E2E_LOGIN_URL;
    const token = process.env.ATOLYE_E2E_TOKEN;
    if (!url || !loginUrl || !token) throw new Error('the e2e server is not running (global-setup.ts did not run)');
    await use({ url, loginUrl, token });
  },
  // eslint-disable-next-line no-empty-pattern
  workDir: async ({}, use, testInfo) => {
    const dir = testInfo.outputPath('files');
    await fs.mkdir(dir, { recursive: true });
    await use(dir);
  },
  /** A page signed in the way a user is: by opening the printed URL once. */
  app: async ({ page, server }, use) => {
    await signIn(page, server.loginUrl);
    await use(page);
  },
});

export async function signIn(page: Page, loginUrl: string): Promise<void> {
  await page.goto(loginUrl);
  await expect(page.getByTestId('shell')).toBeVisible();
  // The token went into an HttpOnly cookie and out of the address bar.
  expect(page.url()).not.toContain('token=');
}

/**
 * Writes distinct JPEGs at the given relative paths under `dir`: colours and shapes
 * vary, and a corner patch encodes the index so even tiny ones differ (and so hash apart).
 */
export async function makeImages(dir: string, relPaths: readonly string[], size = { width: 640, height: 480 }): Promise<string[]> {
  const written: string[] = [];
  for (const [i, rel] of relPaths.entries()) {
    const hue = (i * 47 + rel.length * 13) % 360;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}">
      <rect width="100%" height="100%" fill="hsl(${hue},55%,82%)"/>
      <circle cx="${(size.width / 2) | 0}" cy="${(size.height / 2) | 0}" r="${60 + ((i * 17) % 120)}" fill="hsl(${(hue + 180) % 360},60%,45%)"/>
      <rect x="${20 + ((i * 29) % 200)}" y="30" width="${40 + i}" height="${40 + ((i * 7) % 90)}" fill="hsl(${(hue + 90) % 360},70%,35%)"/>
      <rect x="0" y="0" width="16" height="16" fill="rgb(${i % 256},${(i >> 8) % 256},${rel.length % 256})"/>
    </svg>`;
    const file = path.join(dir, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toFile(file);
    written.push(file);
  }
  return written;
}

/** Turkish letters and spaces on purpose: names must survive upload, storage and display. */
export function turkishNames(count: number, prefix = 'ürün'): string[] {
  const words = ['çay bardağı', 'Şeker paketi', 'ığdır elması', 'Gözlük camı', 'İnce belli', 'süt şişesi', 'Öğle yemeği', 'kağıt havlu'];
  return Array.from({ length: count }, (_, i) => `${prefix} ${words[i % words.length]} ${String(i + 1).padStart(2, '0')}.jpg`);
}

/**
 * Drops files or folders from disk onto the page as the OS would: Chromium's own drag
 * machinery (DevTools Input.dispatchDragEvent), so the page gets real FileSystemEntry
 * objects and walks dropped folders exactly as after a user's drag from the file manager.
 */
export async function dropPaths(page: Page, paths: readonly string[], point?: { x: number; y: number }): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  const at = point ? { x: Math.round(point.x), y: Math.round(point.y) } : { x: Math.round(viewport.width / 2), y: Math.round(viewport.height / 2) };
  const data = { items: [], files: [...paths], dragOperationsMask: 1 };
  await cdp.send('Input.dispatchDragEvent', { type: 'dragEnter', ...at, data });
  await cdp.send('Input.dispatchDragEvent', { type: 'dragOver', ...at, data });
  await cdp.send('Input.dispatchDragEvent', { type: 'drop', ...at, data });
  await cdp.detach();
}

/** Waits for the import of `name` to finish in the imports panel and returns its stats line. */
export async function waitForImport(page: Page, name: string | RegExp, timeout = 60_000): Promise<string> {
  const job = page.getByTestId('import-job').filter({ has: page.locator('.import-job-name', { hasText: name }) }).first();
  await expect(job).toHaveAttribute('data-state', 'done', { timeout });
  return (await job.getByTestId('import-stats').textContent()) ?? '';
}

/** All `count` thumbnails of the open project are in the grid and decoded. */
export async function expectThumbnailsLoaded(page: Page, count: number): Promise<void> {
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-total', String(count));
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const imgs = [...document.querySelectorAll<HTMLImageElement>('[data-testid="asset-thumb"]')];
          return imgs.filter((img) => img.complete && img.naturalWidth > 0).length;
        }),
      { timeout: 30_000 },
    )
    .toBe(count);
}

/** The project card with this exact name. */
export function projectCard(page: Page, name: string) {
  return page.locator(`[data-testid="project-card"][data-project-name="${name.replace(/"/g, '\\"')}"]`);
}

/** A project made the user's way (a folder dropped on the window); returns its id from the address bar. */
export async function importFolder(page: Page, workDir: string, name: string, count: number): Promise<string> {
  const folder = path.join(workDir, name);
  await makeImages(folder, turkishNames(count));
  // Over the navigation's empty foot: a drop on a project card adds to that project.
  await dropPaths(page, [folder], { x: 60, y: (page.viewportSize()?.height ?? 800) - 30 });
  await waitForImport(page, name);
  await expect(page.getByTestId('project-title')).toHaveText(name);
  const id = /#\/\w+\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
  if (!id) throw new Error(`no project id in ${page.url()}`);
  return id;
}

/**
 * A contract call as the signed-in page makes it, from inside the page: the session cookie
 * lives on the page's private *.localhost host (docs/security.md), which Node's own HTTP
 * client neither receives nor can resolve.
 */
export async function pageRpc<T = unknown>(page: Page, method: string, input: unknown = {}): Promise<T> {
  const { status, text } = await page.evaluate(
    async ([m, body]) => {
      const res = await fetch(`/api/rpc/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, text: await res.text() };
    },
    [method, input] as const,
  );
  if (status < 200 || status >= 300) throw new Error(`${method} answered ${status}: ${text}`);
  return JSON.parse(text) as T;
}

/** pageRpc for callers that pass the server too (kept for their signature). */
export function rpc<T = unknown>(page: Page, _server: SharedServer | null, method: string, input: unknown = {}): Promise<T> {
  return pageRpc<T>(page, method, input);
}

/**
 * A disk fault in the shared server's library: the stored copy of a project's image is
 * cut to a quarter of its bytes, so any job reading it fails (its hash no longer matches).
 */
export async function damageLibraryCopy(page: Page, projectId: string, fileName: string): Promise<void> {
  const listed = await pageRpc<{ items: { fileName: string; sha256: string }[] }>(page, 'assets.list', { projectId, offset: 0, limit: 1000 });
  const sha = listed.items.find((a) => a.fileName === fileName)?.sha256;
  if (!sha) throw new Error(`no image ${fileName} in project ${projectId}`);
  const blob = path.join(process.env.ATOLYE_E2E_DATA_DIR!, 'blobs', sha.slice(0, 2), sha);
  const whole = await fs.readFile(blob);
  await fs.writeFile(blob, whole.subarray(0, whole.length >> 2));
}
