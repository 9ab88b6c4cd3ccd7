/**
 * Background removal through the UI with the real model (ISNet from the npm package,
 * assembled into the library on first use) on the CPU. Slow on two cores: the first
 * run assembles and verifies the 88 MB model and loads it; each image then takes ~1–3 s.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from '@playwright/test';
import { dropPaths, expect, expectThumbnailsLoaded, importFolder, makeImages, test, rpc, waitForImport } from './support/fixtures.js';

/**
 * A contract call made from inside the signed-in page: its session cookie lives on the
 * secret <label>.localhost host the login moved to, which only the browser resolves (the
 * fixtures' rpc() posts to the printed address and gets 401).
 */
const pageRpc = <T = unknown>(page: Page, method: string, input: unknown = {}): Promise<T> => rpc<T>(page, null, method, input);

interface Model {
  id: string;
  status: string;
  sha256: string | null;
}

const MODEL = 'isnet-imgly-medium';

test('a damaged model file: the run stops with the reason; installing the model again from there repairs it and reruns', async ({ app: page, workDir }) => {
  test.setTimeout(240_000);
  const dataDir = process.env.ATOLYE_E2E_DATA_DIR;
  if (!dataDir) throw new Error('ATOLYE_E2E_DATA_DIR is not set (global-setup.ts)');

  // Installed from the Models page (assembled from the npm package, offline).
  await page.getByTestId('nav-models').click();
  const row = page.locator(`[data-testid="model-row"][data-model-id="${MODEL}"]`);
  if ((await row.getAttribute('data-status')) !== 'ready') {
    await row.getByTestId('model-install').click();
    await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  }
  const sha = (await pageRpc<Model[]>(page, 'models.list')).find((m) => m.id === MODEL)!.sha256!;
  const file = path.join(dataDir, 'blobs', sha.slice(0, 2), sha);
  const backup = path.join(dataDir, `model-backup-${sha.slice(0, 8)}`);
  await fs.copyFile(file, backup);
  try {
    // Same size, different bytes: what a bad sector or a half-finished copy leaves.
    await fs.chmod(file, 0o644);
    const handle = await fs.open(file, 'r+');
    await handle.write(Buffer.alloc(64 * 1024, 0x5a), 0, 64 * 1024, 8 * 1024 * 1024);
    await handle.close();

    // A photo no other test made (its own size): a mask cached from an earlier run of the
    // same model on the same bytes would be reused without opening the model file at all.
    const folder = path.join(workDir, 'Bozuk Model');
    await makeImages(folder, ['bozuk-model.jpg'], { width: 643, height: 487 });
    await dropPaths(page, [folder]);
    await waitForImport(page, 'Bozuk Model');
    await page.getByTestId('remove-background').click();
    await page.getByTestId('segment-start').click();
    const run = page.getByTestId('segment-run').first();
    await expect(run).toHaveAttribute('data-state', 'failed', { timeout: 120_000 });
    const failedId = (await run.getAttribute('data-run-id'))!;
    const repair = run.getByTestId('model-repair');
    await expect(repair).toContainText('The model IS-Net (img.ly, fp16) cannot run');
    await expect(repair).toContainText('damaged');
    await expect(repair.getByTestId('model-repair-button')).toHaveText('Install the model again');
    await expect(page.locator('[data-testid="asset-cell"][data-seg-state="failed"]')).toHaveCount(1);

    // The Models page says the same, with its own way to install it again.
    await page.getByTestId('nav-models').click();
    await expect(row).toHaveAttribute('data-status', 'corrupt');
    await expect(row.getByTestId('model-status')).toHaveText('Damaged');
    await expect(row.getByTestId('model-install')).toHaveText('Install again');
    await page.goBack();

    // Installing it again puts a good copy in place, and the run starts over by itself and succeeds.
    const failedRun = page.locator(`[data-testid="segment-run"][data-run-id="${failedId}"]`);
    await failedRun.getByTestId('model-repair-button').click();
    await expect(failedRun.getByTestId('model-repair-done')).toBeVisible({ timeout: 120_000 });
    const rerun = page.getByTestId('segment-run').first();
    await expect(rerun).not.toHaveAttribute('data-run-id', failedId);
    await expect(rerun).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    await expect(page.getByTestId('result-badge')).toHaveCount(1);
    const models = await pageRpc<(Model & { isDefault: boolean })[]>(page, 'models.list');
    expect(models.find((m) => m.id === MODEL)).toMatchObject({ status: 'ready', isDefault: true });
  } finally {
    // Whatever happened above, the next test gets the good file.
    await fs.rm(file, { force: true });
    await fs.copyFile(backup, file);
    await fs.rm(backup, { force: true });
  }
});

test('remove background of a 2-image project: live progress, result badges, before/after slider, download; then a selection', async ({
  app: page,
  workDir,
}) => {
  test.setTimeout(300_000);
  await importFolder(page, workDir, 'Arka Plan Kaldırma', 2);
  await expectThumbnailsLoaded(page, 2);

  await page.getByTestId('remove-background').click();
  const dialog = page.getByTestId('segment-dialog');
  await expect(dialog.getByTestId('scope-all')).toBeChecked();
  await expect(dialog.getByTestId('scope-selection')).toBeDisabled();
  await dialog.getByTestId('preset-cutout-png').check();
  // Every per-image state a grid cell goes through, as the page shows them.
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { seenStates: Set<string> }).seenStates = seen;
    const note = () => document.querySelectorAll<HTMLElement>('[data-testid="asset-cell"][data-seg-state]').forEach((el) => seen.add(el.dataset.segState!));
    new MutationObserver(note).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-seg-state'], childList: true });
  });
  const started = Date.now();
  await dialog.getByTestId('segment-start').click();
  await expect(dialog).toBeHidden();

  const run = page.getByTestId('segment-run').first();
  await expect(run).toHaveAttribute('data-state', /queued|running|done/);
  await expect(run).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  const seconds = (Date.now() - started) / 1000;
  console.log(`[segment e2e] 2 images, cut-out PNG, whole run (model load included): ${seconds.toFixed(1)} s`);
  await expect(run.getByTestId('segment-run-text')).toContainText('2 of 2 done');
  await expect(run.getByTestId('segment-run-text')).toContainText('on CPU');
  await expect(page.getByTestId('result-badge')).toHaveCount(2);
  // Live per image: waiting, then in the works (segment.item and job.started), then a result badge.
  const seen = await page.evaluate(() => [...(window as unknown as { seenStates: Set<string> }).seenStates].sort());
  expect(seen).toEqual(expect.arrayContaining(['pending', 'running']));
  // Web mode tells of the finished batch with a toast (the desktop app posts an OS notification instead).
  const toast = page.locator('[data-testid="toast"][data-tag="batch"]').filter({ hasText: 'Arka Plan Kaldırma' });
  await expect(toast).toContainText('Finished: Remove background · Cut-out (PNG) · Arka Plan Kaldırma');
  await expect(toast).toContainText('2 of 2 done');

  // The viewer: original under the result, cut at the slider.
  await page.getByTestId('asset-cell').first().click();
  const viewer = page.getByTestId('lightbox');
  const slider = viewer.getByTestId('compare-slider');
  await expect(slider).toBeVisible();
  const result = viewer.getByTestId('compare-result');
  await expect.poll(() => result.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
  const after = viewer.getByTestId('compare-after');
  await expect(after).toHaveAttribute('style', /inset\(0px 0px 0px 50%\)/);
  await slider.focus();
  await page.keyboard.press('Home');
  await expect(after).toHaveAttribute('style', /inset\(0px 0px 0px 0%\)/);
  await page.keyboard.press('ArrowRight');
  await expect(after).toHaveAttribute('style', /inset\(0px 0px 0px 1%\)/);
  // Arrows on the slider move it, not the viewer.
  await expect(viewer.getByTestId('lightbox-position')).toHaveText('Image 1 of 2');

  // One result downloads as itself: a PNG whose alpha holds both the product and the cleared background.
  const link = viewer.getByTestId('result-download');
  const name = await link.getAttribute('download');
  expect(name).toMatch(/\.cutout\.png$/);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(name);
  const file = await download.path();
  const image = sharp(file);
  const meta = await image.metadata();
  expect(meta).toMatchObject({ format: 'png', width: 640, height: 480, channels: 4 });
  const alpha = (await image.stats()).channels[3]!;
  expect(alpha.min).toBe(0);
  expect(alpha.max).toBe(255);
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // Selection: Space on a focused image, Shift+click for a range, Ctrl+A for all, Esc clears, Ctrl+click for one.
  const first = page.getByTestId('asset-cell').first();
  await first.focus();
  await page.keyboard.press(' ');
  await expect(first).toHaveAttribute('data-selected', 'true');
  await expect(viewer).toBeHidden();
  await page.keyboard.press(' ');
  await expect(first).not.toHaveAttribute('data-selected', 'true');
  await first.click({ modifiers: ['Control'] });
  await page.getByTestId('asset-cell').nth(1).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toHaveText('2 images selected');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('selection-count')).toHaveCount(0);
  await page.keyboard.press('Control+a');
  await expect(page.getByTestId('selection-count')).toHaveText('2 images selected');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('selection-count')).toHaveCount(0);
  const second = page.getByTestId('asset-cell').nth(1);
  await second.click({ modifiers: ['Control'] });
  await expect(second).toHaveAttribute('data-selected', 'true');
  await expect(page.getByTestId('selection-count')).toHaveText('1 image selected');

  // B opens the dialog, on the selection.
  await page.keyboard.press('b');
  await expect(dialog.getByTestId('scope-selection')).toBeChecked();
  await dialog.getByTestId('preset-mask').check();
  await dialog.getByTestId('segment-start').click();
  const maskRun = page.locator('[data-testid="segment-run"]').first();
  await expect(maskRun).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await expect(maskRun.getByTestId('segment-run-text')).toContainText('1 of 1 done');
  await expect(second).toHaveAttribute('data-results', '2');
  await expect(page.getByTestId('asset-cell').first()).toHaveAttribute('data-results', '1');

  const projectId = (await page.getByTestId('project-view').getAttribute('data-project-id'))!;
  const results = await pageRpc<{ sourceAssetId: string; options: { preset: string } }[]>(page, 'remove-background.results', { projectId });
  expect(results.map((r) => r.options.preset).sort()).toEqual(['cutout', 'cutout', 'mask']);
});

test('a run waiting on a paused queue says so, and Cancel stops it with nothing made', async ({ app: page, workDir }) => {
  await importFolder(page, workDir, 'Bekleyen Kesim', 2);
  await pageRpc(page, 'queue.pause', {});
  try {
    await page.getByTestId('remove-background').click();
    await page.getByTestId('segment-start').click();
    const run = page.getByTestId('segment-run').first();
    await expect(run).toHaveAttribute('data-state', 'queued');
    await expect(run.getByTestId('segment-queue-paused')).toContainText('waiting: the queue is paused');
    await expect(page.locator('[data-testid="asset-cell"][data-seg-state="pending"]')).toHaveCount(2);
    await run.getByTestId('segment-cancel').click();
    await expect(run).toHaveAttribute('data-state', 'cancelled');
    await expect(page.locator('[data-testid="asset-cell"][data-seg-state]')).toHaveCount(0);
    const runId = (await run.getAttribute('data-run-id'))!;
    expect(await pageRpc<{ state: string }>(page, 'remove-background.get', { runId })).toMatchObject({ state: 'cancelled' });
  } finally {
    await pageRpc(page, 'queue.resume', {});
  }
  await expect(page.getByTestId('result-badge')).toHaveCount(0);
});
