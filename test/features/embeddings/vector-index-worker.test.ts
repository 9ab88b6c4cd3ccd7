import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../../src-main/engine/ids.js';
import { BlobStore } from '../../../src-main/engine/store/blob-store.js';
import type { IndexJobProgress } from '../../../src-main/features/embeddings/vector-index-job.js';
import { ClusteredVectors } from '../../../src-main/features/embeddings/vector-index-synthetic.js';
import { VectorIndexWorkers } from '../../../src-main/features/embeddings/vector-index-workers.js';
import { loadVectorIndex, VectorIndex } from '../../../src-main/features/embeddings/vector-index.js';
import { tempDir } from '../../helpers/tmp.js';

const DIM = 96;
const gen = new ClusteredVectors({ dim: DIM, products: 80, categories: 8, seed: 9 });
const rowOf = (m: Float32Array, i: number) => m.subarray(i * DIM, (i + 1) * DIM);

let dir: string;
let cleanup: () => Promise<void>;
let store: BlobStore;
let workers: VectorIndexWorkers;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('atolye-vindex-worker-'));
  store = new BlobStore(dir);
  await store.init();
  workers = new VectorIndexWorkers(dir);
});
afterEach(async () => {
  await workers.close();
  await cleanup();
});

describe('vector index worker', () => {
  it('builds in a worker thread while this thread keeps running, and answers like a build done here', async () => {
    const { vectors } = gen.sample(3000, 1);
    const ids = Array.from({ length: 3000 }, () => newId());
    const { vectors: queries } = gen.sample(20, 2);
    const params = { M: 12, efConstruction: 100, ef: 50 };
    const sent = vectors.slice();
    const progress: IndexJobProgress[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const result = await workers.run(
      { kind: 'build', scope: 'project-1', modelId: 'model-a', dim: DIM, hnsw: params, ids, vectors: sent },
      { onProgress: (p) => progress.push(p) },
    );
    clearInterval(timer);
    expect(sent.length).toBe(0); // transferred to the worker, not copied
    expect(ticks).toBeGreaterThan(0); // this event loop ran while the worker built
    expect(progress.filter((p) => p.phase === 'add').at(-1)).toEqual({ phase: 'add', done: 3000, total: 3000 });
    expect(progress.at(-1)).toEqual({ phase: 'save', done: 1, total: 1 });
    expect(await store.has(result.sha256)).toBe(true);
    expect(result.rows.meta).toMatchObject({ scope: 'project-1', modelId: 'model-a', dim: DIM, count: 3000, ...params });

    const loaded = await loadVectorIndex(store.pathOf(result.sha256), result.rows);
    const here = VectorIndex.create({ scope: 'project-1', modelId: 'model-a', dim: DIM, hnsw: params });
    here.addMany(ids, vectors);
    for (const mode of ['auto', 'hnsw'] as const) expect(loaded.searchBatch(queries, 10, { mode })).toEqual(here.searchBatch(queries, 10, { mode }));
  });

  it('applies removals and upserts to a saved index and compacts it when due', async () => {
    const { vectors } = gen.sample(1200, 3);
    const ids = Array.from({ length: 1200 }, () => newId());
    const built = await workers.run({ kind: 'build', scope: 'p', modelId: 'm', dim: DIM, ids: ids.slice(0, 1000), vectors: vectors.slice(0, 1000 * DIM) });
    const removed = ids.slice(0, 400);
    const update = await workers.run({
      kind: 'update',
      base: { sha256: built.sha256, rows: built.rows },
      remove: [...removed, 'not-in-the-index'],
      upsert: { ids: ids.slice(1000), vectors: vectors.slice(1000 * DIM) },
    });
    expect(update.rebuilt).toBe(true); // 400 of 1200 points deleted is past the 25 % threshold
    expect(update.missing).toEqual(['not-in-the-index']);
    expect(update.sha256).not.toBe(built.sha256);
    expect(update.rows.meta).toMatchObject({ count: 800, elements: 800 });
    const index = await loadVectorIndex(store.pathOf(update.sha256), update.rows);
    expect(index.deletedCount).toBe(0);
    const gone = new Set(removed);
    for (let i = 0; i < 1200; i += 50) {
      const hits = index.search(rowOf(vectors, i), 5, { mode: 'hnsw' });
      expect(hits.some((h) => gone.has(h.id))).toBe(false);
      if (!gone.has(ids[i]!)) expect(hits.map((h) => h.id)).toContain(ids[i]);
    }
    // The base blob is untouched: the caller decides when to drop it.
    expect(await store.has(built.sha256)).toBe(true);
    const small = await workers.run({ kind: 'update', base: { sha256: update.sha256, rows: update.rows }, remove: [ids[500]!], compact: 'never' });
    expect(small.rebuilt).toBe(false);
    expect(small.rows.meta).toMatchObject({ count: 799, elements: 800 });
  });

  it('fails a job with a bad vector, naming it, and stores nothing', async () => {
    const { vectors } = gen.sample(50, 4);
    const ids = Array.from({ length: 50 }, (_, i) => `img-${i}`);
    vectors.fill(0, 17 * DIM, 18 * DIM);
    await expect(workers.run({ kind: 'build', scope: 'p', modelId: 'm', dim: DIM, ids, vectors })).rejects.toThrow(/img-17.*zero vector/);
    // Nothing stored: the fan-out folders the store makes at init hold no file.
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(store.root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(files.map((f) => f.name)).toEqual([]);
  });
});
