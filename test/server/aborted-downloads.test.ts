/**
 * A client that goes away mid-response (a video seek, a closed tab, a cancelled download)
 * must leave no file open in the server: with `pipe()` each aborted media request, project
 * ZIP or dataset ZIP kept its blob's file descriptor until the process ran out (EMFILE).
 * Linux-only: it counts /proc/self/fd.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportProgress } from '../../src-shared/contract/index.js';
import type { Engine } from '../../src-main/engine/engine.js';
import { datasetsFeature } from '../../src-main/features/datasets/public.js';
import { openEngine } from '../../src-main/features/index.js';
import { productsFeature } from '../../src-main/features/products/public.js';
import { HttpBackend } from '../../src-main/server/client.js';
import { startServer, type RunningServer } from '../../src-main/server/server.js';
import { tempDir } from '../helpers/tmp.js';

const linux = process.platform === 'linux';
let cleanup: () => Promise<void>;
let engine: Engine;
let server: RunningServer;
let client: HttpBackend;
let projectId: string;
let assetIds: string[];

/** A noisy JPEG of several MB: far more than the socket and stream buffers hold. */
async function bigJpeg(): Promise<Buffer> {
  const w = 2400;
  const h = 1800;
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (Math.random() * 256) | 0;
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
}

const blobFds = async () => (await Promise.all((await fs.readdir('/proc/self/fd')).map((f) => fs.readlink(`/proc/self/fd/${f}`).catch(() => '')))).filter((t) => t.includes(`${path.sep}blobs${path.sep}`)).length;

/** N requests that each read the first bytes of the answer and hang up. */
async function abortAfterFirstChunk(pathAndQuery: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(server.port, '127.0.0.1', () => s.write(`GET ${pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${server.token}\r\n\r\n`));
      s.once('data', () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
  }
  await new Promise((r) => setTimeout(r, 1000));
}

describe.skipIf(!linux)('aborted responses', () => {
  beforeAll(async () => {
    const tmp = await tempDir();
    cleanup = tmp.cleanup;
    engine = await openEngine({ dataDir: path.join(tmp.dir, 'data'), workers: 1 });
    server = await startServer({ engine, port: 0, staticDir: null });
    client = new HttpBackend(server.url, server.token);
    const uploads = [await client.upload(await bigJpeg(), 'a.jpg'), await client.upload(await bigJpeg(), 'b.jpg')];
    let p = (await client.call('import.start', { uploadIds: uploads, uploadNames: ['a.jpg', 'b.jpg'] } as never)) as ImportProgress;
    for (let i = 0; i < 600 && (p.state === 'scanning' || p.state === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      p = await client.call('import.get', { importId: p.importId });
    }
    expect(p.state).toBe('done');
    projectId = p.projectId;
    assetIds = (await client.call('assets.list', { projectId })).items.map((a) => a.id);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await server?.close();
    await engine?.close();
    await cleanup?.();
  });

  it('media requests close their file', async () => {
    await abortAfterFirstChunk(`/media/original/${assetIds[0]}`, 30);
    expect(await blobFds()).toBeLessThan(3);
  });

  it('project ZIP downloads close the file they were reading', async () => {
    const q = encodeURIComponent(JSON.stringify({ projectId, options: { include: 'originals' } }));
    await abortAfterFirstChunk(`/api/download/project-zip?p=${q}`, 15);
    expect(await blobFds()).toBeLessThan(3);
  });

  it('dataset ZIP downloads close the file they were reading', async () => {
    // A product holding the two big photos as real images, in a dataset.
    const { catalog } = engine.use(productsFeature);
    const product = catalog.create({ productName: 'Big photos' });
    const assets = (await client.call('assets.list', { projectId })).items;
    catalog.addImages(
      product.id,
      assets.map((a) => ({ type: 'real' as const, sha256: a.sha256, format: a.format, width: a.width, height: a.height, bytes: a.bytes, thumbSha256: null, source: { kind: 'asset' as const, id: a.id } })),
    );
    const dataset = engine.use(datasetsFeature).store.create({ name: 'Big', from: { ids: [product.id] } });
    const q = encodeURIComponent(JSON.stringify({ id: dataset.id }));
    await abortAfterFirstChunk(`/api/download/dataset-export?p=${q}`, 15);
    expect(await blobFds()).toBeLessThan(3);
  });
});
