/**
 * Turkish mode shows no English engine text: a batch with skipped files, a failed image and
 * a result that needs review, walked through in Turkish (project page, skipped list, the
 * run's banner and failure list, the Queue page's batch and job rows). The English to look
 * for is collected from the engine's own source: every reason its ingest and scan write.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { damageLibraryCopy, dropPaths, expect, makeImages, test, waitForImport } from './support/fixtures.js';
import { repoRoot } from './support/server.js';

/** The fixed English fragments of the engine's reason texts (template parameters cut out), longest first. */
async function engineCatalogue(): Promise<string[]> {
  const sources = ['src-main/engine/images/ingest.ts', 'src-main/features/import/scan.ts'];
  const fragments = new Set<string>();
  for (const file of sources) {
    const text = await fs.readFile(path.join(repoRoot, file), 'utf8');
    // String and template literals that are reasons: after `reason:`, `return` in the explainers, or a kind in specialReason.
    for (const m of text.matchAll(/(?:reason: |return |\? )(['`])((?:(?!\1).)+)\1/g)) {
      for (const part of m[2]!.split(/\$\{[^}]*\}/)) {
        const clean = part.replace(/^[\s:;,(]+|[\s:;,(]+$/g, '');
        if (clean.length >= 10 && /^[a-z]/i.test(clean) && / /.test(clean)) fragments.add(clean);
      }
    }
  }
  // What the remove-background job and the summary say in English when untranslated.
  for (const s of ['corrupt or truncated image', 'Input buffer', 'needs review', 'need review', ' of 3 done', 'Completed', 'Failed', 'Needs review', 'Remove background (']) fragments.add(s);
  return [...fragments].sort((a, b) => b.length - a.length);
}

async function expectNoEnglish(page: Page, catalogue: readonly string[], where: string): Promise<void> {
  const text = await page.locator('main').innerText();
  const found = catalogue.filter((s) => text.includes(s));
  expect(found, `${where} shows English engine text:\n${text}`).toEqual([]);
}

test('Turkish: skipped files, a failed image and a result to review, with no English engine text on the way', async ({ app: page, workDir }, testInfo) => {
  test.setTimeout(180_000);
  const catalogue = await engineCatalogue();
  // The catalogue really holds the engine's reasons (an empty one would pass anything).
  expect(catalogue).toEqual(expect.arrayContaining(['empty file (0 bytes)', 'not a decodable image (unsupported or unrecognised format)']));

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('tr');
  await expect(page.locator('html')).toHaveAttribute('lang', 'tr');

  const folder = path.join(workDir, 'Türkçe Raf');
  await makeImages(folder, ['a ürün.jpg', 'c kırık.jpg']);
  await sharp({ create: { width: 320, height: 240, channels: 3, background: '#f2f2f2' } })
    .jpeg()
    .toFile(path.join(folder, 'b boş raf.jpg'));
  await fs.writeFile(path.join(folder, 'notlar.txt'), 'alışveriş listesi: elma, armut\n'.repeat(20));
  await fs.writeFile(path.join(folder, 'sıfır.jpg'), Buffer.alloc(0));
  await dropPaths(page, [folder]);
  await waitForImport(page, 'Türkçe Raf');
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-total', '3');
  const projectId = /#\/\w+\/([0-9a-f-]{36})$/.exec(page.url())![1]!;

  // Skipped files, with their reasons in Turkish.
  await page.getByTestId('skipped-toggle').click();
  await expect(page.getByTestId('skipped-item')).toHaveCount(2);
  await expect(page.getByTestId('skipped-list')).toContainText('Boş dosya (0 bayt)');
  await expect(page.getByTestId('skipped-list')).toContainText('açabildiği bir görsel değil');
  await expectNoEnglish(page, catalogue, 'the skipped list');

  // The library's copy of one photo gets truncated: its job fails.
  await damageLibraryCopy(page, projectId, 'c kırık.jpg');

  await page.getByTestId('remove-background').click();
  const dialog = page.getByTestId('segment-dialog');
  await dialog.getByTestId('scope-all').check();
  await dialog.getByTestId('preset-white').check();
  await dialog.getByTestId('segment-start').click();
  await expect(dialog).toBeHidden();
  const run = page.getByTestId('segment-run').first();
  await expect(run).toHaveAttribute('data-state', 'failed', { timeout: 150_000 });
  await expect(run.getByTestId('segment-run-state')).toHaveText('Başarısız');
  await expect(run.getByTestId('segment-run-done')).toHaveText('3 işten 1 tanesi bitti');
  await expect(run.getByTestId('segment-run-review')).toHaveText(' · 1 gözden geçirilmeli');
  await run.locator('.run-failures summary').click();
  await expect(run.getByTestId('segment-failure')).toContainText('c kırık.jpg');
  await expect(run.getByTestId('segment-failure')).toContainText('Görsel okunamıyor');
  await expect(page.getByTestId('review-banner')).toBeVisible();
  await expectNoEnglish(page, catalogue, 'the project page after the run');
  // For a person to look at, in the test's output: the banner and the skipped list in Turkish, dark.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: testInfo.outputPath('tr-dark-project.png') });
  await page.emulateMedia({ colorScheme: 'light' });

  await page.getByTestId('nav-queue').click();
  const row = page.locator('[data-testid="batch-row"][data-type="remove-background"]').filter({ hasText: 'Türkçe Raf' });
  await expect(row.getByTestId('batch-state')).toHaveText('Başarısız');
  await expect(row.getByTestId('batch-counts')).toContainText('3 işten 1 tanesi bitti · 1 gözden geçirilmeli · 1 başarısız');
  await row.getByTestId('batch-show-jobs').click();
  await expect(page.locator('[data-testid="job-row"][data-state="failed"]')).toContainText('c kırık.jpg');
  await expectNoEnglish(page, catalogue, 'the Queue page');
  await page.screenshot({ path: testInfo.outputPath('tr-queue.png'), fullPage: true });

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});
