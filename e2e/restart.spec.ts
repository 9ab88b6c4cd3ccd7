import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess, type ServerProcess } from './support/server.js';
import { expect, expectThumbnailsLoaded, importFolder, projectCard, signIn, test } from './support/fixtures.js';

// This test runs its own engine, so it can stop and start it on the same library.
test('a restarted engine on the same data dir has every project; the open tab reconnects by itself and keeps its settings', async ({ page, workDir }) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-e2e-restart-'));
  let server: ServerProcess | null = await startServerProcess(dataDir);
  try {
    await signIn(page, server.loginUrl);
    const id = await importFolder(page, workDir, 'Yeniden Başlat', 20);
    await expectThumbnailsLoaded(page, 20);
    await page.keyboard.press('F2');
    await page.getByTestId('rename-input').fill('Yeniden Başlatıldı Ürünler');
    await page.getByTestId('rename-input').press('Enter');
    await expect(page.getByTestId('project-title')).toHaveText('Yeniden Başlatıldı Ürünler');

    // A setting chosen in this tab lives in the library, not only in its localStorage.
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('theme-dark').check();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');

    const port = server.port;
    const loginUrl = server.loginUrl;
    await server.stop();
    server = null;
    // The tab notices the engine is gone.
    await expect(page.getByTestId('connection-status')).toBeVisible();

    // Same port, and the token and session host the library remembers: the tab carries on by itself.
    server = await startServerProcess(dataDir, { port });
    expect(server.loginUrl).toBe(loginUrl);
    await expect(page.getByTestId('connection-status')).toBeHidden({ timeout: 30_000 });
    await expect(page.getByTestId('unauthorized')).toHaveCount(0);

    // A cleared cache (another browser, private mode) still gets the library's theme.
    await page.evaluate(() => window.localStorage.clear());
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.getByTestId('nav-gallery').click();
    const card = projectCard(page, 'Yeniden Başlatıldı Ürünler');
    await expect(card.getByTestId('project-count')).toHaveText('20 images');
    await card.getByTestId('project-name').click();
    expect(page.url()).toContain(id);
    await expectThumbnailsLoaded(page, 20);
    await page.getByTestId('asset-cell').nth(19).click();
    await expect.poll(() => page.getByTestId('lightbox-image').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
  } finally {
    await server?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});
