import { expect, signIn, test } from './support/fixtures.js';

const background = (page: import('@playwright/test').Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test('theme: follows the OS by default, and a choice in Settings sticks across reloads', async ({ app: page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const dark = await background(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  const light = await background(page);
  expect(dark).not.toBe(light);

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('theme-dark').check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await background(page)).toBe(dark);
  await page.reload();
  // The OS says light; the user said dark.
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await background(page)).toBe(dark);

  await page.getByTestId('theme-system').check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('language: Turkish from Settings, kept across reloads; back to English', async ({ app: page }) => {
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('tr');
  await expect(page.locator('html')).toHaveAttribute('lang', 'tr');
  await expect(page.getByTestId('nav-settings')).toHaveText(/Ayarlar/);
  await expect(page.getByTestId('nav-batch')).toHaveText(/Toplu İşlem/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ayarlar');

  await page.reload();
  await expect(page.getByTestId('nav-matching')).toHaveText(/Eşleştirme/);
  await page.getByTestId('settings-language').selectOption('en');
  await expect(page.getByTestId('nav-matching')).toHaveText(/Matching/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  // The choice lives in the library, for every browser: back to following the browser's
  // language, so the next test's Turkish browser decides for itself.
  await page.getByTestId('settings-language').selectOption('auto');
  await expect
    .poll(() => page.evaluate(async () => ((await (await fetch('/api/rpc/settings.get', { method: 'POST', body: '{}' })).json()) as { language: string }).language))
    .toBe('auto');
});

test('language: a Turkish browser gets Turkish from the first screen', async ({ browser, server }) => {
  // A library whose language another test chose explicitly would win over the browser's.
  const reset = await fetch(new URL('/api/rpc/settings.set', server.url), { method: 'POST', headers: { Authorization: `Bearer ${server.token}` }, body: '{"language":"auto"}' });
  expect(reset.status).toBe(200);
  const context = await browser.newContext({ locale: 'tr-TR' });
  const page = await context.newPage();
  await signIn(page, server.loginUrl);
  await expect(page.locator('html')).toHaveAttribute('lang', 'tr');
  await expect(page.getByTestId('page-batch').getByRole('heading', { level: 1 })).toHaveText('Toplu İşlem');
  await expect(page.getByTestId('choose-folder')).toHaveText('Klasör seç…');
  await context.close();
});

test('keyboard: Ctrl+1…9 go to the pages in nav order, an unbuilt page says what it will hold, ? lists the shortcuts', async ({ app: page }) => {
  // The order is the features' (their routes' `order`): read it from the nav, not from here.
  const nav = page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link');
  const count = Math.min(9, await nav.count());
  expect(count).toBeGreaterThanOrEqual(7);
  for (let i = 0; i < count; i++) {
    await page.keyboard.press(`Control+${i + 1}`);
    await expect(nav.nth(i)).toHaveAttribute('aria-current', 'page');
  }
  await page.getByTestId('nav-training').click();
  await expect(page.getByTestId('page-training')).toBeVisible();
  await expect(page.getByTestId('page-training')).toContainText('Train a product recognizer');
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('page-queue')).toContainText('restart');

  await page.keyboard.press('?');
  const help = page.getByTestId('shortcut-help');
  await expect(help).toBeVisible();
  await expect(help).toContainText('F2');
  await expect(help).toContainText('Ctrl+9');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  // The address keeps the page: a reload lands where the user was.
  await page.reload();
  await expect(page.getByTestId('page-queue')).toBeVisible();
});
