import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, rpc, test } from './support/fixtures.js';

interface Model {
  id: string;
  status: string;
  isDefault: boolean;
  licence: string;
}

const statusLabel: Record<string, string> = { ready: 'Installed', available: 'Not installed' };

test('Models page: the shipped ISNet model with its licence, source and status; set default moves and persists', async ({ app: page, server }) => {
  await page.getByTestId('nav-models').click();
  const medium = page.locator('[data-testid="model-row"][data-model-id="isnet-imgly-medium"]');
  const small = page.locator('[data-testid="model-row"][data-model-id="isnet-imgly-small"]');
  await expect(medium).toBeVisible();
  await expect(medium.locator('.model-name')).toHaveText('IS-Net (img.ly, fp16)');
  await expect(medium.getByTestId('model-licence')).toContainText('AGPL-3.0');
  await expect(medium.getByTestId('model-source')).toContainText('npm package');

  // The status shown is the engine's.
  const models = await rpc<Model[]>(page, server, 'models.list');
  const engineMedium = models.find((m) => m.id === 'isnet-imgly-medium')!;
  await expect(medium).toHaveAttribute('data-status', engineMedium.status);
  await expect(medium.getByTestId('model-status')).toHaveText(statusLabel[engineMedium.status] ?? /.+/);
  // Catalog models not shipped here are offered, never shown as installed.
  await expect(page.locator('[data-testid="model-row"][data-model-id="u2net"]')).not.toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('inference-status').locator('[data-provider="cpu"]')).toBeVisible();

  await expect(medium.getByTestId('model-default')).toBeVisible();
  await expect(small.getByTestId('model-default')).toHaveCount(0);
  try {
    await small.getByTestId('model-set-default').click();
    await expect(small.getByTestId('model-default')).toBeVisible();
    await expect(medium.getByTestId('model-default')).toHaveCount(0);
    const after = await rpc<Model[]>(page, server, 'models.list');
    expect(after.find((m) => m.isDefault)?.id).toBe('isnet-imgly-small');

    await page.reload();
    await expect(small.getByTestId('model-default')).toBeVisible();
    await medium.getByTestId('model-set-default').click();
    await expect(medium.getByTestId('model-default')).toBeVisible();
    await expect(small).toHaveAttribute('data-default', 'false');
  } finally {
    await rpc(page, server, 'models.setDefault', { id: 'isnet-imgly-medium' });
  }
});

test('Models page in Turkish: statuses and actions are translated', async ({ app: page }) => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('tr');
  try {
    await page.getByTestId('nav-models').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Modeller');
    const medium = page.locator('[data-testid="model-row"][data-model-id="isnet-imgly-medium"]');
    await expect(medium.getByTestId('model-default')).toHaveText('Varsayılan');
    await expect(medium.getByTestId('model-source')).toContainText('npm paketiyle');
  } finally {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-language').selectOption('en');
  }
});

test('install a shipped model; import your own .onnx through the upload (a bad file is refused with the reason); delete it', async ({ app: page, server, workDir }) => {
  test.setTimeout(180_000);
  const dataDir = process.env.ATOLYE_E2E_DATA_DIR;
  if (!dataDir) throw new Error('ATOLYE_E2E_DATA_DIR is not set (global-setup.ts)');
  await page.getByTestId('nav-models').click();
  const small = page.locator('[data-testid="model-row"][data-model-id="isnet-imgly-small"]');
  if ((await small.getAttribute('data-status')) !== 'ready') {
    await small.getByTestId('model-install').click();
    await expect(small).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  }
  await expect(small.getByTestId('model-status')).toHaveText('Installed');

  // Not a model: refused, and the reason is on screen.
  const bad = path.join(workDir, 'bozuk model.onnx');
  await fs.writeFile(bad, 'not an onnx graph\n');
  const form = page.getByTestId('model-import');
  await form.getByTestId('model-import-file').setInputFiles(bad);
  await expect(form.getByTestId('model-import-name')).toContainText('bozuk model.onnx');
  await form.getByTestId('model-import-submit').click();
  await expect(form.getByTestId('model-import-error')).toContainText('is not a model onnxruntime can load');

  // A real one (the small IS-Net's file, as a user would have it on disk) is accepted.
  const sha = (await rpc<{ id: string; sha256: string }[]>(page, server, 'models.list')).find((m) => m.id === 'isnet-imgly-small')!.sha256;
  const mine = path.join(workDir, 'benim modelim.onnx');
  await fs.copyFile(path.join(dataDir, 'blobs', sha.slice(0, 2), sha), mine);
  await form.getByTestId('model-import-file').setInputFiles(mine);
  await form.locator('input[type="text"]').fill('Benim Modelim');
  await form.getByTestId('model-import-submit').click();
  const imported = page.locator(`[data-testid="model-row"][data-model-id^="user-"]`);
  await expect(imported).toHaveCount(1, { timeout: 60_000 });
  await expect(imported.locator('.model-name')).toHaveText('Benim Modelim');
  await expect(imported).toHaveAttribute('data-status', 'ready');
  await expect(imported.getByTestId('model-source')).toContainText('Imported by you');
  await expect(form.getByTestId('model-import-error')).toHaveCount(0);

  await imported.getByTestId('model-delete').click();
  await page.getByTestId('confirm-dialog').getByTestId('confirm-ok').click();
  await expect(imported).toHaveCount(0);
  expect((await rpc<{ id: string }[]>(page, server, 'models.list')).some((m) => m.id.startsWith('user-'))).toBe(false);
  // The shipped model that shares its bytes is untouched.
  await expect(small).toHaveAttribute('data-status', 'ready');
});
