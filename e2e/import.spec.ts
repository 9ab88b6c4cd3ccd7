import fs from 'node:fs/promises';
import path from 'node:path';
import { dropPaths, expect, expectThumbnailsLoaded, makeImages, projectCard, test, turkishNames, waitForImport } from './support/fixtures.js';

test('dropping a folder of 20 images (with a subfolder) makes a project with 20 thumbnails', async ({ app: page, workDir }) => {
  const folder = path.join(workDir, 'Kış Kampanyası Çekim 1');
  const names = turkishNames(20);
  // Five of them one level down: the drop must walk folders, not just the top level.
  await makeImages(folder, names.map((n, i) => (i < 5 ? `alt klasör/${n}` : n)));

  await dropPaths(page, [folder]);

  const stats = await waitForImport(page, 'Kış Kampanyası Çekim 1');
  expect(stats).toContain('20 imported');
  expect(stats).toContain('0 skipped');
  // The view follows the drop to the new project, which fills with its thumbnails.
  await expect(page.getByTestId('project-title')).toHaveText('Kış Kampanyası Çekim 1');
  await expect(page.getByTestId('project-count')).toHaveText('20 images');
  await expectThumbnailsLoaded(page, 20);
  await expect(page.getByTestId('toast').filter({ hasText: 'Imported 20 images into “Kış Kampanyası Çekim 1”' })).toBeVisible();

  // The names came through: a file from the subfolder keeps its relative path.
  const titles = await page.getByTestId('asset-cell').evaluateAll((cells) => cells.map((c) => c.getAttribute('title')));
  expect(titles).toContain(`alt klasör/${names[0]}`);
  expect(titles).toContain(names[19]);
  // Uploaded in parallel and imported in batches, yet in the folder's order (the engine's order for a scanned folder).
  const relPaths = names.map((n, i) => (i < 5 ? `alt klasör/${n}` : n));
  expect(titles).toEqual([...relPaths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

  await page.getByTestId('back-to-projects').click();
  const card = projectCard(page, 'Kış Kampanyası Çekim 1');
  await expect(card.getByTestId('project-count')).toHaveText('20 images');
  await expect(card.getByTestId('project-cover')).toHaveJSProperty('complete', true);
  expect(await card.getByTestId('project-cover').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
});

test('a folder of more than 100 files arrives whole (Chromium lists a folder 100 entries at a time)', async ({ app: page, workDir }) => {
  const folder = path.join(workDir, 'Yüz Otuz Dosya');
  await makeImages(folder, turkishNames(130, 'küçük'), { width: 80, height: 60 });

  await dropPaths(page, [folder]);

  const stats = await waitForImport(page, 'Yüz Otuz Dosya');
  expect(stats).toContain('130 imported');
  await expect(page.getByTestId('project-count')).toHaveText('130 images');
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-total', '130');
});

test('choosing a folder with the folder picker imports it the same way', async ({ app: page, workDir }) => {
  const folder = path.join(workDir, 'Raf Düzeni Şubat');
  await makeImages(folder, turkishNames(6, 'raf'));

  await page.getByTestId('file-input-folder').setInputFiles(folder);

  const stats = await waitForImport(page, 'Raf Düzeni Şubat');
  expect(stats).toContain('6 imported');
  await expect(page.getByTestId('project-title')).toHaveText('Raf Düzeni Şubat');
  await expectThumbnailsLoaded(page, 6);
});

test('bad files are skipped with their reasons and a repeated file counts as a duplicate', async ({ app: page, workDir }) => {
  const folder = path.join(workDir, 'Karışık Dosyalar');
  const [first] = await makeImages(folder, ['iyi 1.jpg', 'iyi 2.jpg', 'iyi 3.jpg']);
  const bytes = await fs.readFile(first!);
  await fs.writeFile(path.join(folder, 'aynı dosya kopyası.jpg'), bytes);
  await fs.writeFile(path.join(folder, 'boş.jpg'), '');
  await fs.writeFile(path.join(folder, 'not defteri.jpg'), 'this is text, not a JPEG\n');
  await fs.writeFile(path.join(folder, 'yarım kalmış.jpg'), bytes.subarray(0, Math.floor(bytes.length / 3)));

  await dropPaths(page, [folder]);

  const stats = await waitForImport(page, 'Karışık Dosyalar');
  expect(stats).toContain('3 imported');
  expect(stats).toContain('1 duplicates');
  expect(stats).toContain('3 skipped');
  await expect(page.getByTestId('project-title')).toHaveText('Karışık Dosyalar');
  await expectThumbnailsLoaded(page, 3);

  await page.getByTestId('skipped-toggle').click();
  const rows = page.getByTestId('skipped-item');
  await expect(rows).toHaveCount(3);
  for (const name of ['boş.jpg', 'not defteri.jpg', 'yarım kalmış.jpg']) {
    const row = rows.filter({ hasText: name });
    await expect(row).toHaveCount(1);
    // A reason, not an empty cell.
    expect(((await row.locator('td').nth(1).textContent()) ?? '').trim().length).toBeGreaterThan(3);
  }
});

test('dropping a loose image file imports it; the viewer shows the original and walks with the arrows', async ({ app: page, workDir }) => {
  const folder = path.join(workDir, 'Tek Tek');
  const files = await makeImages(folder, ['ön yüz.jpg', 'arka yüz.jpg', 'yan yüz.jpg'], { width: 1200, height: 900 });

  // Files, not their folder: a browser does not say where dropped files lie, so the project gets a dated name.
  await dropPaths(page, files);
  await waitForImport(page, /^Upload \d{4}-\d{2}-\d{2}/);
  await expect(page.getByTestId('project-title')).toHaveText(/^Upload /);
  await expectThumbnailsLoaded(page, 3);

  await page.getByTestId('asset-cell').first().click();
  const viewer = page.getByTestId('lightbox');
  await expect(viewer).toBeVisible();
  await expect(viewer.getByTestId('lightbox-position')).toHaveText('Image 1 of 3');
  const original = viewer.getByTestId('lightbox-image');
  await expect.poll(() => original.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1200);
  await expect(viewer.getByTestId('lightbox-name')).toHaveText('arka yüz.jpg');

  await page.keyboard.press('ArrowRight');
  await expect(viewer.getByTestId('lightbox-position')).toHaveText('Image 2 of 3');
  // Import order is the path order (code points, as the engine sorts a scanned folder): "ö" after "y".
  await expect(viewer.getByTestId('lightbox-name')).toHaveText('yan yüz.jpg');
  await page.keyboard.press('ArrowRight');
  await expect(viewer.getByTestId('lightbox-name')).toHaveText('ön yüz.jpg');
  await expect(viewer.getByTestId('lightbox-next')).toBeDisabled();
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
});
