/**
 * One truth for a batch's state: the project banner and the Queue page summarize the same
 * run the same way (state, done, needs review, failed), and both name the failed image.
 * The real model (ISNet) on the CPU; one photo is a product, one a blank shelf (the model
 * finds nothing: needs review), one is damaged in the library after import (fails).
 */
import path from 'node:path';
import sharp from 'sharp';
import { damageLibraryCopy, dropPaths, expect, expectThumbnailsLoaded, makeImages, test, waitForImport } from './support/fixtures.js';

test('the banner and the Queue page say the same of a run with a result to review and a failure, and name the failed image', async ({ app: page, workDir }) => {
  test.setTimeout(180_000);
  const folder = path.join(workDir, 'Özet Projesi');
  await makeImages(folder, ['a ürün.jpg', 'c bozuk.jpg']);
  await sharp({ create: { width: 320, height: 240, channels: 3, background: '#f2f2f2' } })
    .jpeg()
    .toFile(path.join(folder, 'b boş raf.jpg'));
  await dropPaths(page, [folder]);
  await waitForImport(page, 'Özet Projesi');
  await expectThumbnailsLoaded(page, 3);
  const projectId = /#\/\w+\/([0-9a-f-]{36})$/.exec(page.url())![1]!;

  // The library's copy of one photo gets truncated (a disk fault): its job fails.
  await damageLibraryCopy(page, projectId, 'c bozuk.jpg');

  await page.getByTestId('remove-background').click();
  const dialog = page.getByTestId('segment-dialog');
  await dialog.getByTestId('scope-all').check();
  await dialog.getByTestId('preset-white').check();
  await dialog.getByTestId('segment-start').click();
  await expect(dialog).toBeHidden();

  const run = page.getByTestId('segment-run').first();
  await expect(run).toHaveAttribute('data-state', 'failed', { timeout: 150_000 });
  await expect(run.getByTestId('segment-run-state')).toHaveText('Failed');
  // The batch's end toast says the same (the import's toast may still be showing beside it).
  await expect(page.getByTestId('toast').filter({ hasText: 'Özet Projesi' }).filter({ hasText: 'needs review' })).toContainText('1 of 3 done · 1 needs review · 1 failed');
  await expect(run.getByTestId('segment-run-done')).toHaveText('1 of 3 done');
  await expect(run.getByTestId('segment-run-review')).toHaveText(' · 1 needs review');
  await expect(run.getByTestId('segment-run-failed')).toHaveText(' · 1 failed');
  await run.locator('.run-failures summary').click();
  await expect(run.getByTestId('segment-failure')).toHaveCount(1);
  await expect(run.getByTestId('segment-failure')).toContainText('c bozuk.jpg');
  const bannerCounts = await run.getByTestId('segment-run-text').innerText();

  await page.getByTestId('nav-queue').click();
  const row = page.locator(`[data-testid="batch-row"][data-type="remove-background"]`).filter({ hasText: 'Özet Projesi' });
  await expect(row).toHaveAttribute('data-state', 'failed');
  await expect(row.getByTestId('batch-state')).toHaveText('Failed');
  await expect(row.getByTestId('batch-counts')).toContainText('1 of 3 done · 1 needs review · 1 failed');
  // The same words as the banner (the banner adds where it ran).
  expect(bannerCounts.startsWith((await row.getByTestId('batch-counts').innerText()).trim())).toBe(true);

  // Job rows name their image; the failed one is the damaged photo.
  await row.getByTestId('batch-show-jobs').click();
  const failedJob = page.locator('[data-testid="job-row"][data-state="failed"]');
  await expect(failedJob).toHaveCount(1);
  await expect(failedJob).toContainText('c bozuk.jpg');
});
