import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { assertChromium } from './support/chromium.js';
import { dropPaths, expect, makeImages, signIn, test, waitForImport } from './support/fixtures.js';
import { repoRoot, startServerProcess, type ServerProcess } from './support/server.js';

const OUT = path.join(repoRoot, 'test-results', 'screens');
const GROCERY = path.resolve(repoRoot, '..', 'shared', 'datasets', 'grocery-store', 'train', 'Packages');

async function rpc<T>(server: ServerProcess, method: string, input: unknown = {}): Promise<T> {
  const res = await fetch(new URL(`/api/rpc/${method}`, server.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method}: ${JSON.stringify(body)}`);
  return body;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 300_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Product photos from the grocery set when it is here; generated ones otherwise. */
async function photos(dir: string, count: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  if (existsSync(GROCERY)) {
    // Packages/<kind>/<brand>/<photo>.jpg: the first photo of each brand, for variety.
    const files: string[] = [];
    for (const kind of (await fs.readdir(GROCERY)).sort()) {
      for (const brand of (await fs.readdir(path.join(GROCERY, kind))).sort()) {
        const d = path.join(GROCERY, kind, brand);
        const first = (await fs.readdir(d)).filter((f) => /\.jpe?g$/i.test(f)).sort()[0];
        if (first) files.push(path.join(d, first));
      }
    }
    for (const f of files.slice(0, count)) await fs.copyFile(f, path.join(dir, path.basename(f)));
  } else {
    await makeImages(dir, Array.from({ length: count }, (_, i) => `ürün ${i + 1}.jpg`));
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(OUT, `${name}.png`) });
}

test('screens', async ({ browser }) => {
  assertChromium();
  await fs.mkdir(OUT, { recursive: true });
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-screens-'));
  const server = await startServerProcess(dataDir);
  try {
    const folder = path.join(dataDir, 'in', 'Paketli Ürünler');
    await photos(folder, 8);
    const imp = await rpc<{ importId: string; projectId: string }>(server, 'import.start', { paths: [folder] });
    await until(() => rpc<{ state: string }>(server, 'import.get', { importId: imp.importId }), (p) => p.state === 'done');
    const projectId = imp.projectId;
    const { items } = await rpc<{ items: { id: string }[] }>(server, 'assets.list', { projectId });
    const run = await rpc<{ runId: string }>(server, 'remove-background.run', { projectId, options: { preset: 'cutout', format: 'png' } });
    await until(() => rpc<{ state: string }>(server, 'remove-background.get', { runId: run.runId }), (r) => r.state === 'done');
    const white = await rpc<{ runId: string }>(server, 'remove-background.run', { projectId, assetIds: items.slice(0, 2).map((a) => a.id), options: { preset: 'white' } });
    await until(() => rpc<{ state: string }>(server, 'remove-background.get', { runId: white.runId }), (r) => r.state === 'done');
    // Something waiting on the Queue page: the queue paused with a run queued behind it.
    await rpc(server, 'queue.pause', {});
    await rpc(server, 'remove-background.run', { projectId, assetIds: items.slice(2, 6).map((a) => a.id), options: { preset: 'square' } });

    for (const locale of ['en-US', 'tr-TR']) {
      for (const colorScheme of ['light', 'dark'] as const) {
        await screensFor(browser, server, projectId, locale, colorScheme);
      }
    }
    await whileRunning(browser, server, projectId);
  } finally {
    await server.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

async function screensFor(browser: Browser, server: ServerProcess, projectId: string, locale: string, colorScheme: 'light' | 'dark') {
  const tag = `${locale.slice(0, 2)}-${colorScheme}`;
  const context = await browser.newContext({ locale, colorScheme, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, server.loginUrl);

  await page.goto(new URL('/#/queue', server.url).href);
  await expect(page.getByTestId('batch-row').first()).toBeVisible();
  await shot(page, `queue-${tag}`);
  await page.getByTestId('job-row').first().getByTestId('job-details').click();
  await expect(page.getByTestId('job-dialog-payload')).toBeVisible();
  await shot(page, `queue-job-${tag}`);
  await page.keyboard.press('Escape');

  await page.goto(new URL('/#/models', server.url).href);
  await expect(page.getByTestId('model-row').first()).toBeVisible();
  await expect(page.getByTestId('inference-status')).toBeVisible();
  await shot(page, `models-${tag}`);
  await page.getByTestId('inference-status').scrollIntoViewIfNeeded();
  await shot(page, `models-bottom-${tag}`);

  await page.goto(new URL(`/#/gallery/${projectId}`, server.url).href);
  await expect(page.getByTestId('result-badge').first()).toBeVisible();
  await page.getByTestId('asset-cell').nth(1).click({ modifiers: ['Control'] });
  await page.getByTestId('asset-cell').nth(2).click({ modifiers: ['Control'] });
  await shot(page, `project-${tag}`);
  await page.keyboard.press('b');
  await expect(page.getByTestId('segment-dialog')).toBeVisible();
  await shot(page, `segment-dialog-${tag}`);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  await page.getByTestId('asset-cell').first().click();
  await expect.poll(() => page.getByTestId('compare-result').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await shot(page, `viewer-${tag}`);
  await page.getByTestId('compare-slider').focus();
  for (let i = 0; i < 25; i++) await page.keyboard.press('ArrowLeft');
  await shot(page, `viewer-slid-${tag}`);
  await page.keyboard.press('Escape');

  await page.keyboard.press('?');
  await shot(page, `shortcuts-${tag}`);
  await context.close();
}

/** The queued run let go: per-image states in the grid, the job's live stage on the Queue page. */
async function whileRunning(browser: Browser, server: ServerProcess, projectId: string) {
  const context = await browser.newContext({ locale: 'en-US', colorScheme: 'light', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, server.loginUrl);
  await page.goto(new URL(`/#/gallery/${projectId}`, server.url).href);
  await expect(page.getByTestId('segment-queue-paused')).toBeVisible();
  await shot(page, 'project-waiting-en-light');
  // A second run from the UI while the first waits: its images show as pending.
  await page.getByTestId('asset-cell').nth(6).click({ modifiers: ['Control'] });
  await page.getByTestId('asset-cell').nth(7).click({ modifiers: ['Control'] });
  await page.keyboard.press('b');
  await page.getByTestId('preset-crop').check();
  await page.getByTestId('segment-start').click();
  await rpc(server, 'queue.resume', {});
  await expect(page.locator('[data-testid="asset-cell"][data-seg-state="running"]').first()).toBeVisible({ timeout: 60_000 });
  await shot(page, 'project-running-en-light');
  await page.goto(new URL('/#/queue', server.url).href);
  await expect(page.locator('[data-testid="job-row"][data-state="running"]').first()).toBeVisible({ timeout: 60_000 });
  await shot(page, 'queue-running-en-light');
  await page.goto(new URL(`/#/gallery/${projectId}`, server.url).href);
  await expect(page.locator('[data-testid="segment-run"][data-state="done"]')).toHaveCount(2, { timeout: 120_000 });
  await shot(page, 'project-done-en-light');
  await context.close();
}

/** Real packaged-goods photos as product frames when the grocery set is here; drawn ones otherwise. */
async function productPictures(count: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  if (existsSync(GROCERY)) {
    for (const kind of (await fs.readdir(GROCERY)).sort()) {
      for (const brand of (await fs.readdir(path.join(GROCERY, kind))).sort()) {
        const d = path.join(GROCERY, kind, brand);
        for (const f of (await fs.readdir(d)).filter((x) => /\.jpe?g$/i.test(x)).sort().slice(0, 2)) out.push(await fs.readFile(path.join(d, f)));
        if (out.length >= count) return out;
      }
    }
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-screens-pictures-'));
  const files = await makeImages(dir, Array.from({ length: count - out.length }, (_, i) => `p${i}.jpg`), { width: 480, height: 480 });
  for (const f of files) out.push(await fs.readFile(f));
  return out;
}

// The catalog's list and one product's page, light/dark × en/tr, on a library of its own (frames are written before its server starts).
test('products screens', async ({ browser }) => {
  assertChromium();
  await fs.mkdir(OUT, { recursive: true });
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-screens-products-'));
  let server: ServerProcess | null = null;
  try {
    const { openEngine } = await import('../src-main/features/index.js');
    const { productsFeature } = await import('../src-main/features/products/public.js');
    const sharp = (await import('sharp')).default;
    const engine = await openEngine({ dataDir, workers: 1 });
    const { catalog } = engine.use(productsFeature);
    const pictures = await productPictures(24);
    const brands = ['Ülker', 'Pınar', 'Eti', 'Torku', 'Sütaş', 'Tat', 'Tamek', 'Dimes'];
    const nouns = ['Çikolatalı Gofret', 'Tam Yağlı Süt', 'Kakaolu Bisküvi', 'Domates Salçası', 'Vişne Suyu', 'Süzme Yoğurt', 'Fındık Ezmesi', 'Ayran'];
    const categories = ['Atıştırmalık', 'Süt Ürünleri', 'Kahvaltılık', 'Konserve', 'İçecek'];
    const statuses = ['pending', 'processing', 'needs_matching', 'ready', 'rejected'] as const;
    let firstId = '';
    for (let i = 0; i < 40; i++) {
      const body = `869${String(1000000 + i * 7919).padStart(9, '0')}`;
      const sum = [...body].reduce((acc, d, j) => acc + Number(d) * (j % 2 === 0 ? 1 : 3), 0);
      const p = catalog.create({
        brandName: brands[i % brands.length]!,
        productName: nouns[(i * 3) % nouns.length]!,
        variant: i % 4 === 0 ? '500 g' : null,
        category: categories[i % categories.length]!,
        claims: i % 3 === 0 ? ['helal', 'glutensiz'] : [],
        nutrition: i === 0 ? [{ name: 'enerji', amount: 512, unit: 'kcal', per: '100 g' }, { name: 'protein', amount: 6.1, unit: 'g', per: '100 g' }] : [],
        barcodes: [body + String((10 - (sum % 10)) % 10)],
        status: statuses[i % statuses.length]!,
      });
      if (i === 0) firstId = p.id;
      if (i % 5 === 4) continue;
      const frames = [];
      for (let f = 0; f < (i === 0 ? 12 : 1 + (i % 4)); f++) {
        const jpeg = await sharp(pictures[(i + f) % pictures.length]!).resize(480, 480, { fit: 'cover' }).jpeg({ quality: 82 }).toBuffer();
        const thumb = await sharp(jpeg).resize(160).webp({ quality: 75 }).toBuffer();
        const [a, b] = [await engine.store.putBuffer(jpeg), await engine.store.putBuffer(thumb)];
        frames.push({ type: 'synthetic' as const, sha256: a.sha256, format: 'jpeg', width: 480, height: 480, bytes: a.bytes, thumbSha256: b.sha256, source: { kind: 'video' as const, id: null }, frameIndex: f * 15 });
      }
      catalog.addImages(p.id, frames, { primaryIndex: 0 });
    }
    await engine.close();
    server = await startServerProcess(dataDir);
    for (const locale of ['en-US', 'tr-TR']) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const tag = `${locale.slice(0, 2)}-${colorScheme}`;
        const context = await browser.newContext({ locale, colorScheme, viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await signIn(page, server.loginUrl);
        await page.goto(new URL('/#/products', page.url()).href);
        await expect(page.getByTestId('product-count')).toHaveAttribute('data-total', '40');
        await expect.poll(() => page.getByTestId('product-row').first().locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
        await page.getByTestId('product-row-check').nth(1).click();
        await page.getByTestId('product-row-check').nth(2).click();
        await shot(page, `products-${tag}`);
        await page.goto(new URL(`/#/products/${firstId}`, page.url()).href);
        await expect(page.getByTestId('product-form')).toBeVisible();
        await shot(page, `product-${tag}`);
        await page.getByTestId('product-tab-synthetic').click();
        await expect(page.getByTestId('product-image')).toHaveCount(12);
        await shot(page, `product-frames-${tag}`);
        await context.close();
      }
    }
  } finally {
    await server?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

/**
 * The gallery's new screens (issue 9): the Remove background dialog with its options, live
 * preview and upscale warning; the Needs review banner; the viewer explaining a result that
 * needs review, and zoomed to 1:1. Run alone with `-g "gallery screens"`.
 */
test('gallery screens', async ({ browser }) => {
  assertChromium();
  await fs.mkdir(OUT, { recursive: true });
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-gallery-screens-'));
  const server = await startServerProcess(dataDir);
  try {
    const folder = path.join(dataDir, 'in', 'Raf Çekimi');
    await photos(folder, 5);
    // An empty shelf: the model finds nothing, so its result needs review.
    const sharp = (await import('sharp')).default;
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#eeeeea' } })
      .jpeg()
      .toFile(path.join(folder, 'zz boş raf.jpg'));
    // Imported the user's way (a local-path import.start is refused over HTTP).
    const setup = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const setupPage = await setup.newPage();
    await signIn(setupPage, server.loginUrl);
    await dropPaths(setupPage, [folder]);
    await waitForImport(setupPage, 'Raf Çekimi');
    await expect(setupPage.getByTestId('project-title')).toHaveText('Raf Çekimi');
    const projectId = /#\/\w+\/([0-9a-f-]{36})$/.exec(setupPage.url())![1]!;
    await setup.close();
    const run = await rpc<{ runId: string }>(server, 'remove-background.run', { projectId, options: { preset: 'white' } });
    await until(() => rpc<{ state: string }>(server, 'remove-background.get', { runId: run.runId }), (r) => r.state === 'done');

    for (const locale of ['en-US', 'tr-TR']) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const tag = `${locale.slice(0, 2)}-${colorScheme}`;
        const context = await browser.newContext({ locale, colorScheme, viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await signIn(page, server.loginUrl);
        // The session lives on the host the sign-in moved to.
        await page.goto(new URL(`/#/gallery/${projectId}`, page.url()).href);
        await expect(page.getByTestId('review-banner')).toBeVisible();
        await shot(page, `gallery-review-${tag}`);

        await page.getByTestId('asset-cell').first().click({ modifiers: ['Control'] });
        await page.keyboard.press('b');
        const dialog = page.getByTestId('segment-dialog');
        await dialog.getByTestId('preset-square').check();
        await dialog.getByTestId('opt-canvas-mode').selectOption('fixed');
        await dialog.getByTestId('opt-canvas').fill('3000');
        await expect(dialog.getByTestId('segment-preview')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
        await expect(dialog.getByTestId('segment-upscale-warning')).toBeVisible();
        await shot(page, `segment-options-${tag}`);
        await page.keyboard.press('Escape');
        await page.keyboard.press('Escape');

        await page.locator('[data-testid="asset-cell"][data-review="needs_review"]').first().click();
        await expect(page.getByTestId('review-note')).toBeVisible();
        await shot(page, `viewer-review-${tag}`);
        await page.keyboard.press('ArrowLeft');
        await page.getByTestId('compare-toggle').uncheck();
        await page.getByTestId('lightbox-zoom-1to1').click();
        await expect.poll(() => page.getByTestId('compare-result').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
        await shot(page, `viewer-zoom-${tag}`);
        await context.close();
      }
    }
  } finally {
    await server.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});
