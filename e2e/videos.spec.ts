/**
 * Product videos through the UI, in web mode (uploads): a video dropped on the window is
 * added to its product by the barcode in its name, processed from the Videos page with the
 * real default model, and becomes the product's synthetic frames (checked through the
 * products API and the media route); the product's page plays its source video.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { findFfmpeg, stillShotsPlan, testPattern } from '../test/features/videos/clips.js';
import { encodeClip, groceryMissing } from '../test/features/videos/make-video.js';
import type { Page } from '@playwright/test';
import { dropPaths, expect, test, pageRpc as rpc } from './support/fixtures.js';

interface Product {
  id: string;
  status: string;
  counts: { synthetic: number };
  primaryImageId: string | null;
}

interface ImagePage {
  items: { id: string; cutoutId: string | null; frameIndex: number | null; source: { kind: string } }[];
}

const ffmpeg = await findFfmpeg();


/** The content type the page gets for a media URL. */
function mediaType(page: Page, url: string): Promise<string | null> {
  return page.evaluate(async (u) => (await fetch(u)).headers.get('content-type'), url);
}

test('a video dropped on the window becomes its product’s segmented frames, processed from the Videos page', async ({ app: page, workDir }) => {
  const missing = groceryMissing() ?? ffmpeg.skip;
  test.skip(missing !== null, missing ?? '');
  // The first model use assembles it from the npm package; each frame then takes 20–40 s on two cores.
  test.setTimeout(600_000);
  const clip = path.join(workDir, '5449000000996.mp4');
  await encodeClip(ffmpeg.path!, stillShotsPlan(), [{ file: clip, codec: 'h264' }]);

  await page.getByTestId('nav-videos').click();
  await expect(page.getByTestId('page-videos')).toBeVisible();
  const projectsBefore = (await rpc<unknown[]>(page, 'projects.list')).length;
  await dropPaths(page, [clip]);
  const row = page.locator('[data-testid="video-pending"][data-barcode="5449000000996"]');
  await expect(row).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('video-stat-pending')).toHaveAttribute('data-count', '1');
  // Nothing went to the image import: no project was made from the video.
  expect((await rpc<unknown[]>(page, 'projects.list')).length).toBe(projectsBefore);

  await page.getByTestId('videos-select-all').check();
  await expect(page.getByTestId('videos-process-selected')).toHaveText('Process 1 selected');
  await page.getByTestId('videos-process-selected').click();
  const running = page.getByTestId('video-processing');
  await expect(running).toHaveCount(1);
  await expect(running).toHaveAttribute('data-stage', 'segmenting', { timeout: 240_000 });
  await expect(running.locator('progress')).toBeVisible();

  const done = page.locator('[data-testid="video-completed"]');
  await expect(done).toHaveAttribute('data-frames', '2', { timeout: 480_000 });
  await expect(page.getByTestId('video-stat-completedToday')).toHaveAttribute('data-count', '1');
  await expect(page.getByTestId('video-stat-pending')).toHaveAttribute('data-count', '0');
  await expect(page.getByTestId('video-processing')).toHaveCount(0);

  const product = await rpc<Product>(page, 'products.byBarcode', { code: '5449000000996' });
  expect(product).toMatchObject({ status: 'needs_matching', counts: { synthetic: 2 } });
  const images = await rpc<ImagePage>(page, 'products.images', { productId: product.id, type: 'synthetic' });
  expect(images.items).toHaveLength(2);
  expect(images.items.every((i) => i.source.kind === 'video' && i.cutoutId !== null && i.frameIndex !== null)).toBe(true);
  expect(images.items.map((i) => i.id)).toContain(product.primaryImageId);
  // The frames and cut-outs are served like any library media.
  expect(await mediaType(page, `/media/thumb/${images.items[0]!.id}`)).toBe('image/webp');
  expect(await mediaType(page, `/media/original/${images.items[0]!.cutoutId}`)).toBe('image/png');
});

test('a damaged video fails with its reason on the Videos page; Retry runs it again', async ({ app: page, workDir }) => {
  const file = path.join(workDir, '4006381333931.mp4');
  await fs.writeFile(file, Buffer.concat([Buffer.from('\0\0\0\x20ftypisom'), Buffer.alloc(50_000, 9)]));
  await page.getByTestId('nav-videos').click();
  await dropPaths(page, [file]);
  const row = page.locator('[data-testid="video-pending"][data-barcode="4006381333931"]');
  await expect(row).toBeVisible({ timeout: 30_000 });
  await row.getByRole('checkbox').check();
  await page.getByTestId('videos-process-selected').click();
  const failed = page.locator('[data-testid="video-failed"][data-error-code="video_unreadable"]');
  await expect(failed).toBeVisible({ timeout: 60_000 });
  await expect(failed.getByTestId('video-error')).toHaveText('The video cannot be read: the file is damaged or not a video ffmpeg decodes.');
  await expect(failed).toContainText('4006381333931.mp4');
  const count = Number(await page.getByTestId('video-stat-failed').getAttribute('data-count'));
  expect(count).toBeGreaterThanOrEqual(1);
  await failed.getByTestId('video-retry').click();
  // Queued again, then failed again with the same reason.
  await expect(failed).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('video-stat-failed')).toHaveAttribute('data-count', String(count));
});

test('a video whose name has no barcode: the barcode is asked for, and the video is linked (Turkish UI, dark theme)', async ({ app: page, workDir }) => {
  test.skip(ffmpeg.skip !== null, ffmpeg.skip ?? '');
  const file = path.join(workDir, 'mutfak çekimi.mp4');
  await testPattern(ffmpeg.path!, file, { seconds: 1 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('tr');
  await page.getByTestId('nav-videos').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Videolar');
  await dropPaths(page, [file]);
  const dialog = page.getByTestId('video-barcode-dialog');
  await expect(dialog).toBeVisible({ timeout: 30_000 });
  await expect(dialog).toContainText('Bunlar hangi ürünler?');
  await dialog.getByTestId('video-ask-barcode').fill('036000291452');
  await dialog.getByTestId('video-ask-submit').click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('[data-testid="video-pending"][data-barcode="036000291452"]')).toContainText('mutfak çekimi.mp4');
  const product = await rpc<Product>(page, 'products.byBarcode', { code: '036000291452' });
  expect(product.status).toBe('pending');
  // Dark theme: the page's cards are drawn with the theme's surface, not a light one.
  const surface = await page.getByTestId('video-stat-pending').evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(surface).toBe('rgb(28, 30, 33)');
  // The product's page plays its source video: the media route's video variant (byte ranges).
  await page.evaluate((id) => {
    location.hash = `#/products/${id}`;
  }, product.id);
  const card = page.getByTestId('product-video');
  await expect(card).toBeVisible();
  await expect(page.getByTestId('product-videos').getByRole('heading')).toHaveText('Kaynak video');
  await expect(card).toContainText('mutfak çekimi.mp4');
  await expect(card.getByTestId('product-video-facts')).toHaveText(/^1 sn\.? · Bekliyor · 0 kare$/);
  const player = card.locator('video');
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  expect(await player.evaluate((v: HTMLVideoElement) => v.duration)).toBeGreaterThan(0.5);
  // Seeking asks for a range; the player lands there and can show the frame.
  const seeked = await player.evaluate(
    (v: HTMLVideoElement) =>
      new Promise<number>((resolve) => {
        v.addEventListener('seeked', () => resolve(v.currentTime), { once: true });
        v.currentTime = 0.6;
      }),
  );
  expect(seeked).toBeCloseTo(0.6, 1);
  await page.screenshot({ path: path.join(workDir, 'product-video-tr-dark.png') });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});
