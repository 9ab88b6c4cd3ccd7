import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
// @ts-expect-error: plain .mjs build script without type declarations
import { electronBinary, electronEntries } from '../scripts/build-electron.mjs';

/**
 * The real desktop app: Electron main, the sandboxed preload, the renderer on
 * atolye://app and the engine in its own process. Skipped where Electron is not installed.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binary = electronBinary() as string | null;

test.skip(!binary, 'the Electron binary is not installed (no internet to download it); the web-mode suite in e2e/ covers the UI');

interface Bridge {
  call(method: string, input: unknown): Promise<unknown>;
  subscribe(listener: (event: { type: string; payload: Record<string, unknown> }) => void): () => void;
  mediaUrl(assetId: string, variant: 'thumb' | 'original'): string;
}
declare global {
  interface Window {
    atolye: Bridge;
  }
}

let app: ElectronApplication;
let page: Page;
let dataDir: string;
let photos: string;

test.beforeAll(async () => {
  for (const entry of Object.values(electronEntries as Record<string, string>)) {
    await fs.access(path.join(root, entry)).catch(() => {
      throw new Error(`${entry} is missing: run \`npm run build\` (e2e-electron/run.mjs does)`);
    });
  }
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-electron-'));
  dataDir = path.join(tmp, 'data');
  photos = path.join(tmp, 'Ürün Fotoğrafları');
  await fs.mkdir(photos, { recursive: true });
  for (let i = 0; i < 5; i++) {
    await sharp({ create: { width: 120 + i, height: 90, channels: 3, background: { r: 40 * i, g: 120, b: 200 - 30 * i } } }).jpeg().toFile(path.join(photos, `ürün ${i}.jpg`));
  }
  app = await electron.launch({ executablePath: binary!, args: [root], env: { ...process.env, ATOLYE_DATA_DIR: dataDir } });
  page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
});

test.afterAll(async () => {
  await app?.close();
});

test('loads the renderer from the app protocol, sandboxed, with the bridge and nothing else', async () => {
  expect(page.url()).toBe('atolye://app/index.html');
  await expect(page.locator('#root > *').first()).toBeVisible();
  expect(await page.evaluate(() => [typeof (window as unknown as { require?: unknown }).require, typeof (window as unknown as { process?: unknown }).process])).toEqual(['undefined', 'undefined']);
  expect(await page.evaluate(() => Object.keys(window.atolye).sort())).toEqual(['call', 'mediaUrl', 'pathsForFiles', 'subscribe']);
  // contextBridge hands the page proxies, not the preload's own functions.
  expect(await page.evaluate(() => String(window.atolye.call))).toContain('[native code]');
  const windows = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.webContents.getURL()));
  expect(windows).toEqual(['atolye://app/index.html']);
});

test('the CSP blocks inline scripts, and pages cannot navigate away', async () => {
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.appendChild(s);
    await new Promise((r) => setTimeout(r, 100));
    return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
  });
  expect(ran).toBe(false);
  await page.evaluate(() => {
    location.href = 'file:///etc/passwd';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toBe('atolye://app/index.html');
  expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
});

test('imports a folder through IPC: progress events, thumbnails by id, errors with codes', async () => {
  const info = (await page.evaluate(() => window.atolye.call('engine.info', {}))) as { dataDir: string };
  expect(info.dataDir).toBe(dataDir);
  const result = await page.evaluate(
    (folder) =>
      new Promise<{ projectId: string; events: number }>((resolve) => {
        let events = 0;
        const off = window.atolye.subscribe((e) => {
          if (e.type !== 'import.progress') return;
          events++;
          if (e.payload.state === 'done') {
            off();
            resolve({ projectId: e.payload.projectId as string, events });
          }
        });
        void window.atolye.call('import.start', { paths: [folder] });
      }),
    photos,
  );
  expect(result.events).toBeGreaterThan(0);
  const assets = (await page.evaluate((projectId) => window.atolye.call('assets.list', { projectId }), result.projectId)) as { items: { id: string }[] };
  expect(assets.items).toHaveLength(5);
  const width = await page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img.naturalWidth;
  }, await page.evaluate((id) => window.atolye.mediaUrl(id, 'thumb'), assets.items[0]!.id));
  expect(width).toBeGreaterThan(0);
  const error = await page.evaluate(() => window.atolye.call('projects.rename', { id: 'nope', name: 'x' }).then(() => '', (e: Error) => e.message));
  expect(error).toMatch(/^\[invalid_input\] /);
});

test('quitting closes the library cleanly', async () => {
  await app.close();
  const db = new Database(path.join(dataDir, 'library.db'), { readonly: true });
  const boots = db.prepare('SELECT clean FROM boots').all() as { clean: number }[];
  db.close();
  expect(boots.at(-1)).toEqual({ clean: 1 });
});
