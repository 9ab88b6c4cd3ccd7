/**
 * The Training page in web mode: a small dataset (a ZIP in the export layout, uploaded and
 * imported through the contract), a refused start on an empty dataset with its reason, a
 * short run started from the page whose charts gain a point per epoch, the model it made
 * in Models, Set as active. Screens in light/en, dark/en and dark/tr for a person to look at.
 */
import sharp from 'sharp';
import yazl from 'yazl';
import type { Browser, Page } from '@playwright/test';
import { expect, signIn, test, pageRpc as rpc } from './support/fixtures.js';

/** A product's picture: its own hue and shape, varied a little per image so no two files are alike. */
function picture(product: number, image: number, real: boolean): Promise<Buffer> {
  const hue = (product * 53) % 360;
  const shift = image * 9;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96">
    <rect width="100%" height="100%" fill="${real ? `hsl(${(hue + 20) % 360},25%,${70 + image}%)` : '#ffffff'}"/>
    <rect x="${18 + shift}" y="${14 + (product % 3) * 6}" width="${40 + (product % 4) * 6}" height="${56 - (product % 2) * 12}" rx="${product % 2 ? 4 : 20}" fill="hsl(${hue},70%,${40 + image * 3}%)"/>
    <circle cx="${30 + (product * 7) % 40}" cy="${40 + (product * 11) % 30}" r="${8 + (product % 5) * 3}" fill="hsl(${(hue + 150) % 360},80%,50%)"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

/** A dataset ZIP in the export layout: products in train and valid, each with frames (synthetic) and real photos. */
async function datasetZip(tag: string, products: { train: number; valid: number }): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  let n = 0;
  for (const [split, count] of [['train', products.train], ['valid', products.valid]] as const) {
    for (let i = 0; i < count; i++, n++) {
      const code = `26${tag}${String(n).padStart(5, '0')}`;
      for (let k = 0; k < 2; k++) zip.addBuffer(await sharp(await picture(n, k, false)).png().toBuffer(), `${split}/${code}/frame_${String(k).padStart(4, '0')}.png`, { compress: false });
      for (let k = 0; k < 2; k++) zip.addBuffer(await picture(n, k + 2, true), `${split}/${code}/real/shelf_${k}.jpg`, { compress: false });
    }
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Uploads bytes the way the page's upload route takes them, from inside the signed-in page. */
async function pageUpload(page: Page, name: string, bytes: Buffer): Promise<string> {
  const { status, text } = await page.evaluate(
    async ([fileName, b64]) => {
      const body = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const res = await fetch('/api/uploads', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'X-File-Name': encodeURIComponent(fileName) }, body });
      return { status: res.status, text: await res.text() };
    },
    [name, bytes.toString('base64')] as const,
  );
  if (status < 200 || status >= 300) throw new Error(`upload answered ${status}: ${text}`);
  return (JSON.parse(text) as { uploadId: string }).uploadId;
}

test('training: refused on an empty dataset, a short run from the page draws its epochs, the model appears and is set as active', async ({ app: page, server, browser }) => {
  test.setTimeout(90_000);
  // The page is built against the training contract; until the engine serves it, say so instead of failing on a missing handler.
  const served = await rpc(page, 'training.list', {}).then(
    () => true,
    (err: Error) => (/answered 503|not served|unknown method: training/.test(err.message) ? false : Promise.reject(err)),
  );
  if (!served) {
    // What a user sees meanwhile: one notice that this engine cannot train, not a failure per call.
    await page.getByTestId('nav-training').click();
    await expect(page.getByTestId('training-not-served')).toBeVisible();
  }
  test.skip(!served, 'the engine does not serve training.* yet (the training contract slice or engine feature is not wired in)');
  const tag = String(Date.now()).slice(-6);
  const empty = await rpc<{ id: string }>(page, 'datasets.create', { name: `Empty ${tag}` });
  const uploadId = await pageUpload(page, `Train ${tag}.zip`, await datasetZip(tag, { train: 6, valid: 2 }));
  const imported = await rpc<{ dataset: { id: string; productCount: number } }>(page, 'datasets.import', { uploadId, name: `Train ${tag}` });
  expect(imported.dataset.productCount).toBe(8);

  await page.getByTestId('nav-training').click();
  await expect(page.getByTestId('page-training')).toBeVisible();

  // An empty dataset: Start is refused with the reason, not a stack.
  await page.getByTestId('training-dataset').selectOption(empty.id);
  await expect(page.getByTestId('training-refusal')).toHaveText('This dataset has no products: add products to it first.');
  await expect(page.getByTestId('training-start')).toBeDisabled();

  // The small dataset: its splits, the recipe's defaults, a tiny config, the engine's estimate.
  await page.getByTestId('training-dataset').selectOption(imported.dataset.id);
  await expect(page.getByTestId('training-dataset-facts')).toContainText('6 / 2 / 0');
  await expect(page.getByTestId('training-field-epochs')).toHaveValue('40');
  await expect(page.getByTestId('training-field-arcface_margin-number')).toHaveValue('0.3');
  // The best recipe measured here is one click away, and the default one click back.
  await page.getByTestId('training-best-recipe').click();
  await expect(page.getByTestId('training-field-epochs')).toHaveValue('15');
  await page.getByTestId('training-advanced').locator('summary').click();
  await expect(page.getByTestId('training-field-data_views-brighter')).toBeChecked();
  await expect(page.getByTestId('training-field-projection_ldaMix-number')).toHaveValue('0.85');
  await expect(page.getByTestId('training-field-projection_ldaShrinkage-number')).toHaveValue('0.3');
  await page.getByTestId('training-advanced').locator('summary').click();
  await expect(page.getByTestId('training-best-recipe-note')).toContainText('72.6 %');
  await expect(page.getByTestId('training-best-recipe')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('training-new-best-en-light.png') });
  await page.getByTestId('training-reset').click();
  await expect(page.getByTestId('training-field-epochs')).toHaveValue('40');
  await expect(page.getByTestId('training-best-recipe-note')).toHaveCount(0);
  // The warm-up follows a short run (5 by default, always under the epochs) until it is set by hand.
  await page.getByTestId('training-field-epochs').fill('3');
  await expect(page.getByTestId('training-field-schedule_warmupEpochs')).toHaveValue('2');
  await expect(page.getByTestId('training-problems')).toHaveCount(0);
  await page.getByTestId('training-field-schedule_warmupEpochs').fill('3');
  await expect(page.getByTestId('training-problems')).toContainText('Warm-up epochs: The warm-up must be shorter than the run.');
  // Beside Start, the problem names its field, and takes the user there.
  await page.getByTestId('training-field-epochs').focus();
  await page.getByTestId('training-problem').click();
  await expect(page.getByTestId('training-field-schedule_warmupEpochs')).toBeFocused();
  await page.getByTestId('training-field-schedule_warmupEpochs').fill('1');
  await page.getByTestId('training-field-batchSize').fill('16');
  await page.getByTestId('training-field-projection_dim').selectOption('64');
  await page.getByTestId('training-advanced').locator('summary').click();
  await page.getByTestId('training-field-sampler_hardNegativeProducts').fill('2');
  await expect(page.getByTestId('training-estimate')).toHaveAttribute('data-seconds', /\d/);
  // A training view (the mirror of each train image) is one more pass per epoch and one more embedding of each: the estimate grows.
  const secondsOf = async () => Number(await page.getByTestId('training-estimate').getAttribute('data-seconds'));
  const withoutView = await secondsOf();
  await page.getByTestId('training-field-data_views-mirror').check();
  await expect.poll(secondsOf).toBeGreaterThan(withoutView);
  // Fine-tuning the backbone's last layer costs far more per epoch, and computes every image's maps: the estimate says so.
  const withView = await secondsOf();
  await page.getByTestId('training-field-backbone_fineTune').check();
  await expect.poll(secondsOf).toBeGreaterThan(2 * withView);
  await page.getByTestId('training-field-backbone_fineTune').uncheck();
  await expect.poll(secondsOf).toBe(withView);
  await page.screenshot({ path: test.info().outputPath('training-new-en-light.png'), fullPage: true });

  await page.getByTestId('training-start').click();
  await expect(page.getByTestId('training-tab-runs')).toHaveAttribute('aria-selected', 'true');
  const run = page.getByTestId('training-run').first();
  // The charts move: a point per finished epoch, live from training.progress.
  await expect(run.getByTestId('training-chart-loss')).toHaveAttribute('data-points', /[1-3]/, { timeout: 60_000 });
  await expect(run).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  for (const chart of ['training-chart-loss', 'training-chart-recall', 'training-chart-lr']) await expect(run.getByTestId(chart)).toHaveAttribute('data-points', '3');
  await expect(run.locator('canvas').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('training-runs-en-light.png'), fullPage: true });

  await page.getByTestId('training-tab-models').click();
  const model = page.getByTestId('training-model').first();
  await expect(model.getByTestId('training-model-classes')).toHaveText('6');
  await model.getByTestId('training-model-activate').click();
  await expect(model.getByTestId('training-model-active')).toHaveText('Active');
  // Download: a ZIP with the ONNX head, its recipe, metrics and manifest.
  const href = await model.getByTestId('training-model-download').getAttribute('href');
  const zip = await page.evaluate(async (url) => {
    const res = await fetch(url!);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), size: bytes.length, magic: String.fromCharCode(bytes[0]!, bytes[1]!), text: new TextDecoder('latin1').decode(bytes) };
  }, href);
  expect(zip).toMatchObject({ status: 200, type: 'application/zip', magic: 'PK' });
  expect(zip.disposition).toContain(`Train-${tag}-v1.zip`);
  for (const name of ['model.onnx', 'config.json', 'metrics.json', 'manifest.json']) expect(zip.text).toContain(name);
  expect(zip.size).toBeGreaterThan(4 * 2728 * 64);
  await page.screenshot({ path: test.info().outputPath('training-models-en-light.png'), fullPage: true });

  await looks(browser, server.loginUrl);
});

/** The same pages in dark (English) and dark Turkish, to look at. */
async function looks(browser: Browser, loginUrl: string): Promise<void> {
  for (const locale of ['en-US', 'tr-TR']) {
    const context = await browser.newContext({ locale, colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const lang = locale.slice(0, 2);
    try {
      await signIn(page, loginUrl);
      // The language is a setting the shared server keeps (other specs choose one), so the
      // Turkish screens choose Turkish themselves and give English back after.
      if (lang === 'tr') {
        await page.getByTestId('nav-settings').click();
        await page.getByTestId('settings-language').selectOption('tr');
      }
      await page.goto(new URL('#/training', page.url()).href);
      await expect(page.getByTestId('training-summary')).toBeVisible();
      if (lang === 'tr') await expect(page.getByTestId('training-tab-runs')).toContainText('Çalıştırmalar');
      await page.screenshot({ path: test.info().outputPath(`training-new-${lang}-dark.png`), fullPage: true });
      // The advanced recipe with backbone fine-tuning chosen: its layers, rate and decay beside it.
      await page.getByTestId('training-advanced').locator('summary').click();
      await page.getByTestId('training-field-backbone_fineTune').check();
      await page.getByTestId('training-field-backbone_layers').selectOption('2');
      await page.getByTestId('training-field-backbone_fineTune').scrollIntoViewIfNeeded();
      await page.screenshot({ path: test.info().outputPath(`training-fine-tune-${lang}-dark.png`) });
      await page.getByTestId('training-tab-runs').click();
      await expect(page.getByTestId('training-run').first().getByTestId('training-chart-loss')).toHaveAttribute('data-points', '3');
      await page.screenshot({ path: test.info().outputPath(`training-runs-${lang}-dark.png`), fullPage: true });
      await page.getByTestId('training-tab-models').click();
      await expect(page.getByTestId('training-model').first()).toBeVisible();
      await page.screenshot({ path: test.info().outputPath(`training-models-${lang}-dark.png`), fullPage: true });
      if (lang === 'tr') {
        await page.getByTestId('nav-settings').click();
        await page.getByTestId('settings-language').selectOption('en');
      }
    } finally {
      await context.close();
    }
  }
}
