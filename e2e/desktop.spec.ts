/**
 * The desktop app's own paths, in Chromium with Electron main's real wiring and engine host
 * (e2e/support/desktop.ts): export writes a ZIP or a folder where the user picked in the
 * OS dialog, a cancelled dialog writes nothing, and "Show in folder" reveals what was written.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { useDesktop } from './support/desktop.js';
import { expect, makeImages, projectCard, test, turkishNames } from './support/fixtures.js';

const env = useDesktop();

test('export to a folder and to a ZIP through the OS dialogs, then show it in the file manager; drag an image out', async ({ page }) => {
  const { desktop, root } = env;
  const folder = path.join(root, 'Raf Çekimi');
  await makeImages(folder, turkishNames(3));
  // A drop on the window: the preload reports the path, then the page names it.
  await desktop.drop([folder]);
  const { projectId } = await desktop.call<{ projectId: string }>('import.start', { paths: [folder] });
  await expect.poll(async () => (await desktop.call<{ assetCount: number }>('projects.get', { id: projectId })).assetCount, { timeout: 60_000 }).toBe(3);

  await desktop.open(page);
  await projectCard(page, 'Raf Çekimi').click();
  await expect(page.getByTestId('project-title')).toHaveText('Raf Çekimi');
  await page.getByTestId('project-export').click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.getByTestId('export-include-originals').check();

  // The user cancels the OS dialog: nothing is written, the dialog stays.
  await desktop.answerDialogs(null);
  await dialog.getByTestId('export-folder').click();
  await expect(dialog.getByTestId('export-folder')).toBeEnabled();
  await expect(dialog.getByTestId('export-written')).toHaveCount(0);

  const out = path.join(root, 'Dışa');
  await fs.mkdir(out);
  await desktop.answerDialogs(out);
  await dialog.getByTestId('export-folder').click();
  await expect(dialog.getByTestId('export-written')).toContainText('3 files written');
  const written = path.join(out, 'Raf Çekimi');
  expect((await fs.readdir(path.join(written, 'originals'))).sort()).toEqual(turkishNames(3).sort());
  await dialog.getByTestId('export-reveal').click();
  await expect.poll(async () => (await desktop.record()).filter((r) => r.what === 'showItemInFolder').map((r) => r.path)).toEqual([written]);

  const zip = path.join(out, 'raf.zip');
  await desktop.answerDialogs(zip);
  await dialog.getByTestId('export-save-zip').click();
  await expect(dialog.getByTestId('export-written')).toContainText(zip);
  const bytes = await fs.readFile(zip);
  expect(bytes.subarray(0, 4).toString('binary')).toBe('PK\x03\x04');
  expect(bytes.toString('binary').split('PK\x01\x02').length - 1).toBe(3);
  const shown = (await desktop.record()).filter((r) => r.what === 'showSaveDialog').at(-1) as unknown as { options: { defaultPath: string } };
  expect(path.basename(shown.options.defaultPath)).toBe('Raf Çekimi.zip');
  await page.screenshot({ path: test.info().outputPath('desktop-export.png') });
  await dialog.getByRole('button', { name: 'Close' }).click();

  // An image dragged out of the grid leaves as a file under its own name.
  const cell = page.getByTestId('asset-cell').first();
  const name = await cell.getAttribute('data-file-name');
  await cell.dispatchEvent('dragstart');
  await expect.poll(async () => (await desktop.record()).filter((r) => r.what === 'startDrag').length).toBe(1);
  const drag = (await desktop.record()).find((r) => r.what === 'startDrag') as unknown as { item: { file: string } };
  expect(path.basename(drag.item.file)).toBe(name);
  expect((await fs.stat(drag.item.file)).size).toBeGreaterThan(0);
});
