/**
 * The loopback transport as an attacker probes it: local-path methods, media that could
 * run script, malformed requests, slow and many connections, oversized bodies, control
 * characters in names. Each case failed before the hardening (see docs/security.md).
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transportAllows } from '../../src-shared/contract/define.js';
import { methods, RPC_MAX_BYTES, UPLOAD_MAX_BYTES, type ImportProgress, type MethodName } from '../../src-shared/contract/index.js';
import type { Engine } from '../../src-main/engine/engine.js';
import { openEngine } from '../../src-main/features/index.js';
import { HttpBackend } from '../../src-main/server/client.js';
import { startServer, type RunningServer } from '../../src-main/server/server.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function request(port: number, opts: { method?: string; path: string; headers?: Record<string, string | number>; body?: string | Buffer }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** An SVG that, if it ever runs at the app's origin, renames every project to PWNED. */
const HOSTILE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="#c33"/>
<script>fetch('/api/rpc/projects.list',{method:'POST',body:'{}'}).then(r=>r.json()).then(ps=>ps.forEach(p=>fetch('/api/rpc/projects.rename',{method:'POST',body:JSON.stringify({id:p.id,name:'PWNED'})})))</script></svg>`;

describe('HTTP transport hardening', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let server: RunningServer;
  let client: HttpBackend;
  let auth: Record<string, string>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
    server = await startServer({ engine, port: 0, staticDir: null, limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxConnections: 16 } });
    client = new HttpBackend(server.url, server.token);
    auth = { Host: `127.0.0.1:${server.port}`, Authorization: `Bearer ${server.token}` };
  });
  afterAll(async () => {
    client.close();
    await server.close();
    await engine.close();
    await cleanup();
  });

  const importAndWait = async (input: Parameters<HttpBackend['call']>[1]): Promise<ImportProgress> => {
    let progress = (await client.call('import.start', input as never)) as ImportProgress;
    for (let i = 0; i < 400 && (progress.state === 'scanning' || progress.state === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      progress = await client.call('import.get', { importId: progress.importId });
    }
    return progress;
  };

  it('refuses every method that takes a local path with 403, and says what to use instead', async () => {
    const src = path.join(dir, 'local-src');
    await writeJpegs(src, 1);
    const started = await request(server.port, { method: 'POST', path: '/api/rpc/import.start', headers: auth, body: JSON.stringify({ paths: [src] }) });
    expect(started.status).toBe(403);
    expect(JSON.parse(started.body)).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/paths.*upload/) });

    const dest = path.join(dir, 'stolen.zip');
    const zip = await request(server.port, {
      method: 'POST',
      path: '/api/rpc/export.projectZip',
      headers: auth,
      body: JSON.stringify({ projectId: '01a20440-70c8-700c-b808-9b2ffb93c121', destPath: dest }),
    });
    expect(zip.status).toBe(403);
    expect(JSON.parse(zip.body).message).toMatch(/download/);
    await expect(fs.access(dest)).rejects.toThrow();

    const model = await request(server.port, { method: 'POST', path: '/api/rpc/models.import', headers: auth, body: JSON.stringify({ path: '/etc/passwd', task: 'background-removal' }) });
    expect(model.status).toBe(403);
    // The same methods with uploads are fine over HTTP.
    const upload = await client.upload(await fs.readFile((await writeJpegs(path.join(dir, 'up'), 1, 'up'))[0]!), 'up/one.jpg');
    expect((await importAndWait({ uploadIds: [upload], uploadNames: ['up/one.jpg'] })).state).toBe('done');
  });

  it('refuses, for every method of the contract that names a local path, each such field over HTTP (403), and nothing is touched', async () => {
    const probe = path.join(dir, 'must-not-exist');
    const withLocal = (Object.keys(methods) as MethodName[]).filter((m) => (methods[m].local ?? []).length > 0 || !transportAllows(methods[m], 'http'));
    expect(withLocal).toEqual(expect.arrayContaining(['import.start', 'models.import', 'export.projectZip', 'products.import', 'products.exportTo', 'videos.add', 'videos.setWatchSettings', 'datasets.import', 'datasets.exportTo']));
    for (const m of withLocal) {
      for (const field of methods[m].local ?? ['destPath']) {
        const res = await request(server.port, { method: 'POST', path: `/api/rpc/${m}`, headers: auth, body: JSON.stringify(inputWith(field, probe)) });
        expect(res.status, `${m} ${field}`).toBe(403);
        expect(JSON.parse(res.body), `${m} ${field}`).toMatchObject({ code: 'forbidden' });
      }
    }
    await expect(fs.access(probe)).rejects.toThrow();
  });

  it('serves an imported SVG only as a rasterised PNG, with sandboxing headers on every media response', async () => {
    const svg = Buffer.from(HOSTILE_SVG);
    const uploadId = await client.upload(svg, 'evil.svg');
    const done = await importAndWait({ uploadIds: [uploadId], uploadNames: ['evil.svg'], projectName: 'svg' });
    expect(done).toMatchObject({ state: 'done', imported: 1 });
    const [asset] = (await client.call('assets.list', { projectId: done.projectId })).items;
    expect(asset!.format).toBe('svg');
    for (const variant of ['original', 'thumb'] as const) {
      const res = await request(server.port, { path: `/media/${variant}/${asset!.id}`, headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).not.toMatch(/svg|html|xml/);
      expect(res.headers['content-security-policy']).toMatch(/^sandbox; default-src 'none'/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.body).not.toContain('<script');
    }
    const original = await fetch(new URL(`media/original/${asset!.id}`, server.url), { headers: { Authorization: `Bearer ${server.token}` } });
    const bytes = Buffer.from(await original.arrayBuffer());
    expect(original.headers.get('content-type')).toBe('image/png');
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('answers 405 with Allow for a wrong method and 400 (not 500) for malformed escapes', async () => {
    const get = await request(server.port, { path: '/api/rpc/projects.list', headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const put = await request(server.port, { method: 'PUT', path: '/media/thumb/01a20440-70c8-700c-b808-9b2ffb93c121', headers: auth });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD');
    const uploadGet = await request(server.port, { path: '/api/uploads', headers: auth });
    expect(uploadGet.status).toBe(405);
    expect(uploadGet.headers.allow).toBe('POST');
    const bad = await request(server.port, { method: 'POST', path: '/api/rpc/projects.%E0%A4%A', headers: auth, body: '{}' });
    expect(bad.status).toBe(400);
    const badDownload = await request(server.port, { path: '/api/download/project-zip?p=%E0%A4%A', headers: auth });
    expect(badDownload.status).toBe(400);
  });

  it('closes a connection that never finishes its headers (slowloris) and keeps serving', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /api/rpc/projects.list HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Slow: `);
    const closedWithin = await new Promise<number>((resolve) => {
      const t0 = Date.now();
      const drip = setInterval(() => socket.writable && socket.write('a'), 200);
      socket.on('close', () => {
        clearInterval(drip);
        resolve(Date.now() - t0);
      });
      socket.on('error', () => undefined);
      // Read what the server answers (a 400/408), or the socket never sees its end.
      socket.resume();
      setTimeout(() => resolve(Infinity), 15_000);
    });
    expect(closedWithin).toBeLessThan(15_000);
    expect((await client.call('projects.list', {})).length).toBeGreaterThanOrEqual(0);
  });

  it('caps concurrent connections; refused ones close and the server keeps serving', async () => {
    const sockets: net.Socket[] = [];
    let closedEarly = 0;
    for (let i = 0; i < 40; i++) {
      const s = net.connect(server.port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closedEarly++);
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(closedEarly).toBeGreaterThanOrEqual(40 - 16);
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(Array.isArray(await client.call('projects.list', {}))).toBe(true);
  });

  it('refuses an upload larger than the contract allows at once, from its Content-Length, with 413', async () => {
    expect(UPLOAD_MAX_BYTES).toBe(engine.uploads.maxBytes);
    const answer = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/api/uploads',
        headers: { ...auth, 'Content-Length': UPLOAD_MAX_BYTES + 1, 'Content-Type': 'application/octet-stream' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
      // The body is never sent in full: the answer must come from the headers alone.
    });
    expect(answer).toBe(413);
  });

  it('accepts an RPC body as large as the contract allows (a 20,000-file browser drop)', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `01a20440-70c8-700c-b808-${String(i).padStart(12, '0')}`);
    const body = JSON.stringify({ uploadIds: ids, uploadNames: ids.map((id) => `Ürün klasörü/alt klasör/${id}.jpg`) });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    expect(body.length).toBeLessThan(RPC_MAX_BYTES);
    const res = await request(server.port, { method: 'POST', path: '/api/rpc/import.start', headers: { ...auth, 'Content-Type': 'application/json' }, body });
    // Not "too large": the uploads do not exist, and that is what it says.
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).message).toMatch(/no upload/);
  });

  it('refuses control characters in project names and cleans them from uploaded file names', async () => {
    const names = ['evil\u001b[2J\u001b[31mred', 'nul\u0000name', 'line\r\nbreak', 'bidi \u202egpj.exe', 'lone \ud800 surrogate'];
    for (const name of names) {
      const res = await request(server.port, { method: 'POST', path: '/api/rpc/projects.rename', headers: auth, body: JSON.stringify({ id: '01a20440-70c8-700c-b808-9b2ffb93c121', name }) });
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect(JSON.parse(res.body).message).toMatch(/control characters/);
    }
    const file = (await writeJpegs(path.join(dir, 'cc'), 1, 'cc'))[0]!;
    const uploadId = await client.upload(await fs.readFile(file), 'x');
    const done = await importAndWait({ uploadIds: [uploadId], uploadNames: ['kla\u001b]0;pwned\u0007sör/../\u0000a\u202ebc\r\n.jpg'] });
    expect(done.state).toBe('done');
    const [asset] = (await client.call('assets.list', { projectId: done.projectId })).items;
    expect(asset!.relPath).toBe('kla]0;pwnedsör/abc .jpg');
    expect((await client.call('projects.get', { id: done.projectId })).name).toBe('kla]0;pwnedsör');
  });
});

/** An input with `value` at a field path (`files[].path` makes a one-element array). */
function inputWith(field: string, value: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let at = root;
  const parts = field.split('.');
  parts.forEach((part, i) => {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    if (i === parts.length - 1) {
      at[key] = each || key === 'paths' ? [value] : value;
      return;
    }
    const child: Record<string, unknown> = {};
    at[key] = each ? [child] : child;
    at = child;
  });
  return root;
}
