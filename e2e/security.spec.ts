/**
 * The hardening issue's browser cases, in Chromium against the real engine and server:
 * the session credential reaches no other local server (cookies ignore ports), survives a
 * reload, and an imported SVG carrying script cannot run it at the app's origin.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIRequestContext } from '@playwright/test';
import { expect, test } from './support/fixtures.js';

/** Another local service on another port, recording the Cookie header of everything it is sent. */
async function otherLocalServer(): Promise<{ port: number; cookies: string[]; close: () => Promise<void> }> {
  const cookies: string[] = [];
  const server = http.createServer((req, res) => {
    cookies.push(req.headers.cookie ?? '');
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<title>other</title><p>another local service</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, cookies, close: () => new Promise((r) => server.close(() => r())) };
}

async function rpc<T>(request: APIRequestContext, url: string, token: string, name: string, input: unknown): Promise<T> {
  const res = await request.post(new URL(`/api/rpc/${name}`, url).href, { data: input, headers: { Authorization: `Bearer ${token}` } });
  expect(res.status(), `${name}: ${await res.text()}`).toBe(200);
  return (await res.json()) as T;
}

test('the session credential goes to Atölye only: another local server on another port receives nothing, and a reload keeps the session', async ({ app }) => {
  const other = await otherLocalServer();
  try {
    const cookies = await app.context().cookies();
    const session = cookies.filter((c) => c.value.length > 0);
    expect(session.length).toBeGreaterThan(0);
    // The cookie lives on the secret per-run host, never on a name another local service answers to.
    for (const c of session) {
      expect(c.domain).toMatch(/^s[a-z2-7]{24}\.localhost$/);
      expect(c.httpOnly).toBe(true);
    }
    const sessionHost = new URL(app.url()).hostname;
    expect(sessionHost).toBe(session[0]!.domain);

    // The control: a cookie of 127.0.0.1 (where the session cookie used to live) does reach the other port.
    await app.context().addCookies([{ name: 'control', value: 'port-blind', domain: '127.0.0.1', path: '/' }]);
    // The user opens other local services in the same browser (a dev server, another tool).
    for (const host of ['127.0.0.1', 'localhost', 'evil.localhost']) {
      const page = await app.context().newPage();
      await page.goto(`http://${host}:${other.port}/`);
      await expect(page).toHaveTitle('other');
      await page.close();
    }
    expect(other.cookies.length).toBeGreaterThanOrEqual(3);
    expect(other.cookies).toContain('control=port-blind');
    for (const sent of other.cookies) expect(sent).not.toContain(session[0]!.value);
    expect(other.cookies.join('')).not.toMatch(/atolye/);

    // A reload (and a new tab on the same address) stays signed in.
    await app.reload();
    await expect(app.getByTestId('shell')).toBeVisible();
    const again = await app.context().newPage();
    await again.goto(app.url());
    await expect(again.getByTestId('shell')).toBeVisible();
    await again.close();
  } finally {
    await other.close();
  }
});

test('an imported SVG with script cannot reach the API when its original is opened', async ({ app, server, playwright }) => {
  const request = await playwright.request.newContext();
  try {
    // The script renames every project if it ever runs with the session's credentials.
    const evil = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="120" onload="go()">
      <rect width="200" height="120" fill="#c33"/>
      <script><![CDATA[
        function go() {
          document.title = 'script ran';
          fetch('/api/rpc/projects.list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
            .then((r) => r.json())
            .then((ps) => Promise.all(ps.map((p) => fetch('/api/rpc/projects.rename', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: p.id, name: 'pwned-by-svg' }) }))));
        }
      ]]></script>
    </svg>`;
    const up = await request.post(new URL('/api/uploads', server.url).href, { data: Buffer.from(evil), headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream', 'X-File-Name': 'evil.svg' } });
    expect(up.status(), await up.text()).toBe(200);
    const { uploadId } = (await up.json()) as { uploadId: string };
    const started = await rpc<{ importId: string; projectId: string }>(request, server.url, server.token, 'import.start', { uploadIds: [uploadId], uploadNames: ['evil.svg'], projectName: 'svg-xss' });
    await expect.poll(async () => (await rpc<{ state: string }>(request, server.url, server.token, 'import.get', { importId: started.importId })).state, { timeout: 30_000 }).toBe('done');
    const listed = await rpc<{ items: { id: string }[] }>(request, server.url, server.token, 'assets.list', { projectId: started.projectId });
    expect(listed.items).toHaveLength(1);
    const assetId = listed.items[0]!.id;

    // Opened the way the lightbox's "open original" does: a top-level page at the app's origin, signed in.
    const media = new URL(`/media/original/${assetId}`, app.url()).href;
    const response = await app.goto(media);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-type']).toBe('image/png');
    expect(headers['content-security-policy']).toMatch(/sandbox/);
    expect(headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['cross-origin-resource-policy']).toBe('same-origin');
    await app.waitForTimeout(1500);
    expect(await app.title()).not.toBe('script ran');

    // The control: the same bytes served as an SVG document do run their script in this Chromium.
    const plain = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'image/svg+xml' }).end(evil));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const page = await app.context().newPage();
      await page.goto(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/evil.svg`);
      await expect(page).toHaveTitle('script ran');
      await page.close();
    } finally {
      // Chromium may hold a preconnected socket with no request on it: close() alone waits
      // for the server's headers timeout (a CI run hung ~85 s here), so end every connection.
      await new Promise((r) => {
        plain.close(r);
        plain.closeAllConnections();
      });
    }
    const projects = await rpc<{ name: string }[]>(request, server.url, server.token, 'projects.list', {});
    expect(projects.map((p) => p.name)).toContain('svg-xss');
    expect(projects.map((p) => p.name)).not.toContain('pwned-by-svg');
  } finally {
    await request.dispose();
  }
});
