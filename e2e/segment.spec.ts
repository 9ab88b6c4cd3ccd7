/**
 * Background removal through the UI with the real model (ISNet from the npm package,
 * assembled into the library on first use) on the CPU. Slow on two cores: the first
 * run assembles and verifies the 88 MB model and loads it; each image then takes ~1–3 s.
 */
import sharp from 'sharp';
import { expect, expectThumbnailsLoaded, importFolder, test, pageRpc } from './support/fixtures.js';

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
