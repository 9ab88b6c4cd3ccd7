import fs from 'node:fs/promises';
import { expect, expectThumbnailsLoaded, importFolder, projectCard, test } from './support/fixtures.js';

test('rename inline from the project list; the name survives a reload', async ({ app: page, workDir }) => {
  await importFolder(page, workDir, 'Yeniden Adlandır', 4);
  await page.getByTestId('nav-gallery').click();

  const card = projectCard(page, 'Yeniden Adlandır');
  await card.hover();
  await card.getByTestId('project-rename').click();
  const input = card.getByTestId('rename-input');
  await expect(input).toBeFocused();
  await input.fill('Kahvaltılık Ürünler — İkinci Çekim');
  await input.press('Enter');

  const renamed = projectCard(page, 'Kahvaltılık Ürünler — İkinci Çekim');
  await expect(renamed.getByTestId('project-name')).toHaveText('Kahvaltılık Ürünler — İkinci Çekim');
  await expect(projectCard(page, 'Yeniden Adlandır')).toHaveCount(0);

  await page.reload();
  await expect(projectCard(page, 'Kahvaltılık Ürünler — İkinci Çekim').getByTestId('project-count')).toHaveText('4 images');
});

test('F2 renames the open project; an empty name is refused and Escape cancels', async ({ app: page, workDir }) => {
  await importFolder(page, workDir, 'Kısayol Adı', 2);

  await page.keyboard.press('F2');
  const input = page.getByTestId('rename-input');
  await expect(input).toBeFocused();
  await input.fill('   ');
  await input.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: '1 to 200 characters' })).toBeVisible();
  await input.press('Escape');
  await expect(page.getByTestId('project-title')).toHaveText('Kısayol Adı');

  await page.keyboard.press('F2');
  await page.getByTestId('rename-input').fill('Kısayolla Değişti');
  await page.getByTestId('rename-input').press('Enter');
  await expect(page.getByTestId('project-title')).toHaveText('Kısayolla Değişti');
  await page.reload();
  await expect(page.getByTestId('project-title')).toHaveText('Kısayolla Değişti');
  await expectThumbnailsLoaded(page, 2);
});

test('delete asks first; cancel keeps the project, confirm removes it and its files', async ({ app: page, workDir }) => {
  const id = await importFolder(page, workDir, 'Silinecek Proje', 3);
  const assetId = await page.getByTestId('asset-cell').first().getAttribute('data-asset-id');
  const thumbUrl = new URL(`/media/thumb/${assetId}`, page.url()).href;
  expect(await page.evaluate(async (url) => (await fetch(url, { cache: 'no-store' })).status, thumbUrl)).toBe(200);

  await page.getByTestId('nav-gallery').click();
  const card = projectCard(page, 'Silinecek Proje');
  await card.hover();
  await card.getByTestId('project-delete').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Delete “Silinecek Proje”?');
  // Cancel has the focus: Enter on the prompt must not destroy anything.
  await expect(dialog.getByTestId('confirm-cancel')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(card).toHaveCount(1);

  // The Delete key on the focused card asks again.
  await card.getByTestId('project-name').focus();
  await page.keyboard.press('Delete');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('confirm-ok').click();
  await expect(card).toHaveCount(0);
  await expect(page.getByTestId('toast').filter({ hasText: 'Deleted “Silinecek Proje”' })).toBeVisible();

  await page.reload();
  await expect(page.getByTestId('page-gallery')).toBeVisible();
  await expect(projectCard(page, 'Silinecek Proje')).toHaveCount(0);
  // The media went with it, and the project's address now says so.
  expect(await page.evaluate(async (url) => (await fetch(url, { cache: 'no-store' })).status, thumbUrl)).toBe(404);
  await page.goto(new URL(`/#/gallery/${id}`, page.url()).href);
  await expect(page.getByTestId('project-missing')).toBeVisible();
});

test('"/" searches projects, case- and Turkish-insensitively', async ({ app: page, workDir }) => {
  await importFolder(page, workDir, 'İstanbul Şubesi', 1);
  await importFolder(page, workDir, 'Ankara Deposu', 1);
  await page.getByTestId('nav-gallery').click();

  await page.keyboard.press('/');
  const search = page.getByTestId('project-search');
  await expect(search).toBeFocused();
  await search.fill('istanbul sube');
  await expect(projectCard(page, 'İstanbul Şubesi')).toHaveCount(1);
  await expect(projectCard(page, 'Ankara Deposu')).toHaveCount(0);
  await search.fill('ŞUBE');
  await expect(projectCard(page, 'İstanbul Şubesi')).toHaveCount(1);
  await search.press('Escape');
  await expect(projectCard(page, 'Ankara Deposu')).toHaveCount(1);
});

test('a project downloads as a ZIP named after it, with its images', async ({ app: page, workDir }) => {
  await importFolder(page, workDir, 'Dışa Aktarım Ürünleri', 3);
  await page.getByTestId('project-export').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog.getByTestId('export-include-both')).toBeChecked();
  // Nothing has a result yet: "results only" would be an empty ZIP.
  await expect(dialog.getByTestId('export-include-results')).toBeDisabled();
  await dialog.getByTestId('export-include-originals').check();
  const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByTestId('export-download').click()]);
  await expect(dialog).toHaveCount(0);
  expect(download.suggestedFilename()).toBe('Dışa Aktarım Ürünleri.zip');
  const bytes = await fs.readFile(await download.path());
  expect(bytes.subarray(0, 4).toString('binary')).toBe('PK\x03\x04');
  // One central-directory record per entry: the three originals at least.
  const entries = bytes.toString('binary').split('PK\x01\x02').length - 1;
  expect(entries).toBe(3);
  expect(bytes.toString('latin1')).toContain('originals/');
  expect(bytes.toString('latin1')).not.toContain('results/');
});
