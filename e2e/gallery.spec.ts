/**
 * The gallery's everyday actions, as the user does them: delete what is selected (with
 * Undo), delete from the viewer, move images between projects, sort, filter and search a
 * project, and zoom and pan in the viewer. No model runs here (segment.spec.ts does that).
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { dropPaths, expect, expectThumbnailsLoaded, importFolder, makeImages, projectCard, pageRpc, test, waitForImport } from './support/fixtures.js';

/** The file names of the grid's cells, in the order shown. */
async function cellNames(page: Page): Promise<string[]> {
  return page.getByTestId('asset-cell').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-file-name') ?? ''));
}

async function expectTotal(page: Page, total: number): Promise<void> {
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-total', String(total));
  await expect(page.getByTestId('asset-cell')).toHaveCount(total);
}

test('Delete deletes the selected images, not the project; Undo brings them back; the viewer deletes one', async ({ app: page, workDir }) => {
  const projectId = await importFolder(page, workDir, 'Silinen Görseller', 5);
  await expectThumbnailsLoaded(page, 5);
  const before = await cellNames(page);

  const cells = page.getByTestId('asset-cell');
  await cells.nth(1).click({ modifiers: ['ControlOrMeta'] });
  await cells.nth(3).click({ modifiers: ['ControlOrMeta'] });
  await expect(page.getByTestId('selection-count')).toHaveText('2 images selected');
  await page.keyboard.press('Delete');

  // The two selected images went at once (no question), the project and the others stayed.
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
  await expectTotal(page, 3);
  expect(await cellNames(page)).toEqual([before[0], before[2], before[4]]);
  await expect(page.getByTestId('project-count')).toHaveText('3 images');
  await expect(page.getByTestId('undo-bar')).toContainText('2 images deleted');
  const listed = await pageRpc<{ total: number }>(page, 'assets.list', { projectId, offset: 0, limit: 10 });
  expect(listed.total).toBe(3);

  await page.getByTestId('undo-button').click();
  await expect(page.getByTestId('undo-bar')).toHaveCount(0);
  await expectTotal(page, 5);
  expect(await cellNames(page)).toEqual(before);

  // From the viewer: Delete removes the image shown, and the next one takes its place.
  await cells.nth(2).click();
  const viewer = page.getByTestId('lightbox');
  await expect(viewer).toBeVisible();
  await expect(viewer.getByTestId('lightbox-frame')).toBeVisible();
  await viewer.getByTestId('lightbox-delete').click();
  await expect(page.getByTestId('undo-bar')).toContainText('1 image deleted');
  await expect(viewer.locator('dd').first()).toContainText(before[3]!);
  await page.keyboard.press('Escape');
  await expect(viewer).toHaveCount(0);
  await expectTotal(page, 4);
  expect(await cellNames(page)).toEqual([before[0], before[1], before[3], before[4]]);

  // Ctrl+Z while the bar shows undoes it too.
  await page.keyboard.press('ControlOrMeta+z');
  await expectTotal(page, 5);
});

test('move selected images to another project, results and all', async ({ app: page, workDir }) => {
  // Other bytes than the source's (a project refuses a second copy of an image it holds).
  await makeImages(path.join(workDir, 'Hedef Proje'), ['hedef 1.jpg', 'hedef 2.jpg'], { width: 500, height: 400 });
  await dropPaths(page, [path.join(workDir, 'Hedef Proje')]);
  await waitForImport(page, 'Hedef Proje');
  await expect(page.getByTestId('project-title')).toHaveText('Hedef Proje');
  const targetId = /#\/\w+\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
  await importFolder(page, workDir, 'Kaynak Proje', 3);
  await expectThumbnailsLoaded(page, 3);
  const names = await cellNames(page);

  await page.getByTestId('asset-cell').nth(0).click({ modifiers: ['ControlOrMeta'] });
  await page.getByTestId('asset-cell').nth(2).click({ modifiers: ['ControlOrMeta'] });
  await page.getByTestId('selection-move').click();
  const dialog = page.getByTestId('move-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('move-target').selectOption(targetId);
  await dialog.getByTestId('move-confirm').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('toast').filter({ hasText: 'Moved 2 images to “Hedef Proje”' })).toBeVisible();
  await expectTotal(page, 1);
  expect(await cellNames(page)).toEqual([names[1]]);

  await page.getByTestId('nav-gallery').click();
  await projectCard(page, 'Hedef Proje').getByTestId('project-name').click();
  await expect(page.getByTestId('project-title')).toHaveText('Hedef Proje');
  await expectTotal(page, 4);
  const moved = await cellNames(page);
  expect(moved).toContain(names[0]);
  expect(moved).toContain(names[2]);
});

test('sort by name, date and size, filter and search by file name, on the engine', async ({ app: page, workDir }) => {
  const folder = path.join(workDir, 'Sıralama');
  await makeImages(folder, ['b-elma.jpg', 'a-armut.jpg', 'c-kiraz.jpg']);
  // The largest file by far (the others are 640×480).
  await makeImages(folder, ['d-karpuz.jpg'], { width: 2000, height: 1500 });
  await dropPaths(page, [folder]);
  await waitForImport(page, 'Sıralama');
  await expectTotal(page, 4);

  const sort = page.getByTestId('grid-sort');
  const order = page.getByTestId('grid-order');
  await sort.selectOption('name');
  await expect(order).toHaveAttribute('data-order', 'asc');
  await expect.poll(() => cellNames(page)).toEqual(['a-armut.jpg', 'b-elma.jpg', 'c-kiraz.jpg', 'd-karpuz.jpg']);
  await order.click();
  await expect.poll(() => cellNames(page)).toEqual(['d-karpuz.jpg', 'c-kiraz.jpg', 'b-elma.jpg', 'a-armut.jpg']);
  await sort.selectOption('size');
  await expect.poll(async () => (await cellNames(page))[0]).toBe('d-karpuz.jpg');
  await order.click();
  await expect.poll(async () => (await cellNames(page))[3]).toBe('d-karpuz.jpg');

  // Search: the engine's LIKE on the file name; the count says how many of how many.
  await page.getByTestId('grid-search').fill('kiraz');
  await expectTotal(page, 1);
  expect(await cellNames(page)).toEqual(['c-kiraz.jpg']);
  await expect(page.getByTestId('grid-found')).toContainText('1');
  await page.getByTestId('grid-search').fill('yok-böyle-bir-şey');
  await expect(page.getByTestId('grid-empty')).toHaveText('No image matches the search or filter.');

  // Filters: nothing has a result yet, so "has result" and "needs review" are empty and "no result" is everything.
  await page.getByTestId('grid-reset').click();
  await expectTotal(page, 4);
  await page.getByTestId('grid-filter').selectOption('has_result');
  await expect(page.getByTestId('grid-empty')).toBeVisible();
  await page.getByTestId('grid-filter').selectOption('needs_review');
  await expect(page.getByTestId('grid-empty')).toBeVisible();
  await page.getByTestId('grid-filter').selectOption('no_result');
  await expectTotal(page, 4);
  await page.getByTestId('grid-reset').click();
  await expectTotal(page, 4);
  // Sort and order are a habit: they survive a reload.
  await page.reload();
  await expect(page.getByTestId('grid-sort')).toHaveValue('size');
  await expect.poll(async () => (await cellNames(page))[3]).toBe('d-karpuz.jpg');
  await sort.selectOption('import');
});

test('viewer: the wheel zooms, 1:1 shows the pixels, a drag pans, Fit goes back', async ({ app: page, workDir }) => {
  const folder = path.join(workDir, 'Yakınlaştırma');
  await makeImages(folder, ['büyük.jpg'], { width: 2400, height: 1600 });
  await dropPaths(page, [folder]);
  await waitForImport(page, 'Yakınlaştırma');
  await page.getByTestId('asset-cell').first().click();
  const frame = page.getByTestId('lightbox-frame');
  await expect(frame).toHaveAttribute('data-zoom', '1.000');

  await page.getByTestId('lightbox-zoom-1to1').click();
  await expect(page.getByTestId('lightbox-zoom-level')).toHaveText('100%');
  // One image pixel per screen pixel: the frame's rendered width is the photo's.
  const shown = await frame.boundingBox();
  expect(Math.round(shown!.width)).toBe(2400);

  const stage = await page.getByTestId('lightbox-stage').boundingBox();
  const cx = stage!.x + stage!.width / 2;
  const cy = stage!.y + stage!.height / 2;
  const panBefore = await frame.getAttribute('data-pan');
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx + 150, cy + 80, { steps: 5 });
  await page.mouse.up();
  await expect(frame).not.toHaveAttribute('data-pan', panBefore!);

  await page.getByTestId('lightbox-zoom-fit').click();
  await expect(frame).toHaveAttribute('data-zoom', '1.000');
  await expect(frame).toHaveAttribute('data-pan', '0,0');

  await page.mouse.move(cx, cy);
  await page.mouse.wheel(0, -400);
  await expect.poll(async () => Number(await frame.getAttribute('data-zoom'))).toBeGreaterThan(1.2);
  // Keys: 0 fits.
  await page.keyboard.press('0');
  await expect(frame).toHaveAttribute('data-zoom', '1.000');
});

/** Drags files from disk into the window and moves them about before letting go, as a user hovering before the drop. */
async function startDrag(page: Page, paths: readonly string[]) {
  const cdp = await page.context().newCDPSession(page);
  const data = { items: [], files: [...paths], dragOperationsMask: 1 };
  const send = async (type: 'dragEnter' | 'dragOver' | 'drop', at: { x: number; y: number }) =>
    cdp.send('Input.dispatchDragEvent', { type, x: Math.round(at.x), y: Math.round(at.y), data });
  return {
    over: async (at: { x: number; y: number }) => {
      await send('dragEnter', at);
      // Chromium's drag target takes a second dragover at a new point only after a dragenter there.
      await send('dragOver', at);
    },
    drop: async (at: { x: number; y: number }) => {
      await send('drop', at);
      await cdp.detach();
    },
  };
}

test('images dropped on a project card, or on an open project, are added to that project', async ({ app: page, workDir }) => {
  const projectId = await importFolder(page, workDir, 'Eklenecek Proje', 2);
  await expectThumbnailsLoaded(page, 2);

  // On the list: the card under the pointer lights up and the overlay names the project.
  await page.getByTestId('nav-gallery').click();
  const card = projectCard(page, 'Eklenecek Proje');
  await expect(card).toBeVisible();
  const extra = await makeImages(path.join(workDir, 'ek'), ['ek elma.jpg', 'ek armut.jpg', 'ek kiraz.jpg'], { width: 420, height: 300 });
  // A quick drop (the overlay still saying "Drop to import") makes a new project, as it said: resting on a card first makes the card the target.
  const drag = await startDrag(page, extra);

  // Away from any card, the overlay says a new project is made.
  await drag.over({ x: 640, y: 790 });
  await expect(page.getByTestId('drop-overlay-title')).toHaveText('Drop to import');
  await expect(card).not.toHaveAttribute('data-drop-over', 'true');
  const box = (await card.boundingBox())!;
  const onCard = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await drag.over(onCard);
  await expect(card).toHaveAttribute('data-drop-over', 'true');
  await expect(page.getByTestId('drop-overlay-title')).toHaveText('Drop to add to “Eklenecek Proje”');
  await drag.drop(onCard);
  await expect(card).not.toHaveAttribute('data-drop-over', 'true');
  await expect(card.getByTestId('project-count')).toHaveText('5 images', { timeout: 60_000 });
  await expect(page.getByTestId('import-job').filter({ hasText: 'Eklenecek Proje' }).last()).toHaveAttribute('data-state', 'done');
  // No second project was made.
  const projects = await pageRpc<{ id: string; name: string }[]>(page, 'projects.list', {});
  expect(projects.filter((p) => p.name.startsWith('Eklenecek') || p.name === 'ek')).toHaveLength(1);

  // On the open project's page: anywhere on it adds to it.
  await card.getByTestId('project-name').click();
  await expect(page.getByTestId('project-title')).toHaveText('Eklenecek Proje');
  await expectTotal(page, 5);
  const more = await makeImages(path.join(workDir, 'daha'), ['daha üzüm.jpg'], { width: 380, height: 260 });
  const onPage = await startDrag(page, more);
  await onPage.over({ x: 640, y: 500 });
  await expect(page.getByTestId('drop-overlay-title')).toHaveText('Drop to add to “Eklenecek Proje”');
  await onPage.drop({ x: 640, y: 500 });
  await expectTotal(page, 6);
  expect(await cellNames(page)).toContain('daha üzüm.jpg');
  expect(page.url()).toContain(projectId);
  const listed = await pageRpc<{ total: number }>(page, 'assets.list', { projectId, offset: 0, limit: 10 });
  expect(listed.total).toBe(6);

  // The same files again, as a folder: the upload finishes as duplicates instead of hanging at "uploading".
  const again = await startDrag(page, [path.join(workDir, 'ek')]);
  await again.over({ x: 640, y: 500 });
  await expect(page.getByTestId('drop-overlay-title')).toHaveText('Drop to add to “Eklenecek Proje”');
  await again.drop({ x: 640, y: 500 });
  const job = page.getByTestId('import-job').filter({ has: page.getByTestId('import-stats').filter({ hasText: '3 duplicates' }) });
  await expect(job).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expectTotal(page, 6);
});
