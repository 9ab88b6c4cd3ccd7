import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.js';
import { tempDir } from '../helpers/tmp.js';

/** `atolye serve --no-ui` in this process; answers its login URL, what it said on stderr, and its stopper. */
async function serve(dataDir: string, extra: string[] = []) {
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const errors: string[] = [];
  let opened!: (url: string) => void;
  const url = new Promise<string>((r) => (opened = r));
  const exited = runCli(['--data-dir', dataDir, 'serve', '--no-ui', ...extra], {
    out: (l) => {
      const m = /^Open: (\S+)/.exec(l);
      if (m) opened(m[1]!);
    },
    err: (l) => errors.push(l),
    stopped,
  });
  const loginUrl = await Promise.race([url, exited.then((code) => Promise.reject(new Error(`serve exited with ${code}: ${errors.join('\n')}`)))]);
  return { loginUrl: new URL(loginUrl), errors, stop: async () => (stop(), await exited) };
}

/** A raw request with the Host header a browser on the session host sends. */
function get(port: number, pathname: string, headers: Record<string, string>, method = 'GET', body = '{}') {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: pathname, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? body : undefined);
  });
}

/** Signs in the way a browser does (token once, then the session host's cookie); answers the host and cookie. */
async function signIn(loginUrl: URL): Promise<{ host: string; cookie: string }> {
  const port = Number(loginUrl.port);
  const first = await get(port, `/${loginUrl.search}`, { Host: `127.0.0.1:${port}` });
  const host = new URL(first.headers.location!).host;
  const second = await get(port, `/${loginUrl.search}`, { Host: host });
  const cookie = second.headers['set-cookie']![0]!.split(';')[0]!;
  return { host, cookie };
}

function openSocket(port: number, session: { host: string; cookie: string }): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`, { headers: { Host: session.host, Cookie: session.cookie, Origin: `http://${session.host}` } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('web mode across a restart', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it('serves the same address again, and the open tab carries on with its cookie and its settings; a taken port gives way to a new one, said', async () => {
    const lib = path.join(dir, 'lib');
    const first = await serve(lib);
    const port = Number(first.loginUrl.port);
    const session = await signIn(first.loginUrl);
    const rpc = (p: number) => get(p, '/api/rpc/projects.list', { Host: session.host, Cookie: session.cookie, Origin: `http://${session.host}` }, 'POST');
    expect((await rpc(port)).status).toBe(200);
    const setTheme = await get(port, '/api/rpc/settings.set', { Host: session.host, Cookie: session.cookie, Origin: `http://${session.host}`, 'Content-Type': 'application/json' }, 'POST', '{"theme":"dark","language":"tr"}');
    expect(setTheme.status).toBe(200);
    const ws = await openSocket(port, session);
    const closed = new Promise((r) => ws.once('close', r));
    expect(await first.stop()).toBe(130);
    await closed; // the tab's socket dropped with the server

    // What the next run reuses is this user's alone.
    const stat = fs.lstatSync(path.join(lib, 'web-session.json'));
    expect(stat.mode & 0o777).toBe(0o600);

    const second = await serve(lib);
    try {
      expect(second.loginUrl.href).toBe(first.loginUrl.href);
      expect(second.errors).toEqual([]);
      // The tab left open: its calls and its event socket work again without signing in.
      expect((await rpc(port)).status).toBe(200);
      (await openSocket(port, session)).close();
      // The settings it chose live in the library, not only in the tab.
      const settings = await get(port, '/api/rpc/settings.get', { Host: session.host, Cookie: session.cookie, Origin: `http://${session.host}` }, 'POST');
      expect(JSON.parse(settings.body)).toEqual({ language: 'tr', theme: 'dark' });
    } finally {
      await second.stop();
    }

    // Another program took the port meanwhile: a new one, said, and remembered from then on.
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    try {
      const third = await serve(lib);
      const newPort = Number(third.loginUrl.port);
      expect(newPort).not.toBe(port);
      expect(third.errors.join('\n')).toMatch(new RegExp(`port ${port} \\(the last run's\\) is taken by another program; serving on ${newPort}`));
      await third.stop();
      const fourth = await serve(lib);
      expect(Number(fourth.loginUrl.port)).toBe(newPort);
      await fourth.stop();
    } finally {
      await new Promise((r) => squatter.close(r));
    }

    // --new-address forgets it: the old tab is told to sign in again.
    const fresh = await serve(lib, ['--new-address']);
    try {
      expect(fresh.loginUrl.searchParams.get('token')).not.toBe(first.loginUrl.searchParams.get('token'));
      const p = Number(fresh.loginUrl.port);
      const old = await get(p, '/api/rpc/projects.list', { Host: session.host.replace(/:\d+$/, `:${p}`), Cookie: session.cookie }, 'POST');
      expect(old.status).toBe(401);
    } finally {
      await fresh.stop();
    }
  }, 120_000);
});
