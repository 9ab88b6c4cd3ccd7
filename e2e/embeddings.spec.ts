/**
 * The Embeddings page's dataset scope: the address #/embeddings?scope=dataset:<id> (the
 * Datasets page's "Extract embeddings") preselects the dataset in the Extract form, and
 * extracting it makes an index named after the dataset, holding its products' images, with
 * the real engine and offline embedder on a real grocery photo. Screenshots in light, dark
 * and Turkish for the eye. The Models page's embedders: the catalog (installable or fetch it
 * yourself) and a user's own encoder imported by upload, then offered for extraction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ElemType, OnnxGraphBuilder } from '../src-main/features/embeddings/onnx-builder.js';
import { dropPaths, expect, test, waitForImport, pageRpc as rpc } from './support/fixtures.js';

const grocery = path.resolve(import.meta.dirname, '..', '..', 'shared', 'datasets', 'grocery-store');
const missing = fs.existsSync(path.join(grocery, 'val.txt')) ? null : `${grocery} is absent (the grocery-store photos live in ../shared beside the checkout)`;

test('a dataset preselected from the address is extracted into an index named after it', async ({ app: page, workDir }, testInfo) => {
  test.skip(missing !== null, missing ?? '');
  // The first use builds the offline embedder from its npm package (tens of seconds on two cores).
  test.setTimeout(240_000);
  const val = fs.readFileSync(path.join(grocery, 'val.txt'), 'utf8').split('\n').map((l) => l.split(',')[0]!.trim());
  const folder = path.join(workDir, 'Oat milk photos');
  fs.mkdirSync(folder, { recursive: true });
  for (const f of val.filter((x) => x.includes('/Oatly-Oat-Milk/')).slice(0, 2)) fs.copyFileSync(path.join(grocery, f), path.join(folder, path.basename(f)));
  await dropPaths(page, [folder]);
  await waitForImport(page, 'Oat milk photos');
  const projectId = (await rpc<{ id: string; name: string }[]>(page, 'projects.list')).find((p) => p.name === 'Oat milk photos')!.id;
  const assets = await rpc<{ items: { id: string }[] }>(page, 'assets.list', { projectId });

  // A product whose two photos are approved (its real images), in a dataset of its own.
  const product = await rpc<{ id: string }>(page, 'products.create', { brandName: 'Oatly', productName: 'Oat milk', status: 'needs_matching' });
  const lock = await rpc<{ token: string }>(page, 'matching.lock', { productId: product.id, holder: 'e2e' });
  await rpc(page, 'matching.decide', { productId: product.id, token: lock.token, decision: 'approve', assets: assets.items.map((a) => ({ assetId: a.id })), decider: 'e2e' });
  await rpc(page, 'matching.releaseLock', { productId: product.id, token: lock.token });
  const dataset = await rpc<{ id: string }>(page, 'datasets.create', { name: 'Oat set', from: { ids: [product.id] } });

  await page.evaluate((hash) => (window.location.hash = hash), `#/embeddings?scope=dataset:${dataset.id}`);
  await expect(page.getByTestId('page-embeddings')).toBeVisible();
  await expect(page.getByTestId('emb-scope')).toHaveValue(`dataset:${dataset.id}`);
  await expect(page.getByTestId('emb-scope').locator('option:checked')).toHaveText('Oat set (1 product)');
  await page.getByTestId('emb-start').click();
  const row = page.getByTestId('emb-index').filter({ hasText: 'Oat set' });
  await expect(row).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
  await expect(row).toHaveAttribute('data-vectors', '2');
  await expect(row).toContainText('Dataset “Oat set”');
  // Asked again, the same scope now adds to that index rather than naming a new one.
  await expect(page.getByTestId('emb-existing-index')).toContainText('Oat set');

  await page.screenshot({ path: testInfo.outputPath('embeddings-dataset-light.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: testInfo.outputPath('embeddings-dataset-dark.png') });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('tr');
  try {
    await page.evaluate((hash) => (window.location.hash = hash), `#/embeddings?scope=dataset:${dataset.id}`);
    await expect(page.getByTestId('page-embeddings').getByTestId('emb-index').filter({ hasText: 'Oat set' })).toContainText('“Oat set” veri kümesi');
    await page.screenshot({ path: testInfo.outputPath('embeddings-dataset-tr-dark.png') });
  } finally {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-language').selectOption('en');
    await page.emulateMedia({ colorScheme: 'light' });
  }
});

test('the Models page lists the catalog embedders and imports your own embedder .onnx, which extraction then offers', async ({ app: page, workDir }, testInfo) => {
  await page.getByTestId('nav-models').click();
  const section = page.locator('[data-testid="model-task"][data-task="embedding"]');
  await expect(section.getByRole('heading', { level: 2 })).toHaveText('Image embedding (similarity, matching)');
  // Pinned sha256: downloadable here where there is internet; no verified checksum: fetch it yourself.
  await expect(section.locator('[data-testid="model-row"][data-model-id="dinov2-vits14"]')).toHaveAttribute('data-status', 'available');
  await expect(section.locator('[data-testid="model-row"][data-model-id="dinov2-vits14"]').getByTestId('model-install')).toBeVisible();
  await expect(section.locator('[data-testid="model-row"][data-model-id="efficientnet-lite4"]')).toHaveAttribute('data-status', 'manual');
  await expect(section.getByTestId('model-set-default')).toHaveCount(0);

  // A user's own encoder: one image input, a [N, 9] vector out (built here, a real ONNX graph).
  const b = new OnnxGraphBuilder('my-encoder');
  const x = b.input('pixel_values', ElemType.FLOAT, ['n', 3, 32, 32]);
  const stats = ['ReduceMean', 'ReduceMax', 'ReduceMin'].map((op) => b.op(op, [x], { axes: [2, 3], keepdims: 0 }));
  b.output(b.op('Concat', stats, { axis: 1 }, 'embeds'), ElemType.FLOAT, ['n', 9]);
  const file = path.join(workDir, 'kendi kodlayıcım.onnx');
  fs.writeFileSync(file, b.encode());
  const form = page.getByTestId('model-import');
  await form.getByTestId('model-import-file').setInputFiles(file);
  await form.locator('select').selectOption('embedding');
  await form.locator('input[type="text"]').fill('My encoder');
  await form.getByTestId('model-import-submit').click();
  const imported = section.locator('[data-testid="model-row"][data-model-id^="user-"]');
  await expect(imported).toHaveCount(1, { timeout: 60_000 });
  await expect(imported).toHaveAttribute('data-status', 'ready');
  await expect(form.getByTestId('model-import-error')).toHaveCount(0);
  await imported.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('models-embedding.png'), fullPage: true });

  await page.getByTestId('nav-embeddings').click();
  await expect(page.getByTestId('emb-model').locator('option', { hasText: 'My encoder' })).toBeEnabled();

  await page.getByTestId('nav-models').click();
  await imported.getByTestId('model-delete').click();
  await page.getByTestId('confirm-dialog').getByTestId('confirm-ok').click();
  await expect(imported).toHaveCount(0);
});
