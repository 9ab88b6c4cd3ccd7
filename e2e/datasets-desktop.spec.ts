/**
 * Datasets and augmentation in the desktop app (Electron main's real wiring, engine host
 * and IPC path grants; e2e/support/desktop.ts): export as a ZIP and into a new folder
 * where the user picked in the OS dialog, import that ZIP and that folder back through the
 * dialog, and a run's own backgrounds folder chosen in the dialog (a typed path would be
 * refused by the grants). The drop targets cannot be driven here (files Playwright hands
 * the page carry no OS path); they call the same methods with the path preload reports.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { useDesktop } from './support/desktop.js';
import { expect, test } from './support/fixtures.js';

const env = useDesktop();

test('dataset export (ZIP, new folder) and import (ZIP, folder) through the OS dialogs; a run’s backgrounds folder chosen there', async ({ page }) => {
  const { desktop, root } = env;
  test.setTimeout(90_000);
  const product = await desktop.call<{ id: string }>('products.create', { barcodes: ['2712345000017'], allowInvalidCheckDigit: true, brandName: 'Masa', productName: 'Çay' });
  const dataset = await desktop.call<{ id: string }>('datasets.create', { name: 'Raf Seti', from: { ids: [product.id] } });

  await desktop.open(page);
  await page.getByTestId('nav-datasets').click();
  await page.locator('[data-testid="dataset-card"][data-name="Raf Seti"] a').click();
  await expect(page.getByTestId('dataset-title')).toHaveText('Raf Seti');
  // The desktop has no download link: it writes where the OS dialog says.
  await expect(page.getByTestId('dataset-export')).toHaveCount(0);

  const out = path.join(root, 'Dışa');
  await fs.mkdir(out);
  await fs.writeFile(path.join(out, 'already-here.txt'), 'x');
  const zip = path.join(out, 'raf.zip');
  await desktop.answerDialogs(zip);
  await page.getByTestId('dataset-export-zip').click();
  await expect(page.getByTestId('toast').filter({ hasText: zip })).toHaveAttribute('data-kind', 'success');
  expect((await fs.readFile(zip)).subarray(0, 4).toString('binary')).toBe('PK\x03\x04');
  const asked = (await desktop.record()).filter((r) => r.what === 'showSaveDialog').at(-1) as unknown as { options: { defaultPath: string } };
  expect(path.basename(asked.options.defaultPath)).toBe('Raf Seti.zip');

  // A chosen folder that is not empty: the export goes into a new folder named after the dataset.
  await desktop.answerDialogs(out);
  await page.getByTestId('dataset-export-folder').click();
  await expect(page.getByTestId('toast').filter({ hasText: path.join(out, 'Raf_Seti') })).toBeVisible();
  expect(JSON.parse(await fs.readFile(path.join(out, 'Raf_Seti', 'dataset.json'), 'utf8'))).toMatchObject({ name: 'Raf Seti' });

  // Both back in, from the list page's Import dataset… dialog.
  await page.getByTestId('nav-datasets').click();
  for (const [button, chosen, name] of [
    ['dataset-import-choose-zip', zip, 'Raf Seti (ZIP)'],
    ['dataset-import-choose-folder', path.join(out, 'Raf_Seti'), 'Raf Seti (klasör)'],
  ] as const) {
    await page.getByTestId('dataset-import').click();
    const dialog = page.getByTestId('dataset-import-dialog');
    await dialog.getByTestId('dataset-import-name').fill(name);
    await desktop.answerDialogs(chosen);
    await dialog.getByTestId(button).click();
    await expect(dialog.getByTestId('dataset-import-products')).toHaveText('Products: 0 created, 1 found in the catalog');
    await expect(dialog.getByText('Every file was read.')).toBeVisible();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(page.locator(`[data-testid="dataset-card"][data-name="${name}"]`)).toHaveCount(1);
  }

  // A run's own backgrounds: chosen in the dialog (the field is read-only), sent with the run.
  const backgrounds = path.join(root, 'Arka planlar');
  await fs.mkdir(backgrounds);
  await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 220, g: 210, b: 190 } } }).png().toFile(path.join(backgrounds, 'masa.png'));
  await page.locator('[data-testid="dataset-card"][data-name="Raf Seti"] a').click();
  await page.getByTestId('augment-open').click();
  await expect(page.getByTestId('augment-backgrounds')).toHaveAttribute('readonly', '');
  await desktop.answerDialogs(backgrounds);
  await page.getByTestId('augment-backgrounds-choose').click();
  await expect(page.getByTestId('augment-backgrounds')).toHaveValue(backgrounds);
  await page.getByTestId('augment-syn').fill('0');
  await page.getByTestId('augment-real').fill('0');
  await page.getByTestId('augment-retry-failed').check();
  await page.screenshot({ path: test.info().outputPath('desktop-augment-dialog.png') });
  await page.getByTestId('augment-start').click();
  await expect(page.getByTestId('augment-run').first()).toHaveAttribute('data-state', 'completed', { timeout: 30_000 });
  const [run] = await desktop.call<{ params: { backgroundsDir: string; backgrounds: number; retryFailed: boolean } }[]>('augmentation.runs', { datasetId: dataset.id });
  expect(run!.params).toMatchObject({ backgroundsDir: backgrounds, retryFailed: true });
  expect(run!.params.backgrounds).toBeGreaterThan(1);
  await page.screenshot({ path: test.info().outputPath('desktop-dataset.png'), fullPage: true });
});
