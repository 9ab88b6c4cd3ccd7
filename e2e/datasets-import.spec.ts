/**
 * Datasets in web mode, the parts issue 12 closed last: a ZIP of the export layout
 * uploaded and imported from the list page (progress, summary with products created and
 * files refused with reasons); the dataset's actions (Extract embeddings opens the
 * Embeddings page with the dataset preselected; export downloads the ZIP; the run dialog
 * says background folders are desktop-only and offers "retry failed"); the product's
 * Augmented tab filtered by dataset with counts; deleting the dataset takes its augmented
 * images and Undo brings them back. Screens in light/en and dark/tr for a look.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import yazl from 'yazl';
import type { Browser } from '@playwright/test';
import { expect, signIn, test, pageRpc as rpc } from './support/fixtures.js';

async function exportZip(file: string, code: string): Promise<void> {
  const frame = await sharp({ create: { width: 240, height: 320, channels: 3, background: { r: 200, g: 60, b: 40 } } }).png().toBuffer();
  const aug = (g: number) => sharp({ create: { width: 384, height: 384, channels: 3, background: { r: 90, g, b: 160 } } }).jpeg().toBuffer();
  const zip = new yazl.ZipFile();
  zip.addBuffer(frame, `train/${code}/frame_0000.png`, { compress: false });
  zip.addBuffer(await aug(80), `train/${code}/syn_frame_0000_000.jpg`, { compress: false });
  zip.addBuffer(await aug(180), `train/${code}/syn_frame_0000_001.jpg`, { compress: false });
  zip.addBuffer(Buffer.from('notes'), `train/${code}/notes.txt`);
  zip.addBuffer(Buffer.from(JSON.stringify({ name: 'ignored: the dialog names it' })), 'dataset.json');
  zip.end();
  const out = (await fs.open(file, 'w')).createWriteStream();
  await new Promise<void>((resolve, reject) => zip.outputStream.pipe(out).on('finish', resolve).on('error', reject));
}

test('datasets: import a ZIP, the dataset actions, the Augmented tab by dataset, delete takes its images and undo restores them', async ({ app: page, workDir, server, browser }) => {
  test.setTimeout(90_000);
  const tag = String(Date.now()).slice(-6);
  const code = `28${tag}00001`;
  const zipPath = path.join(workDir, `Imported ${tag}.zip`);
  await exportZip(zipPath, code);

  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('dataset-import').click();
  const dialog = page.getByTestId('dataset-import-dialog');
  await dialog.getByTestId('dataset-import-name').fill(`Imported ${tag}`);
  // Choose ZIP… is reached from the name with Tab, and opens the file chooser from the keyboard.
  await page.keyboard.press('Tab');
  await expect(dialog.getByTestId('dataset-import-pick')).toBeFocused();
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Enter');
  await (await chooser).setFiles(zipPath);
  await expect(dialog.getByTestId('dataset-import-summary')).toBeVisible();
  await expect(dialog.getByTestId('dataset-import-products')).toHaveText('Products: 1 created, 0 found in the catalog');
  await expect(dialog.getByText('Images: 1 frames, 0 real photos, 2 augmented')).toBeVisible();
  await expect(dialog.getByTestId('dataset-import-refused')).toHaveText('1 file refused');
  await expect(dialog.getByText(/notes\.txt/)).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('dataset-import-en-light.png') });
  await dialog.getByTestId('dataset-import-open').click();

  await expect(page.getByTestId('dataset-title')).toHaveText(`Imported ${tag}`);
  await expect(page.getByTestId('dataset-product-counts')).toHaveText('1 / 0 / 2');
  const datasetId = page.url().split('/').at(-1)!;
  await expect(page.getByTestId('dataset-embed')).toHaveAttribute('href', `#/embeddings?scope=dataset:${datasetId}`);
  await expect(page.getByTestId('dataset-export')).toHaveAttribute('href', /dataset-export/);
  await page.getByTestId('augment-open').click();
  await expect(page.getByTestId('augment-backgrounds-web')).toContainText('desktop app');
  await expect(page.getByTestId('augment-retry-failed')).not.toBeChecked();
  await page.screenshot({ path: test.info().outputPath('augment-dialog-en-light.png') });
  await page.getByTestId('augment-dialog').getByRole('button', { name: 'Cancel' }).click();

  // The product's Augmented tab: a select of the datasets with its augmented images, with counts.
  const product = (await rpc(page, 'products.byBarcode', { code })) as { id: string };
  const other = (await rpc(page, 'datasets.create', { name: `Other ${tag}`, from: { ids: [product.id] } })) as { id: string };
  await page.goto(new URL(`#/products/${product.id}`, page.url()).href);
  await page.getByTestId('product-tab-augmented').click();
  const select = page.getByTestId('product-augmented-dataset');
  await expect(select.locator('option')).toHaveText(['All datasets (2)', `Imported ${tag} (2)`]);
  await expect(page.getByTestId('product-augmented-image')).toHaveCount(2);
  await select.selectOption(datasetId);
  await expect(page.getByTestId('product-augmented-images')).toHaveAttribute('data-total', '2');
  await page.getByTestId('product-augmented-image').first().click();
  await expect(page.getByTestId('product-augmented-viewer')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('product-augmented-en-light.png') });
  await page.keyboard.press('Escape');
  expect(other.id).not.toBe(datasetId);

  // Delete from the list: the augmented images go with it; Undo brings them back.
  await page.getByTestId('nav-datasets').click();
  const card = page.locator(`[data-testid="dataset-card"][data-name="Imported ${tag}"]`);
  await card.getByTestId('dataset-delete').click();
  await page.getByTestId('confirm-ok').click();
  await expect(card).toHaveCount(0);
  await expect.poll(async () => ((await rpc(page, 'products.get', { id: product.id })) as { counts: { augmented: number } }).counts.augmented).toBe(0);
  await page.getByTestId('dataset-undo').click();
  await expect(card).toHaveCount(1);
  await expect.poll(async () => ((await rpc(page, 'products.get', { id: product.id })) as { counts: { augmented: number } }).counts.augmented).toBe(2);

  // The same ZIP again, into the same library: its product is found, its frame joined, not copied twice.
  await page.getByTestId('dataset-import').click();
  await dialog.getByTestId('dataset-import-name').fill(`Again ${tag}`);
  await dialog.getByTestId('dataset-import-file').setInputFiles(zipPath);
  await expect(dialog.getByTestId('dataset-import-products')).toHaveText('Products: 0 created, 1 found in the catalog');
  await expect(dialog.getByTestId('dataset-import-already-held')).toHaveText(/^\d+ images? (was|were) in the catalog already: joined, not added twice$/);
  await dialog.getByRole('button', { name: 'Close' }).click();
  expect(((await rpc(page, 'products.get', { id: product.id })) as { counts: { synthetic: number } }).counts.synthetic).toBe(1);

  await darkTurkish(browser, server.loginUrl, product.id, datasetId);
});

/** The same screens in dark and Turkish, to look at. */
async function darkTurkish(browser: Browser, loginUrl: string, productId: string, datasetId: string): Promise<void> {
  const context = await browser.newContext({ locale: 'tr-TR', colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  try {
    await signIn(page, loginUrl);
    await page.goto(new URL('#/datasets', page.url()).href);
    await page.getByTestId('dataset-import').click();
    await expect(page.getByTestId('dataset-import-dialog')).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('dataset-import-tr-dark.png') });
    await page.keyboard.press('Escape');
    await page.goto(new URL(`#/datasets/${datasetId}`, page.url()).href);
    await page.getByTestId('augment-open').click();
    await expect(page.getByTestId('augment-backgrounds-web')).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('augment-dialog-tr-dark.png') });
    await page.keyboard.press('Escape');
    await page.goto(new URL(`#/products/${productId}`, page.url()).href);
    await page.getByTestId('product-tab-augmented').click();
    await expect(page.getByTestId('product-augmented-image').first()).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('product-augmented-tr-dark.png') });
  } finally {
    await context.close();
  }
}

test('datasets: a new dataset from the catalog’s current filter (all but one), and selected products added to it', async ({ app: page }) => {
  const tag = String(Date.now()).slice(-6);
  const brand = `DF${tag}`;
  for (let i = 0; i < 6; i++) await rpc(page, 'products.create', { barcodes: [`27${tag}${String(i).padStart(5, '0')}`], allowInvalidCheckDigit: true, brandName: brand, productName: `Kutu ${i}` });
  await page.getByTestId('nav-products').click();
  await page.getByTestId('product-search').fill(brand);
  await expect(page.getByTestId('product-table')).toHaveAttribute('data-query', brand);
  await expect(page.getByTestId('product-table')).toHaveAttribute('data-loading', 'false');
  // The filter, minus one product: sent as { filter, except }, resolved by the engine.
  await page.getByTestId('product-select-all').check();
  const spared = page.getByTestId('product-row').nth(1);
  const sparedId = (await spared.getAttribute('data-product-id'))!;
  await spared.getByTestId('product-row-check').click();
  await expect(page.getByTestId('product-selected-count')).toHaveAttribute('data-count', '5');
  await page.getByTestId('product-bulk-add-to-dataset').click();
  const dialog = page.getByTestId('add-to-dataset-dialog');
  await dialog.getByTestId('add-to-dataset-name').fill(`Filtered ${tag}`);
  await dialog.getByTestId('add-to-dataset-confirm').click();
  await expect(dialog).toHaveCount(0);
  const datasets = (await rpc(page, 'datasets.list', {})) as { id: string; name: string; productCount: number; version: number }[];
  const made = datasets.find((d) => d.name === `Filtered ${tag}`)!;
  expect(made.productCount).toBe(5);
  const members = (await rpc(page, 'datasets.products', { id: made.id })) as { productId: string }[];
  expect(members.map((m) => m.productId)).not.toContain(sparedId);

  // The spared one, selected by hand, into the existing dataset.
  await page.getByTestId('product-select-all').uncheck();
  await page.locator(`[data-testid="product-row"][data-product-id="${sparedId}"]`).getByTestId('product-row-check').click();
  await page.getByTestId('product-bulk-add-to-dataset').click();
  await dialog.getByTestId('add-to-dataset-target').selectOption(made.id);
  await dialog.getByTestId('add-to-dataset-confirm').click();
  await page.getByTestId('nav-datasets').click();
  await expect(page.locator(`[data-testid="dataset-card"][data-name="Filtered ${tag}"]`).getByTestId('dataset-card-count')).toHaveText('6 products');
});
