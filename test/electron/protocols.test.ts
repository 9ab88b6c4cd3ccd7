import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src-main/engine/engine.js';
import { openEngine } from '../../src-main/features/index.js';
import {
  contentTypeFor,
  createAppProtocolHandler,
  createMediaProtocolHandler,
  parseMediaUrl,
  privilegedSchemes,
  resolveAppFile,
} from '../../src-main/electron/protocols.js';
import { cspHeader } from '../../src-main/electron/security.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';
import { api } from '../support/engine.js';

const root = path.resolve('/srv/atolye/dist/renderer');

describe('resolveAppFile', () => {
  it.each([
    ['atolye://app/', 'index.html'],
    ['atolye://app/index.html', 'index.html'],
    ['atolye://app/assets/index-abc.js', 'assets/index-abc.js'],
    ['atolye://app/assets/index-abc.js?v=2#x', 'assets/index-abc.js'],
    ['atolye://app/fonts/%C3%9Cr%C3%BCn%20Sans.woff2', 'fonts/Ürün Sans.woff2'],
    ['atolye://app/a/../index.html', 'index.html'], // the URL parser folds plain dot segments first
    ['atolye://app/%2e%2e/index.html', 'index.html'], // …and %2e%2e, which it treats as ..
  ])('%s → %s', (url, rel) => {
    expect(resolveAppFile(root, url)).toBe(path.join(root, rel));
  });

  it.each([
    'atolye://app/..%2f..%2fetc%2fpasswd',
    'atolye://app/..%2F..%2F..%2Fhome%2Fuser%2F.ssh%2Fid_rsa',
    'atolye://app/assets/..%2f..%2f..%2fsecret',
    'atolye://app/%2e%2e%2f%2e%2e%2fsecret',
    'atolye://app/..%5c..%5csecret',
    'atolye://app/assets%5c..%5c..%5csecret',
    'atolye://app/C:%5cWindows%5cwin.ini',
    'atolye://app/C:/Windows/win.ini',
    'atolye://app/index.html%00.png',
    'atolye://app/%E0%A4%A',
    'atolye://evil/index.html',
    'atolye://user@app/index.html',
    'atolye-media://thumb/index.html',
    'file:///etc/passwd',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(root, url)).toBeNull();
  });
});

describe('app protocol handler', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let handler: (r: Request) => Promise<Response>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-proto-'));
    const renderer = path.join(dir, 'dist', 'renderer');
    await fs.mkdir(path.join(renderer, 'assets'), { recursive: true });
    await fs.writeFile(path.join(renderer, 'index.html'), '<!doctype html><script type="module" src="./assets/app.js"></script>');
    await fs.writeFile(path.join(renderer, 'assets', 'app.js'), 'console.log("app")');
    await fs.writeFile(path.join(dir, 'dist', 'secret.txt'), 'outside the renderer root');
    handler = createAppProtocolHandler({ root: renderer });
  });
  afterAll(() => cleanup());

  it('serves index.html with the CSP and a content type', async () => {
    const res = await handler(new Request('atolye://app/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(cspHeader());
    expect(await res.text()).toContain('<script type="module"');
  });

  it('serves assets, and HEAD without a body', async () => {
    const res = await handler(new Request('atolye://app/assets/app.js'));
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await res.text()).toBe('console.log("app")');
    const head = await handler(new Request('atolye://app/assets/app.js', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('18');
    expect(await head.text()).toBe('');
  });

  it('does not serve a file outside the root through encoded traversal', async () => {
    for (const url of ['atolye://app/..%2fsecret.txt', 'atolye://app/assets/..%2f..%2fsecret.txt', 'atolye://app/..%5csecret.txt']) {
      const res = await handler(new Request(url));
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('outside the renderer root');
    }
  });

  it('gives index.html for client routes and 404 for missing assets', async () => {
    const route = await handler(new Request('atolye://app/gallery'));
    expect(route.status).toBe(200);
    expect(route.headers.get('content-type')).toContain('text/html');
    expect((await handler(new Request('atolye://app/assets/missing.js'))).status).toBe(404);
  });

  it('refuses writes', async () => {
    expect((await handler(new Request('atolye://app/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});

describe('media URLs', () => {
  const id = '0190e0e0-1234-7abc-8def-0123456789ab';
  it('parses variant and library id', () => {
    expect(parseMediaUrl(`atolye-media://thumb/${id}`)).toEqual({ variant: 'thumb', assetId: id });
    expect(parseMediaUrl(`atolye-media://original/${id}`)).toEqual({ variant: 'original', assetId: id });
  });
  it.each([
    `atolye-media://raw/${id}`,
    `atolye-media://thumb/${id}/extra`,
    `atolye-media://thumb/${id}?path=/etc/passwd`,
    'atolye-media://thumb/..%2f..%2fetc%2fpasswd',
    'atolye-media://thumb//etc/passwd',
    'atolye-media://thumb/not-an-id',
    `atolye://thumb/${id}`,
    `atolye-media://u:p@thumb/${id}`,
  ])('refuses %s', (url) => {
    expect(parseMediaUrl(url)).toBeNull();
  });
});

describe('media protocol handler against a real library', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let assetId: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-media-'));
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
    await writeJpegs(path.join(dir, 'in'), 2);
    const done = await api(engine).imports.wait((await api(engine).imports.start({ paths: [path.join(dir, 'in')] })).importId);
    assetId = api(engine).library.listAssets(done.projectId, 0, 10).items[0]!.id;
  });
  afterAll(async () => {
    await engine.close();
    await cleanup();
  });

  const handler = () => createMediaProtocolHandler({ lookup: async (id, variant) => engine.media(id, variant), log: () => {} });

  it('streams the thumbnail and the original by id, with their types', async () => {
    const thumb = await handler()(new Request(`atolye-media://thumb/${assetId}`));
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await thumb.arrayBuffer());
    expect(bytes.subarray(8, 12).toString('ascii')).toBe('WEBP');
    expect(Number(thumb.headers.get('content-length'))).toBe(bytes.length);

    const original = await handler()(new Request(`atolye-media://original/${assetId}`));
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    const expected = await fs.readFile(engine.media(assetId, 'original')!.path);
    expect(Buffer.from(await original.arrayBuffer()).equals(expected)).toBe(true);
  });

  it('keeps media inert: a sandbox CSP on every response, and a non-raster type only as an attachment of bytes', async () => {
    const thumb = await handler()(new Request(`atolye-media://thumb/${assetId}`));
    expect(thumb.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'/);
    expect(thumb.headers.get('x-content-type-options')).toBe('nosniff');
    const svgAsIs = createMediaProtocolHandler({ lookup: async () => ({ path: engine.media(assetId, 'original')!.path, contentType: 'image/svg+xml' }), log: () => {} });
    const res = await svgAsIs(new Request(`atolye-media://original/${assetId}`));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe('attachment');
    expect(res.headers.get('content-security-policy')).toMatch(/sandbox/);
  });

  it('answers 404 for an unknown id, 400 for a path, 503 when the engine is down', async () => {
    expect((await handler()(new Request('atolye-media://thumb/0190e0e0-0000-7000-8000-000000000000'))).status).toBe(404);
    expect((await handler()(new Request('atolye-media://thumb/..%2f..%2fetc%2fpasswd'))).status).toBe(400);
    const down = createMediaProtocolHandler({
      lookup: async () => {
        throw new Error('engine restarting');
      },
      log: () => {},
    });
    expect((await down(new Request(`atolye-media://thumb/${assetId}`))).status).toBe(503);
  });
});

describe('schemes', () => {
  it('registers both schemes as standard and secure, fetch only for the app', () => {
    const schemes = Object.fromEntries(privilegedSchemes().map((s) => [s.scheme, s.privileges]));
    expect(schemes.atolye).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(schemes['atolye-media']).toMatchObject({ standard: true, secure: true });
    for (const p of Object.values(schemes)) expect(p).not.toHaveProperty('bypassCSP');
    expect(schemes['atolye-media']).not.toHaveProperty('supportFetchAPI');
  });
  it('knows the renderer file types', () => {
    expect(contentTypeFor('a/b/c.WOFF2')).toBe('font/woff2');
    expect(contentTypeFor('x.unknown')).toBe('application/octet-stream');
  });
});
