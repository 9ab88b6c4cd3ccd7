import { expect, test } from './support/fixtures.js';

test('without the token the server answers 401 and says how to sign in', async ({ browser, server }) => {
  // A fresh context has no session cookie.
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(server.url);
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('?token=');

  const wrong = await page.goto(`${server.url}?token=not-the-token`);
  expect(wrong?.status()).toBe(401);

  const api = await context.request.post(new URL('/api/rpc/projects.list', server.url).href, { data: {} });
  expect(api.status()).toBe(401);
  expect(await api.json()).toMatchObject({ code: 'unauthorized' });
  await context.close();
});

test('a request from a foreign origin is refused even with the token', async ({ playwright, server }) => {
  const request = await playwright.request.newContext();
  const res = await request.post(new URL('/api/rpc/projects.list', server.url).href, {
    data: {},
    headers: { Authorization: `Bearer ${server.token}`, Origin: 'http://evil.example' },
  });
  expect(res.status()).toBe(403);
  await request.dispose();
});
