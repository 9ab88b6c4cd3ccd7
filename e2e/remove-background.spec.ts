/**
 * The Remove background dialog's options and live preview, and the Needs review flow, with
 * the real model (ISNet) on the CPU. A blank shelf photo is where the model finds nothing:
 * its result must land in Needs review, never count as done.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { dropPaths, expect, expectThumbnailsLoaded, makeImages, test, waitForImport } from './support/fixtures.js';

test('dialog: every option with a live preview and the upscale warning; a blank photo lands in Needs review, is shown, and accepted', async ({ app: page, workDir }) => {
  test.setTimeout(240_000);
  const folder = path.join(workDir, 'Raf Çekimi');
  await makeImages(folder, ['a ürün.jpg']);
  await fs.mkdir(folder, { recursive: true });
  await sharp({ create: { width: 320, height: 240, channels: 3, background: '#f2f2f2' } })
    .jpeg()
    .toFile(path.join(folder, 'b boş raf.jpg'));
  await dropPaths(page, [folder]);
  await waitForImport(page, 'Raf Çekimi');
  await expectThumbnailsLoaded(page, 2);

  // The preview shows the first selected image: select the product photo.
  await page.getByTestId('asset-cell').first().click({ modifiers: ['ControlOrMeta'] });
  await page.getByTestId('remove-background').click();
  const dialog = page.getByTestId('segment-dialog');
  await expect(dialog.getByTestId('scope-selection')).toBeChecked();
  await dialog.getByTestId('preset-square').check();
  const options = dialog.getByTestId('segment-options');
  for (const id of ['opt-refine', 'opt-threshold-on', 'opt-feather', 'opt-margin', 'opt-canvas-mode', 'opt-fill', 'opt-background', 'opt-shadow', 'opt-format']) {
    await expect(options.getByTestId(id)).toBeVisible();
  }
  const preview = dialog.getByTestId('segment-preview');
  // The first preview runs the model (and loads it): give it time.
  await expect(preview).toHaveAttribute('data-state', 'ready', { timeout: 150_000 });
  await expect(preview.getByTestId('segment-preview-image')).toBeVisible();
  await expect(preview).toContainText('a ürün.jpg');
  // Following the photo: a square about the product's own size, and no warning.
  const followSize = await preview.getByTestId('segment-preview-size').textContent();
  expect(followSize).toMatch(/Result: (\d[\d,]*) × \1 px/);
  expect(Number(/Result: ([\d,]+)/.exec(followSize!)![1]!.replace(/,/g, ''))).toBeLessThan(1000);
  await expect(preview.getByTestId('segment-upscale-warning')).toHaveCount(0);

  // A forced 3000 px canvas blows a 640 px photo up: the dialog says so.
  await options.getByTestId('opt-canvas-mode').selectOption('fixed');
  await options.getByTestId('opt-canvas').fill('3000');
  await expect(preview.getByTestId('segment-preview-size')).toHaveText('Result: 3,000 × 3,000 px');
  await expect(preview.getByTestId('segment-upscale-warning')).toContainText('enlarged');
  await options.getByTestId('opt-canvas-mode').selectOption('follow');
  await expect(preview.getByTestId('segment-upscale-warning')).toHaveCount(0);

  // Options re-render from the cached mask (quick), and the preview follows them.
  const before = await preview.getByTestId('segment-preview-image').getAttribute('src');
  await options.getByTestId('opt-background').fill('#202020');
  await expect(preview).toHaveAttribute('data-state', 'ready');
  await expect.poll(() => preview.getByTestId('segment-preview-image').getAttribute('src')).not.toBe(before);
  await options.getByTestId('opt-background').fill('#ffffff');
  await options.getByTestId('opt-refine').uncheck();
  await options.getByTestId('opt-threshold-on').check();
  await expect(options.getByTestId('opt-threshold')).toBeVisible();
  await expect(preview).toHaveAttribute('data-state', 'ready');
  await options.getByTestId('opt-refine').check();
  await options.getByTestId('opt-threshold-on').uncheck();

  // The whole project on white: the blank photo's result needs review.
  await dialog.getByTestId('scope-all').check();
  await dialog.getByTestId('preset-white').check();
  await expect(options.getByTestId('opt-canvas-mode')).toHaveCount(0);
  await dialog.getByTestId('segment-start').click();
  await expect(dialog).toBeHidden();
  const run = page.getByTestId('segment-run').first();
  await expect(run).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  // The doubtful result is finished, but not counted as done.
  await expect(run.getByTestId('segment-run-text')).toContainText('1 of 2 done');
  await expect(run.getByTestId('segment-run-review')).toContainText('1 needs review');

  const banner = page.getByTestId('review-banner');
  await expect(banner).toContainText('1 result needs review');
  const blank = page.locator('[data-testid="asset-cell"][data-file-name="b boş raf.jpg"]');
  await expect(blank).toHaveAttribute('data-review', 'needs_review');
  await expect(page.locator('[data-testid="asset-cell"][data-file-name="a ürün.jpg"]')).not.toHaveAttribute('data-review', 'needs_review');

  await banner.getByTestId('review-show').click();
  await expect(page.getByTestId('grid-filter')).toHaveValue('needs_review');
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-total', '1');
  await blank.click();
  const viewer = page.getByTestId('lightbox');
  await expect(viewer.getByTestId('review-note')).toContainText('no product found');
  // Compare off shows the result itself, not the original.
  await viewer.getByTestId('compare-toggle').uncheck();
  await expect(viewer.getByTestId('result-only')).toBeVisible();
  await expect(viewer.getByTestId('compare-slider')).toHaveCount(0);
  await viewer.getByTestId('review-note-accept').click();
  // Accepted, it leaves the Needs review list: the viewer had nothing else to show.
  await expect(viewer).toHaveCount(0);
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-total', '0');
  await expect(blank).toHaveCount(0);
  await page.getByTestId('grid-reset').click();
  await expect(blank).not.toHaveAttribute('data-review', 'needs_review');
  await blank.click();
  await expect(viewer.getByTestId('review-accepted')).toBeVisible();
});
