import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src-main/engine/engine.js';
import { openEngine } from '../../../src-main/features/index.js';
import { nativeModelsDir } from '../../../src-main/features/models/manifest.js';
import { tempDir } from '../../helpers/tmp.js';
import { api } from '../../support/engine.js';

/**
 * A loopback file server with Range support and scripted faults: drop the connection
 * after N bytes, serve different bytes, ignore Range, answer slowly.
 */
function fileServer(body: Buffer) {
  const log: { range: string | null; status: number }[] = [];
  const faults = { dropAfter: [] as number[], corrupt: false, ignoreRange: false, chunkDelayMs: 0 };
  const server = http.createServer((req, res) => {
    const range = req.headers.range ?? null;
    const payload = faults.corrupt ? Buffer.concat([body.subarray(0, body.length - 1), Buffer.from([body[body.length - 1]! ^ 0xff])]) : body;
    let start = 0;
    const m = range && !faults.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) start = Number(m[1]);
    const status = m ? 206 : 200;
    log.push({ range, status });
    res.writeHead(status, {
      'content-length': String(payload.length - start),
      'accept-ranges': 'bytes',
      ...(m ? { 'content-range': `bytes ${start}-${payload.length - 1}/${payload.length}` } : {}),
    });
    const drop = faults.dropAfter.shift();
    const slice = payload.subarray(start);
    if (drop !== undefined) {
      // Send part of the body, then cut the connection mid-transfer.
      // FIN, not RST: a reset can make the client drop bytes it had not read yet, so the
      // resume point would depend on scheduling rather than on what was sent.
      res.write(slice.subarray(0, drop), () => res.socket?.end());
      return;
    }
    if (faults.chunkDelayMs) {
      let at = 0;
      const tick = () => {
        if (res.destroyed) return;
        if (at >= slice.length) return void res.end();
        res.write(slice.subarray(at, at + 64 * 1024));
        at += 64 * 1024;
        setTimeout(tick, faults.chunkDelayMs);
      };
      tick();
      return;
    }
    res.end(slice);
  });
  return {
    log,
    faults,
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.onnx`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A catalog folder like native-models/ whose one downloadable model points at the loopback server. */
async function writeCatalog(dir: string, url: string, body: Buffer): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const real = JSON.parse(await fs.readFile(path.join(nativeModelsDir(), 'u2netp.json'), 'utf8'));
  const manifest = {
    ...real,
    id: 'loopback-model',
    source: { kind: 'url', url },
    files: [{ name: 'loopback-model.onnx', bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), sha256Source: 'test' }],
  };
  await fs.writeFile(path.join(dir, 'loopback-model.json'), JSON.stringify(manifest));
  await fs.copyFile(path.join(nativeModelsDir(), 'isnet-imgly-medium.json'), path.join(dir, 'isnet-imgly-medium.json'));
  await fs.writeFile(path.join(dir, 'catalog.json'), JSON.stringify({ defaults: { 'background-removal': 'isnet-imgly-medium' }, models: ['isnet-imgly-medium', 'loopback-model'] }));
}

describe('model download catalog (loopback server)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let server: ReturnType<typeof fileServer>;
  const body = randomBytes(3 * 1024 * 1024 + 123);

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    server = fileServer(body);
    const url = await server.listen();
    await writeCatalog(path.join(dir, 'catalog'), url, body);
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1, settings: { models: { catalogDir: path.join(dir, 'catalog'), retryDelayMs: 10 } } });
  });
  afterEach(async () => {
    await engine.close().catch(() => {});
    await server.close();
    await cleanup();
  });

  it('downloads, verifies the sha256 and stores the file content-addressed, with progress events', async () => {
    const progress: number[] = [];
    engine.events.subscribe((e) => {
      if (e.type === 'models.progress' && e.payload.id === 'loopback-model') progress.push(e.payload.received);
    });
    expect(api(engine).models.info('loopback-model').status).toBe('available');
    await api(engine).models.install('loopback-model');
    expect(api(engine).models.info('loopback-model').status).toBe('downloading');
    const done = await api(engine).models.waitForDownload('loopback-model');
    expect(done).toMatchObject({ status: 'ready', sizeBytes: body.length, error: null });
    const stored = await fs.readFile(engine.store.pathOf(done.sha256!));
    expect(stored.equals(body)).toBe(true);
    expect(progress.at(-1)).toBe(body.length);
    expect(server.log).toEqual([{ range: null, status: 200 }]);
  });

  it('resumes with a Range request after the connection drops mid-file', async () => {
    server.faults.dropAfter = [1_000_000, 500_000];
    await api(engine).models.install('loopback-model');
    const done = await api(engine).models.waitForDownload('loopback-model');
    expect(done.status).toBe('ready');
    expect((await fs.readFile(engine.store.pathOf(done.sha256!))).equals(body)).toBe(true);
    // First attempt from 0, then each resume from what reached the disk before the drop:
    // never past what the server sent, always past where the last attempt started.
    // (Bytes still in flight when a connection dies are fetched again, so the exact
    // offset depends on scheduling; the sha256 check above proves the file whole.)
    const ranges = server.log.map((l) => l.range);
    expect(ranges).toHaveLength(3);
    expect(ranges[0]).toBeNull();
    const [first, second] = ranges.slice(1).map((r) => Number(/^bytes=(\d+)-$/.exec(r ?? '')?.[1]));
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(1_000_000);
    expect(second).toBeGreaterThan(first!);
    expect(second).toBeLessThanOrEqual(first! + 500_000);
    expect(server.log.slice(1).every((l) => l.status === 206)).toBe(true);
  });

  it('starts over when the server ignores Range, and still ends with the right file', async () => {
    server.faults.dropAfter = [700_000];
    server.faults.ignoreRange = true;
    await api(engine).models.install('loopback-model');
    const done = await api(engine).models.waitForDownload('loopback-model');
    expect(done.status).toBe('ready');
    expect((await fs.readFile(engine.store.pathOf(done.sha256!))).equals(body)).toBe(true);
    expect(server.log.map((l) => l.status)).toEqual([200, 200]);
  });

  it('rejects a file whose sha256 does not match and keeps nothing of it', async () => {
    server.faults.corrupt = true;
    await api(engine).models.install('loopback-model');
    const done = await api(engine).models.waitForDownload('loopback-model');
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/checksum mismatch/);
    expect(await fs.readdir(path.join(dir, 'data', 'models', 'partial'))).toEqual([]);
    await expect(api(engine).models.resolve('loopback-model')).rejects.toThrow(/cannot run: it is not installed/);
  });

  it('cancels a download, keeps the part fetched, and resumes from it', async () => {
    server.faults.chunkDelayMs = 20;
    let cancelled = false;
    engine.events.subscribe((e) => {
      if (!cancelled && e.type === 'models.progress' && e.payload.id === 'loopback-model' && e.payload.received >= 256 * 1024) {
        cancelled = true;
        api(engine).models.cancel('loopback-model');
      }
    });
    await api(engine).models.install('loopback-model');
    const stopped = await api(engine).models.waitForDownload('loopback-model');
    expect(stopped).toMatchObject({ status: 'failed', error: 'cancelled: download again to resume' });
    const kept = (await fs.stat(path.join(dir, 'data', 'models', 'partial', 'loopback-model.part'))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);

    server.faults.chunkDelayMs = 0;
    await api(engine).models.install('loopback-model');
    const done = await api(engine).models.waitForDownload('loopback-model');
    expect(done.status).toBe('ready');
    expect(server.log.at(-1)).toEqual({ range: `bytes=${kept}-`, status: 206 });
    expect((await fs.readFile(engine.store.pathOf(done.sha256!))).equals(body)).toBe(true);
  });

  it('gives up with a clear reason when the server keeps failing', async () => {
    server.faults.dropAfter = [10, 10, 10, 10, 10, 10, 10];
    const opened = await openEngine({ dataDir: path.join(dir, 'data2'), workers: 1, settings: { models: { catalogDir: path.join(dir, 'catalog'), downloadRetries: 2, retryDelayMs: 1 } } });
    try {
      await api(opened).models.install('loopback-model');
      const done = await api(opened).models.waitForDownload('loopback-model');
      expect(done.status).toBe('failed');
      expect(done.error).toMatch(/download failed after 3 attempts/);
    } finally {
      await opened.close();
    }
  });
});
