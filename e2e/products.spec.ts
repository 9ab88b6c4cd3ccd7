/**
 * The products catalog through the UI, in web mode, against the real engine: the list's
 * search, filters, sort and tri-state selection with bulk status and delete + Undo; an
 * edit refused as stale in a second window (and the form reloading with the user's
 * changes kept); a CSV exported from the list and imported back (nothing changes); a
 * product's frames on its Synthetic tab (made in the engine before its server starts).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { openEngine } from '../src-main/features/index.js';
import { productsFeature } from '../src-main/features/products/public.js';
import { startDesktop } from './support/desktop.js';
import { startServerProcess, type ServerProcess } from './support/server.js';
import { expect, signIn, test, pageRpc as rpc } from './support/fixtures.js';

interface Product {
  id: string;
  brandName: string;
  productName: string;
  status: string;
  version: number;
  barcode: string | null;
}


/** An EAN-13 with a valid check digit, from 12 digits. */
function ean13(body: string): string {
  const sum = [...body].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return body + String((10 - (sum % 10)) % 10);
}

/** A token no other test's products contain, so searches see only this test's rows. */
function runToken(): string {
  return `Zq${Date.now().toString(36)}`;
}

async function makeProducts(page: Page, brand: string, n: number, prefix: string): Promise<Product[]> {
  const out: Product[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await rpc<Product>(page, 'products.create', {
        brandName: brand,
        productName: `Zeytin ${String(i + 1).padStart(2, '0')}`,
        category: i % 3 === 0 ? `${brand} Kahvaltılık` : `${brand} Atıştırmalık`,
        barcodes: [ean13(`${prefix}${String(i).padStart(12 - prefix.length, '0')}`)],
      }),
    );
  }
  return out;
}

async function openProducts(page: Page): Promise<void> {
  await page.getByTestId('nav-products').click();
  await expect(page.getByTestId('page-products')).toBeVisible();
}

async function search(page: Page, text: string): Promise<void> {
  await page.getByTestId('product-search').fill(text);
  await expect(page.getByTestId('product-table')).toHaveAttribute('data-query', text);
  await expect(page.getByTestId('product-table')).toHaveAttribute('data-loading', 'false');
}

test('list: search, filter, sort, select all but one, change their status, delete and undo', async ({ app: page }) => {
  const brand = runToken();
  const prefix = String(200 + (Date.now() % 700)).padStart(3, '0');
  const made = await makeProducts(page, brand, 24, prefix);
  // Four move on to needs_matching before the page opens.
  await rpc(page, 'products.setStatus', { selection: { ids: made.slice(0, 4).map((p) => p.id) }, status: 'needs_matching' });

  await openProducts(page);
  // `/` focuses this page's search, and stays on the page (the library's `/` once took it to the Gallery).
  await page.getByTestId('page-products').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  await expect(page.getByTestId('product-search')).toBeFocused();
  expect(page.url()).toContain('#/products');
  await search(page, brand);
  await expect(page.getByTestId('product-count')).toHaveAttribute('data-total', '24');
  await expect(page.getByTestId('product-count')).toHaveText('24 products');
  await expect(page.getByTestId('product-row').first().getByTestId('product-row-name')).toHaveText('Zeytin 01');

  // A barcode prefix finds its product.
  await search(page, made[7]!.barcode!.slice(0, 12));
  await expect(page.getByTestId('product-count')).toHaveAttribute('data-total', '1');
  await expect(page.getByTestId('product-row-barcode')).toHaveText(made[7]!.barcode!);
  await search(page, brand);

  // Status chip and category, then both cleared.
  await page.getByTestId('product-filter-needs_matching').click();
  await expect(page.getByTestId('product-count')).toHaveAttribute('data-total', '4');
  await page.getByTestId('product-filter-needs_matching').click();
  await page.getByTestId('product-category').selectOption(`${brand} Kahvaltılık`);
  await expect(page.getByTestId('product-count')).toHaveAttribute('data-total', '8');
  await page.getByTestId('product-category').selectOption('');
  await expect(page.getByTestId('product-count')).toHaveAttribute('data-total', '24');

  // Sort by name, descending.
  await page.getByTestId('product-sort-name').click();
  await expect(page.getByTestId('product-row').first().getByTestId('product-row-name')).toHaveText('Zeytin 24');
  await page.getByTestId('product-sort-name').click();
  await expect(page.getByTestId('product-row').first().getByTestId('product-row-name')).toHaveText('Zeytin 01');

  // Select all in the view, then untick one: 23 of 24, the header mixed.
  await page.getByTestId('product-select-all').check();
  await expect(page.getByTestId('product-selected-count')).toHaveAttribute('data-count', '24');
  const spared = page.getByTestId('product-row').nth(2);
  const sparedId = await spared.getAttribute('data-product-id');
  await spared.getByTestId('product-row-check').click();
  await expect(page.getByTestId('product-selected-count')).toHaveAttribute('data-count', '23');
  await expect(page.getByTestId('product-select-all')).toHaveAttribute('data-state', 'some');

  await page.getByTestId('product-set-status').selectOption('rejected');
  await expect(page.locator('[data-testid="toast"][data-tag="product-status"]')).toContainText('23 products are now Rejected');
  const rejected = await rpc<{ total: number; items: Product[] }>(page, 'products.list', { query: brand, status: ['rejected'], limit: 100 });
  expect(rejected.total).toBe(23);
  expect(rejected.items.map((p) => p.id)).not.toContain(sparedId);

  // Delete everything shown (with confirmation), then Undo.
  await page.getByTestId('product-select-all').check();
  await page.getByTestId('product-delete').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('Delete 24 products?');
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('product-undo')).toHaveAttribute('data-count', '24');
  await expect(page.getByTestId('product-empty')).toBeVisible();
  expect((await rpc<{ total: number }>(page, 'products.list', { query: brand })).total).toBe(0);
  // The focus lands on the list (not lost to the page), and Ctrl+Z undoes the delete.
  await expect(page.getByTestId('product-table-scroll')).toBeFocused();
  await page.keyboard.press('Control+z');
  await expect(page.locator('[data-testid="toast"][data-tag="product-restored"]')).toContainText('24 products restored');
  await expect(page.getByTestId('product-count')).toHaveAttribute('data-total', '24');

  // Keyboard: arrows move, Enter opens the product.
  await page.getByTestId('product-table-scroll').focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('page-product')).toBeVisible();
  await expect(page.getByTestId('product-title')).toHaveText(`${brand} Zeytin 02`);
});

test('at 1024×700 the list keeps its frames and row menu in view (category and created give way)', async ({ app: page }) => {
  const brand = runToken();
  await makeProducts(page, brand, 2, '87');
  await page.setViewportSize({ width: 1024, height: 700 });
  await openProducts(page);
  await search(page, brand);
  const menu = page.getByTestId('product-row-menu').first();
  await expect(menu).toBeVisible();
  const box = (await menu.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(1024);
  await expect(page.getByTestId('product-row-frames').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('products-1024.png') });
});

test('leaving a product with unsaved changes asks first: Stay keeps the edit, Leave goes', async ({ app: page }) => {
  const brand = runToken();
  const [product] = await makeProducts(page, brand, 1, '86');
  await page.goto(new URL(`#/products/${product!.id}`, page.url()).href);
  await page.getByTestId('product-field-netQuantity').fill('1 kg');
  await expect(page.getByTestId('product-form')).toHaveAttribute('data-dirty', 'true');
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await page.getByTestId('product-back').click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toBe('This product has unsaved changes. Leave without saving them?');
  await expect(page.getByTestId('page-product')).toBeVisible();
  await expect(page.getByTestId('product-field-netQuantity')).toHaveValue('1 kg');
  expect(page.url()).toContain(product!.id);
  // The nav asks too; Leave goes, and nothing was saved.
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('nav-products').click();
  await expect(page.getByTestId('page-products')).toBeVisible();
  expect(((await rpc(page, 'products.get', { id: product!.id })) as { netQuantity: string | null }).netQuantity).toBeNull();
  // With nothing unsaved, leaving asks nothing.
  await page.goto(new URL(`#/products/${product!.id}`, page.url()).href);
  await expect(page.getByTestId('product-form')).toHaveAttribute('data-dirty', 'false');
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await page.getByTestId('product-back').click();
  await expect(page.getByTestId('page-products')).toBeVisible();
  expect(asked).toHaveLength(1);
});

test('an edit saved in another window first: this one is refused, reloads, and keeps its changes to apply again', async ({ app: pageA }) => {
  const brand = runToken();
  const [product] = await makeProducts(pageA, brand, 1, '7');
  const pageB = await pageA.context().newPage();
  await pageB.goto(pageA.url());
  for (const page of [pageA, pageB]) {
    await page.goto(new URL(`#/products/${product!.id}`, pageA.url()).href);
    await expect(page.getByTestId('product-form')).toHaveAttribute('data-version', String(product!.version));
  }
  await pageB.getByTestId('product-field-netQuantity').fill('750 g');

  await pageA.getByTestId('product-field-productName').fill('Zeytin Sele');
  await pageA.getByTestId('product-save').click();
  await expect(pageA.locator('[data-testid="toast"][data-tag="product-saved"]')).toBeVisible();

  await pageB.getByTestId('product-save').click();
  await expect(pageB.getByTestId('product-conflict')).toContainText('changed elsewhere');
  // Reloaded with the other window's save; the user's change waits in the note.
  await expect(pageB.getByTestId('product-field-productName')).toHaveValue('Zeytin Sele');
  await expect(pageB.getByTestId('product-field-netQuantity')).toHaveValue('');
  await expect(pageB.getByTestId('product-conflict-mine')).toContainText('750 g');
  await pageB.getByTestId('product-conflict-reapply').click();
  await expect(pageB.getByTestId('product-field-netQuantity')).toHaveValue('750 g');
  await pageB.getByTestId('product-save').click();
  await expect(pageB.locator('[data-testid="toast"][data-tag="product-saved"]')).toBeVisible();
  const saved = await rpc<Product & { netQuantity: string }>(pageB, 'products.get', { id: product!.id });
  expect([saved.productName, saved.netQuantity, saved.version]).toEqual(['Zeytin Sele', '750 g', product!.version + 2]);
  await pageB.close();
});

test('CSV round trip: the list’s export imported back changes nothing', async ({ app: page, workDir }) => {
  const brand = runToken();
  await makeProducts(page, brand, 12, '6');
  await openProducts(page);
  await search(page, brand);
  await page.getByTestId('product-select-all').check();
  await page.getByTestId('product-download').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('product-download-csv').click()]);
  const file = path.join(workDir, 'catalog.csv');
  await download.saveAs(file);
  const text = await fs.readFile(file, 'utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff); // Excel reads UTF-8 by its BOM
  expect(text.slice(1).split(/\r?\n/)[0]).toMatch(/^id,barcode,brand_name,product_name,category,status,frame_count,created_at/);
  expect(text.trim().split(/\r?\n/)).toHaveLength(13);

  await page.getByTestId('product-import').click();
  await page.getByTestId('product-import-file').setInputFiles(file);
  await expect(page.getByTestId('product-import-dry')).toHaveAttribute('data-rows', '12');
  await expect(page.locator('[data-testid="product-import-map"][data-column="brand_name"]')).toHaveValue('brandName');
  await page.getByTestId('product-import-run').click();
  const report = page.getByTestId('product-import-report');
  await expect(report).toHaveAttribute('data-unchanged', '12');
  await expect(report).toHaveAttribute('data-created', '0');
  await expect(report).toHaveAttribute('data-updated', '0');
  await expect(report).toHaveAttribute('data-refused', '0');
  await page.getByTestId('product-import-done').click();
  await expect(page.getByTestId('product-count')).toHaveAttribute('data-total', '12');
});

// This test runs its own engine: frames are written into the library before its server starts (as a processed video leaves them).
test('a product’s Synthetic tab shows its frames, and one opens with its cut-out', async ({ page }) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-e2e-products-'));
  let server: ServerProcess | null = null;
  try {
    const engine = await openEngine({ dataDir, workers: 1 });
    const { catalog } = engine.use(productsFeature);
    const product = catalog.create({ brandName: 'Ülker', productName: 'Çikolatalı Gofret', barcodes: [ean13('869050000001')] });
    const frames = [];
    for (let i = 0; i < 6; i++) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320"><rect width="100%" height="100%" fill="hsl(${i * 50},30%,90%)"/><rect x="110" y="40" width="100" height="240" rx="16" fill="hsl(${i * 50},65%,40%)"/></svg>`;
      const jpeg = await sharp(Buffer.from(svg)).jpeg().toBuffer();
      const cutout = await sharp(Buffer.from(svg.replace(/<rect width="100%"[^>]*\/>/, ''))).png().toBuffer();
      const thumb = await sharp(jpeg).resize(160).webp().toBuffer();
      const [a, b, c] = [await engine.store.putBuffer(jpeg), await engine.store.putBuffer(thumb), await engine.store.putBuffer(cutout)];
      frames.push({ type: 'synthetic' as const, sha256: a.sha256, format: 'jpeg', width: 320, height: 320, bytes: a.bytes, thumbSha256: b.sha256, cutoutSha256: c.sha256, source: { kind: 'video' as const, id: null }, frameIndex: i * 10 });
    }
    catalog.addImages(product.id, frames, { primaryIndex: 0 });
    await engine.close();

    server = await startServerProcess(dataDir);
    await signIn(page, server.loginUrl);
    await page.goto(new URL(`#/products/${product.id}`, page.url()).href);
    await expect(page.getByTestId('product-title')).toHaveText('Ülker Çikolatalı Gofret');
    await expect(page.getByTestId('product-frame-count')).toHaveAttribute('data-count', '6');
    await expect(page.getByTestId('product-tab-synthetic')).toHaveText('Synthetic (6)');
    await page.getByTestId('product-tab-synthetic').click();
    await expect(page.getByTestId('product-image')).toHaveCount(6);
    await expect.poll(() => page.getByTestId('product-image').first().locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(160);
    await page.getByTestId('product-image').nth(2).click();
    await expect(page.getByTestId('product-image-viewer')).toContainText('Frame 20');
    await expect.poll(() => page.getByTestId('product-viewer-cutout').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
    // The list shows the product with its frame count and its first frame as thumbnail.
    await page.getByTestId('product-image-viewer').press('Escape');
    await page.getByTestId('product-back').click();
    const row = page.locator(`[data-testid="product-row"][data-product-id="${product.id}"]`);
    await expect(row.getByTestId('product-row-frames')).toHaveText('6');
    await expect.poll(() => row.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(160);
  } finally {
    await server?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test('desktop: Download ZIP asks where to save, the engine writes there, Show in folder reveals it; a cancelled dialog writes nothing', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const root = testInfo.outputPath('desktop');
  await fs.mkdir(root, { recursive: true });
  const desktop = await startDesktop(root);
  try {
    await desktop.call<Product>('products.create', { barcodes: ['8690504050018'], brandName: 'Ülker', productName: 'Gofret' });
    await desktop.call<Product>('products.create', { barcodes: ['5449000131805'], brandName: 'Coca-Cola', productName: 'Zero' });
    await desktop.open(page);
    await openProducts(page);
    await page.getByTestId('product-select-all').check();
    await page.getByTestId('product-download').click();
    // The desktop has no download link: it asks where to save.
    await expect(page.locator('a[data-testid="product-download-zip"]')).toHaveCount(0);
    const zip = path.join(root, 'Dışa aktarım.zip');
    await desktop.answerDialogs(zip);
    await page.getByTestId('product-download-zip').click();
    await expect(page.getByTestId('product-saved')).toContainText('2 products saved to Dışa aktarım.zip');
    const bytes = await fs.readFile(zip);
    expect(bytes.subarray(0, 4).toString('binary')).toBe('PK\x03\x04');
    expect(bytes.includes(Buffer.from('8690504050018/metadata.json'))).toBe(true);
    const asked = (await desktop.record()).filter((r) => r.what === 'showSaveDialog').at(-1) as unknown as { options: { defaultPath: string } };
    expect(path.basename(asked.options.defaultPath)).toMatch(/^products-\d{4}-\d{2}-\d{2}\.zip$/);
    await page.getByTestId('product-saved-reveal').click();
    await expect.poll(async () => (await desktop.record()).filter((r) => r.what === 'showItemInFolder').map((r) => r.path)).toContain(zip);

    // Cancelling the dialog writes nothing and says nothing.
    await desktop.answerDialogs(null);
    await page.getByTestId('product-download').click();
    await page.getByTestId('product-download-csv').click();
    await expect(page.locator('[data-testid="toast"][data-kind="error"]')).toHaveCount(0);
    expect((await fs.readdir(root)).filter((f) => f.endsWith('.csv'))).toEqual([]);
  } finally {
    await desktop.stop();
  }
});
