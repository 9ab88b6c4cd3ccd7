/**
 * Catalog embedders installed through the models download job, end to end against a
 * loopback server (no internet here): a small real ONNX embedder built in the test, its
 * sha256 in a test catalog; the download (cancelled, then resumed with a Range request),
 * the sha256 check, the check that its tensors fit its manifest, registration; then it is
 * listed as installed, extracts a project of real grocery photos into its own index and
 * ranks matching candidates. A manifest naming the wrong output is refused after download.
 * A user's own embedder .onnx is imported when its tensors fit, refused when they do not.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CandidatesAnswer, EmbedderInfo, ModelInfo, VectorIndexInfo } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import type { Engine } from '../../../src-main/engine/engine.js';
import { ElemType, OnnxGraphBuilder } from '../../../src-main/features/embeddings/onnx-builder.js';
import { embeddingsFeature } from '../../../src-main/features/embeddings/public.js';
import { openEngine } from '../../../src-main/features/index.js';
import { importFeature } from '../../../src-main/features/import/public.js';
import { nativeModelsDir } from '../../../src-main/features/models/manifest.js';
import { modelsFeature } from '../../../src-main/features/models/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { tempDir } from '../../helpers/tmp.js';
import { classPhotos, copyInto, groceryMissing, sharedEmbedderCache } from '../embeddings/grocery-sample.js';
import { addFrames } from '../matching/product-frames.js';

const SIDE = 32;

/** pixels [N, 3, 32, 32] → embeds [N, 9]: per channel the mean, max and min (colour statistics: crude, but a real embedder of real photos). */
function tinyEmbedder(): Uint8Array {
  const b = new OnnxGraphBuilder('tiny-embedder');
  const x = b.input('pixel_values', ElemType.FLOAT, ['n', 3, SIDE, SIDE]);
  const stats = ['ReduceMean', 'ReduceMax', 'ReduceMin'].map((op) => b.op(op, [x], { axes: [2, 3], keepdims: 0 }));
  b.output(b.op('Concat', stats, { axis: 1 }, 'embeds'), ElemType.FLOAT, ['n', 9]);
  return b.encode();
}

/** pixels → a one-channel map [N, 1, 32, 32]: a mask model, not an embedder. */
function maskModel(): Uint8Array {
  const b = new OnnxGraphBuilder('mask');
  const x = b.input('input', ElemType.FLOAT, ['n', 3, SIDE, SIDE]);
  b.output(b.op('ReduceMean', [x], { axes: [1], keepdims: 1 }, 'mask'), ElemType.FLOAT, ['n', 1, SIDE, SIDE]);
  return b.encode();
}

/** Range-capable loopback server; `slow` sends 64-byte chunks 40 ms apart (time to cancel). */
function fileServer(body: Buffer) {
  const log: (string | null)[] = [];
  const mode = { slow: false };
  const server = http.createServer((req, res) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    log.push(req.headers.range ?? null);
    res.writeHead(m ? 206 : 200, { 'content-length': String(body.length - start), ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    const slice = body.subarray(start);
    if (!mode.slow) return void res.end(slice);
    let at = 0;
    const tick = () => {
      if (res.destroyed) return;
      if (at >= slice.length) return void res.end();
      res.write(slice.subarray(at, at + 64));
      at += 64;
      setTimeout(tick, 40);
    };
    tick();
  });
  return {
    log,
    mode,
    listen: async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tiny.onnx`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function embedderManifest(id: string, url: string, body: Buffer, outputName: string) {
  return {
    id,
    name: `Tiny colour-statistics embedder (${id})`,
    task: 'embedding',
    description: 'Test embedder: per-channel mean, max and min of a 32×32 image.',
    licence: { name: 'MIT', url: null },
    homepage: null,
    source: { kind: 'url', url },
    files: [{ name: `${id}.onnx`, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), sha256Source: 'computed by the test' }],
    embedder: {
      input: { name: 'pixel_values', size: [SIDE, SIDE], resize: { mode: 'stretch', kernel: 'linear' }, layout: 'NCHW', colorOrder: 'RGB', mean: [0, 0, 0], std: [255, 255, 255] },
      outputs: [{ name: outputName, pooling: 'none', layout: 'NCHW', normalize: true, weight: 1, dimension: 9 }],
      dimension: 9,
    },
  };
}

if (groceryMissing) console.warn(`catalog embedder test skipped: ${groceryMissing}`);

describe.skipIf(groceryMissing)('catalog embedders through models.download (loopback)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let server: ReturnType<typeof fileServer>;
  const body = Buffer.from(tinyEmbedder());

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    server = fileServer(body);
    const url = await server.listen();
    const catalog = path.join(dir, 'catalog');
    await fs.mkdir(catalog, { recursive: true });
    await fs.copyFile(path.join(nativeModelsDir(), 'isnet-imgly-medium.json'), path.join(catalog, 'isnet-imgly-medium.json'));
    await fs.writeFile(path.join(catalog, 'catalog.json'), JSON.stringify({ defaults: { 'background-removal': 'isnet-imgly-medium' }, models: ['isnet-imgly-medium'] }));
    await fs.writeFile(path.join(catalog, 'tiny-embedder.json'), JSON.stringify(embedderManifest('tiny-embedder', url, body, 'embeds')));
    await fs.writeFile(path.join(catalog, 'tiny-embedder-misnamed.json'), JSON.stringify(embedderManifest('tiny-embedder-misnamed', url, body, 'features')));
    engine = await openEngine({
      dataDir: path.join(dir, 'data'),
      workers: 1,
      settings: { models: { catalogDir: catalog, retryDelayMs: 10 }, embeddings: { modelCacheDir: sharedEmbedderCache } },
    });
  });
  afterAll(async () => {
    await engine?.close().catch(() => {});
    await server?.close();
    await cleanup?.();
  });

  it('downloads (cancel, then resume), verifies, checks the tensors and registers; then extracts and matches with it', async () => {
    const call = createDispatcher(engine);
    const listed = () => call('embeddings.models', {}) as Promise<EmbedderInfo[]>;
    expect((await listed()).find((m) => m.id === 'tiny-embedder')).toMatchObject({ installed: false, source: 'download', dimension: 9, licence: 'MIT' });
    const shelf = path.join(dir, 'shelf');
    await copyInto(shelf, classPhotos('val', 'Banana', 3), 'banana-');
    await copyInto(shelf, classPhotos('val', 'Arla-Standard-Milk', 3), 'milk-');
    const imports = engine.use(importFeature);
    const { projectId } = await imports.wait((await imports.start({ paths: [shelf], projectName: 'shelf' })).importId);
    // Not installed yet: refused up front, no index made.
    await expect(call('embeddings.extract', { scope: { kind: 'project', projectId }, modelId: 'tiny-embedder' })).rejects.toMatchObject({ code: 'unavailable' });

    // Cancel mid-download; the part stays, and the next download asks for the rest.
    server.mode.slow = true;
    const started = (await call('models.download', { id: 'tiny-embedder' })) as ModelInfo;
    expect(started.status).toBe('downloading');
    await new Promise<void>((resolve) => {
      const off = engine.events.subscribe((e) => {
        if (e.type === 'models.progress' && e.payload.id === 'tiny-embedder' && e.payload.received >= 256) {
          off();
          resolve();
        }
      });
    });
    const cancelled = (await call('models.cancel', { id: 'tiny-embedder' })) as ModelInfo;
    const jobs = engine.queue.list({ type: 'models.download', limit: 10 }).items;
    await engine.queue.waitFor(jobs[0]!.id).catch(() => {});
    expect(['downloading', 'failed']).toContain(cancelled.status);
    server.mode.slow = false;
    await call('models.download', { id: 'tiny-embedder' });
    const installed = await engine.use(modelsFeature).waitForDownload('tiny-embedder');
    expect(installed).toMatchObject({ status: 'ready', task: 'embedding', sizeBytes: body.length, error: null });
    expect(server.log[0]).toBeNull();
    expect(server.log.at(-1)).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(server.log.at(-1)!)![0])).toBeGreaterThanOrEqual(256);
    expect((await fs.readFile(engine.store.pathOf(installed.sha256!))).equals(body)).toBe(true);
    expect((await listed()).find((m) => m.id === 'tiny-embedder')).toMatchObject({ installed: true });

    // Extraction with it: its own index, vectors of its dimension; a photo finds itself first.
    const extract = (await call('embeddings.extract', { scope: { kind: 'project', projectId }, modelId: 'tiny-embedder' })) as { index: VectorIndexInfo; jobId: string };
    const job = await engine.queue.waitFor(extract.jobId);
    expect(job.state, job.error ?? '').toBe('completed');
    const index = ((await call('embeddings.indexes', {})) as VectorIndexInfo[]).find((i) => i.id === extract.index.id)!;
    expect(index).toMatchObject({ modelId: 'tiny-embedder', dimension: 9, vectors: 6, failed: 0, state: 'ready' });
    const assets = engine.db.prepare("SELECT id FROM assets WHERE project_id = ? AND kind = 'original' ORDER BY file_name").pluck().all(projectId) as string[];
    const hits = (await call('embeddings.search', { indexId: index.id, imageId: assets[0]!, k: 3 })) as { id: string; score: number }[];
    expect(hits[0]).toMatchObject({ id: assets[0] });
    expect(hits[0]!.score).toBeCloseTo(1, 4);

    // Matching with it: a product's candidates ranked by this embedder's vectors.
    const { catalog } = engine.use(productsFeature);
    const banana = catalog.create({ brandName: 'Fruit', productName: 'Banana', status: 'needs_matching' });
    await addFrames(engine, banana.id, classPhotos('train', 'Banana', 2));
    const pool = { kind: 'project', projectId } as const;
    const answer = (await call('matching.candidates', { productId: banana.id, pool, threshold: 0, modelId: 'tiny-embedder' })) as CandidatesAnswer;
    expect(answer).toMatchObject({ state: 'ready', total: 6, frames: 2 });
  }, 60_000);

  it('refuses a download whose tensors do not fit its manifest, keeping nothing', async () => {
    const call = createDispatcher(engine);
    await call('models.download', { id: 'tiny-embedder-misnamed' });
    const job = engine.queue.list({ type: 'models.download', limit: 20 }).items.find((j) => j.label === 'tiny-embedder-misnamed')!;
    expect((await engine.queue.waitFor(job.id)).state).toBe('failed');
    const info = ((await call('models.list', { task: 'embedding' })) as ModelInfo[]).find((m) => m.id === 'tiny-embedder-misnamed')!;
    expect(info.status).toBe('failed');
    expect(info.error).toMatch(/does not fit the embedding task: no output named features \(outputs: embeds float32/);
    expect(((await call('embeddings.models', {})) as EmbedderInfo[]).find((m) => m.id === 'tiny-embedder-misnamed')?.installed).toBe(false);
  });

  it('imports a user’s own embedder whose tensors fit, and refuses a mask model as an embedder', async () => {
    const call = createDispatcher(engine);
    const own = path.join(dir, 'my-encoder.onnx');
    await fs.writeFile(own, tinyEmbedder());
    const imported = (await call('models.import', { path: own, task: 'embedding', name: 'My encoder' })) as ModelInfo;
    expect(imported).toMatchObject({ task: 'embedding', source: 'user', status: 'ready', name: 'My encoder', inputSize: [SIDE, SIDE] });
    expect(((await call('embeddings.models', {})) as EmbedderInfo[]).find((m) => m.id === imported.id)).toMatchObject({ installed: true, source: 'user', dimension: 9 });
    const embedded = await engine.use(embeddingsFeature).embedFiles(imported.id, classPhotos('val', 'Banana', 1));
    expect('vector' in embedded[0]! && embedded[0].vector.length).toBe(9);

    const mask = path.join(dir, 'mask.onnx');
    await fs.writeFile(mask, maskModel());
    await expect(call('models.import', { path: mask, task: 'embedding' })).rejects.toThrow(/does not fit image embedding: no output is a float vector per image of at least 8 values/);
  });
});
