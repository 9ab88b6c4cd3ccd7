/**
 * The viewer's before/after lines up for crop and square: a real grocery photo, both
 * presets run with the real model, and in the viewer the subject's middle looks the same
 * with the slider at "all original" and at "all result". Screenshots go to docs/images.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { dropPaths, expect, expectThumbnailsLoaded, test, waitForImport } from './support/fixtures.js';
import { repoRoot } from './support/server.js';

const PHOTO = path.resolve(repoRoot, '../shared/datasets/grocery-store/train/Packages/Juice/Bravo-Apple-Juice/Bravo-Apple-Juice_001.jpg');

async function runPreset(page: Page, preset: 'crop' | 'square', runs: number): Promise<void> {
  await page.getByTestId('remove-background').click();
  const dialog = page.getByTestId('segment-dialog');
  await dialog.getByTestId('scope-all').check();
  await dialog.getByTestId(`preset-${preset}`).check();
  await dialog.getByTestId('segment-start').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('segment-run')).toHaveCount(runs);
  await expect(page.getByTestId('segment-run').first()).toHaveAttribute('data-state', 'done', { timeout: 150_000 });
}

/**
 * How many pixels of the box look the same (within 24 levels a channel) in the before and
 * the after screenshot with the after shifted by (dx, dy) screen pixels. Background pixels
 * never match (the original's backdrop against the checkerboard), subject pixels do where
 * the result lies right over the original.
 */
async function matches(a: Buffer, b: Buffer, box: { x: number; y: number; w: number; h: number }): Promise<(dx: number, dy: number) => number> {
  const [ra, rb] = await Promise.all([a, b].map((x) => sharp(x).removeAlpha().raw().toBuffer({ resolveWithObject: true })));
  const { width, height, channels } = ra!.info;
  return (dx, dy) => {
    let n = 0;
    for (let y = Math.floor(box.y * height); y < Math.ceil((box.y + box.h) * height); y++) {
      for (let x = Math.floor(box.x * width); x < Math.ceil((box.x + box.w) * width); x++) {
        const i = (y * width + x) * channels;
        const j = ((y + dy) * width + (x + dx)) * channels;
        if ([0, 1, 2].every((c) => Math.abs(ra!.data[i + c]! - rb!.data[j + c]!) <= 24)) n++;
      }
    }
    return n;
  };
}

test('viewer: crop and square results line up with the original under the slider', async ({ app: page, workDir }) => {
  test.skip(!existsSync(PHOTO), `${PHOTO} is absent (the grocery-store dataset lives beside the repository)`);
  test.setTimeout(240_000);
  const folder = path.join(workDir, 'Hizalama');
  await fs.mkdir(folder, { recursive: true });
  await fs.copyFile(PHOTO, path.join(folder, 'elma suyu.jpg'));
  await dropPaths(page, [folder]);
  await waitForImport(page, 'Hizalama');
  await expectThumbnailsLoaded(page, 1);
  await runPreset(page, 'square', 1);
  await runPreset(page, 'crop', 2);

  await page.getByTestId('asset-cell').first().click();
  const viewer = page.getByTestId('lightbox');
  const frame = viewer.getByTestId('lightbox-frame');
  await expect(viewer.getByTestId('result-item')).toHaveCount(2);
  for (const preset of ['crop', 'square'] as const) {
    const item = viewer.getByTestId('result-item').filter({ hasText: preset === 'crop' ? 'Crop' : 'Square' });
    await item.locator('input[type=radio]').check();
    const after = viewer.getByTestId('compare-after');
    await expect(after).toHaveAttribute('data-aligned', 'true');
    await expect.poll(() => viewer.getByTestId('compare-result').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const slider = viewer.getByTestId('compare-slider');
    await slider.focus();
    await page.keyboard.press('End');
    await expect(slider).toHaveValue('100');
    const original = await frame.screenshot();
    await page.keyboard.press('Home');
    await expect(slider).toHaveValue('0');
    const result = await frame.screenshot();
    // Where the result lies over the frame (its placement), and the middle of it: the subject.
    const frameBox = (await frame.boundingBox())!;
    const r = (await viewer.getByTestId('compare-result').boundingBox())!;
    const inner = {
      x: Math.max(0.05, (r.x - frameBox.x + r.width / 4) / frameBox.width),
      y: Math.max(0.05, (r.y - frameBox.y + r.height / 4) / frameBox.height),
      w: 0,
      h: 0,
    };
    inner.w = Math.min(0.95, (r.x - frameBox.x + (3 * r.width) / 4) / frameBox.width) - inner.x;
    inner.h = Math.min(0.95, (r.y - frameBox.y + (3 * r.height) / 4) / frameBox.height) - inner.y;
    const same = await matches(original, result, inner);
    const aligned = same(0, 0);
    // Shifted a few pixels any way, fewer pixels agree: the result sits exactly over the original.
    for (const [dx, dy] of [[-6, 0], [6, 0], [0, -6], [0, 6]] as const) {
      expect(aligned, `${preset}: before and after agree better shifted by ${dx},${dy}`).toBeGreaterThan(same(dx, dy) * 1.15);
    }
    if (preset === 'square') expect(Math.abs(r.width - r.height)).toBeLessThan(2);
    // Half and half, as a user compares: into the docs.
    await page.keyboard.press('End');
    for (let i = 0; i < 5; i++) await page.keyboard.press('PageDown');
    await page.mouse.move(0, 0);
    await viewer.screenshot({ path: path.join(repoRoot, 'docs/images', `viewer-aligned-${preset}.png`) });
  }
});
