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
