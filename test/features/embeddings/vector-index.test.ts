import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../../src-main/engine/ids.js';
import { BlobStore } from '../../../src-main/engine/store/blob-store.js';
import { exactTopK, exactTopKBatch } from '../../../src-main/features/embeddings/vector-index-exact.js';
import { forEachHnswPoint, readHnswHeader } from '../../../src-main/features/embeddings/vector-index-hnsw-file.js';
import type { VectorIndexRows } from '../../../src-main/features/embeddings/vector-index-rows.js';
import { ClusteredVectors, seededGaussian } from '../../../src-main/features/embeddings/vector-index-synthetic.js';
import { VectorRejectedError } from '../../../src-main/features/embeddings/vector-index-vectors.js';
import { DEFAULT_HNSW_PARAMS, loadVectorIndex, saveVectorIndex, VectorIndex, type SearchHit } from '../../../src-main/features/embeddings/vector-index.js';
import { tempDir } from '../../helpers/tmp.js';

const DIM = 48;
const gen = new ClusteredVectors({ dim: DIM, products: 60, categories: 6, seed: 5 });

function sample(count: number, seed: number) {
  const s = gen.sample(count, seed);
  return { ...s, ids: Array.from({ length: count }, () => newId()) };
}

const rowOf = (m: Float32Array, i: number) => m.subarray(i * DIM, (i + 1) * DIM);

/** The test's own reference: every inner product in float64, sorted. Slow and obviously right. */
function reference(base: Float32Array, ids: readonly (string | null)[], query: Float32Array, k: number, allow: (id: string) => boolean = () => true) {
  const scored: { id: string; score: number }[] = [];
  ids.forEach((id, r) => {
    if (id === null || !allow(id)) return;
    let s = 0;
    for (let j = 0; j < DIM; j++) s += base[r * DIM + j]! * query[j]!;
    scored.push({ id, score: s });
  });
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
}

/** Share of the reference's ids that the hits found. */
function recall(hits: SearchHit[], want: { id: string }[]): number {
  const found = new Set(hits.map((h) => h.id));
  return want.filter((w) => found.has(w.id)).length / want.length;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('atolye-vindex-')));
afterEach(() => cleanup());

describe('vector checks', () => {
  it('refuses zero, NaN, infinite, wrong-dimension and unnormalised vectors, naming the id', () => {
    const index = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM });
    const good = rowOf(sample(1, 1).vectors, 0);
    const bad: [string, Float32Array, RegExp][] = [
      ['img-zero', new Float32Array(DIM), /img-zero.*zero vector/],
      ['img-nan', good.map((x, i) => (i === 7 ? NaN : x)), /img-nan.*component 7 is NaN/],
      ['img-inf', good.map((x, i) => (i === 3 ? Infinity : x)), /img-inf.*component 3 is Infinity/],
      ['img-short', good.subarray(0, DIM - 1), /img-short.*dimension 47, the index holds 48/],
      ['img-raw', good.map((x) => x * 3), /img-raw.*norm 3\.0.*L2-normalised/],
    ];
    for (const [id, v, message] of bad) {
      expect(() => index.add(id, v)).toThrow(message);
      try {
        index.add(id, v);
      } catch (err) {
        expect(err).toBeInstanceOf(VectorRejectedError);
        expect((err as VectorRejectedError).id).toBe(id);
      }
    }
    expect(index.size).toBe(0);
    expect(() => index.search(new Float32Array(DIM), 5)).toThrow(/query.*zero vector/);
  });

  it('refuses bad index options before touching hnswlib', () => {
    expect(() => VectorIndex.create({ scope: 'p', modelId: 'm', dim: 0 })).toThrow(/dimension must be a positive integer/);
    expect(() => VectorIndex.create({ scope: '', modelId: 'm', dim: 8 })).toThrow(/scope and a model id/);
    expect(() => VectorIndex.create({ scope: 'p', modelId: 'm', dim: 8, hnsw: { ef: 0 } })).toThrow(/ef must be a positive integer/);
    expect(() => VectorIndex.create({ scope: 'p', modelId: 'm', dim: 8, compactDeletedShare: 2 })).toThrow(/between 0 and 1/);
    // Absent fields keep their defaults, even when spelled out as undefined.
    expect(VectorIndex.create({ scope: 'p', modelId: 'm', dim: 8, hnsw: { M: 8, ef: undefined } }).hnswParams).toEqual({ ...DEFAULT_HNSW_PARAMS, M: 8 });
  });

  it('adds nothing from a batch that holds one bad vector', () => {
    const index = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM });
    const { vectors, ids } = sample(20, 2);
    vectors[13 * DIM + 5] = NaN;
    expect(() => index.addMany(ids, vectors)).toThrow(new RegExp(`${ids[13]}.*component 5 is NaN`));
    expect(index.size).toBe(0);
    expect(index.toRows().meta.elements).toBe(0);
    expect(() => index.addMany([ids[0]!, ids[0]!], vectors.subarray(0, 2 * DIM))).toThrow(/same id appears twice/);
  });
});

describe('exact search', () => {
  it('finds the true nearest neighbours best first, one query or a batch, with a filter', () => {
    const { vectors: base, ids } = sample(500, 3);
    const { vectors: queries } = sample(7, 4); // 7: one block of four and a remainder of three
    const batch = exactTopKBatch(base, DIM, 500, queries, 10);
    for (let q = 0; q < 7; q++) {
      const want = reference(base, ids, rowOf(queries, q), 10);
      const single = exactTopK(base, DIM, 500, rowOf(queries, q), 10);
      expect(single.map((h) => ids[h.row])).toEqual(want.map((w) => w.id));
      single.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 6));
      expect(batch[q]!.map((h) => h.row)).toEqual(single.map((h) => h.row));
      batch[q]!.forEach((h, i) => expect(h.score).toBeCloseTo(single[i]!.score, 12));
    }
    const even = (row: number) => row % 2 === 0;
    const filtered = exactTopKBatch(base, DIM, 500, queries, 10, even);
    filtered.forEach((hits, q) => {
      expect(hits.every((h) => h.row % 2 === 0)).toBe(true);
      expect(hits.map((h) => ids[h.row])).toEqual(reference(base, ids, rowOf(queries, q), 10, (id) => ids.indexOf(id) % 2 === 0).map((w) => w.id));
    });
    expect(exactTopK(base, DIM, 3, rowOf(queries, 0), 10)).toHaveLength(3);
    expect(() => exactTopKBatch(base, DIM, 500, queries.subarray(1), 10)).toThrow(/whole number/);
  });
});

describe('vector index', () => {
  it('answers the same through the exact scan and HNSW on a small set', () => {
    const { vectors: base, ids } = sample(800, 5);
    const { vectors: queries } = sample(40, 6);
    const index = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM, hnsw: { ef: 200 }, exactThreshold: 1000 });
    index.addMany(ids, base);
    expect(index.searchesExactly).toBe(true);
    let found = 0;
    for (let q = 0; q < 40; q++) {
      const query = rowOf(queries, q);
      const want = reference(base, ids, query, 10);
      const exact = index.search(query, 10);
      const hnsw = index.search(query, 10, { mode: 'hnsw' });
      expect(exact.map((h) => h.id)).toEqual(want.map((w) => w.id));
      found += recall(hnsw, want) * 10;
      const exactScore = new Map(exact.map((h) => [h.id, h.score]));
      for (const h of hnsw) if (exactScore.has(h.id)) expect(h.score).toBeCloseTo(exactScore.get(h.id)!, 5);
      for (const hits of [exact, hnsw]) for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    }
    expect(found / 400).toBeGreaterThanOrEqual(0.99);
    // The stored vector itself comes back first with cosine 1.
    const self = index.search(rowOf(base, 17), 1, { mode: 'hnsw' });
    expect(self[0]!.id).toBe(ids[17]);
    expect(self[0]!.score).toBeCloseTo(1, 5);
    // Past the threshold, 'auto' means HNSW.
    const big = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM, exactThreshold: 100 });
    big.addMany(ids, base);
    expect(big.searchesExactly).toBe(false);
    expect(() => big.search(rowOf(queries, 0), 5, { mode: 'exact' })).toThrow(/exact search keeps vectors in memory only up to 200/);
    expect(big.search(rowOf(queries, 0), 5)).toHaveLength(5);
  });

  it('returns at most the live count, and nothing from an empty index (saved and loaded too)', async () => {
    const index = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM });
    const { vectors, ids } = sample(3, 7);
    expect(index.search(rowOf(vectors, 0), 10)).toEqual([]);
    expect(index.search(rowOf(vectors, 0), 10, { mode: 'hnsw' })).toEqual([]);
    await index.writeFile(path.join(dir, 'empty.hnsw'));
    const empty = await loadVectorIndex(path.join(dir, 'empty.hnsw'), index.toRows());
    expect(empty.size).toBe(0);
    expect(empty.search(rowOf(vectors, 0), 10, { mode: 'hnsw' })).toEqual([]);
    empty.add(ids[0]!, rowOf(vectors, 0));
    expect(empty.search(rowOf(vectors, 0), 10, { mode: 'hnsw' }).map((h) => h.id)).toEqual([ids[0]]);
    index.addMany(ids, vectors);
    expect(index.search(rowOf(vectors, 0), 10)).toHaveLength(3);
    expect(index.search(rowOf(vectors, 0), 10, { mode: 'hnsw' })).toHaveLength(3);
    expect(index.searchBatch([rowOf(vectors, 0), rowOf(vectors, 1)], 0)).toEqual([[], []]);
  });

  it('grows past its initial capacity one vector at a time', () => {
    const index = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM, initialCapacity: 10, exactThreshold: 50 });
    const { vectors, ids } = sample(300, 8);
    ids.forEach((id, i) => index.add(id, rowOf(vectors, i)));
    expect(index.size).toBe(300);
    expect(index.capacity).toBeGreaterThanOrEqual(300);
    let first = 0;
    ids.forEach((id, i) => {
      if (index.search(rowOf(vectors, i), 1, { ef: 100 })[0]!.id === id) first++;
    });
    // Near-duplicate runs in the sample may tie; nearly every vector finds itself first.
    expect(first).toBeGreaterThanOrEqual(295);
  });

  it('replaces the vector of an id added again, and forgets deleted ids in both search paths', () => {
    const { vectors, ids } = sample(400, 9);
    const index = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM, hnsw: { ef: 100 }, exactThreshold: 1000 });
    index.addMany(ids, vectors);
    const target = ids[10]!;
    const replacement = rowOf(vectors, 200);
    index.add(target, replacement);
    expect(index.size).toBe(400);
    expect(index.deletedCount).toBe(1);
    for (const mode of ['exact', 'hnsw'] as const) {
      const hits = index.search(replacement, 2, { mode });
      expect(hits.map((h) => h.id).sort()).toEqual([ids[200]!, target].sort());
      expect(index.search(rowOf(vectors, 10), 400, { mode }).find((h) => h.id === target)!.score).toBeLessThan(0.999);
    }
    const gone = ids.slice(0, 50).filter((id) => id !== target);
    for (const id of gone) expect(index.remove(id)).toBe(true);
    expect(index.remove(gone[0]!)).toBe(false);
    expect(index.remove('never-added')).toBe(false);
    expect(index.size).toBe(351);
    expect(index.deletedCount).toBe(50);
    const goneSet = new Set(gone);
    for (let i = 0; i < 50; i++) {
      for (const mode of ['exact', 'hnsw'] as const) {
        const hits = index.search(rowOf(vectors, i), 20, { mode });
        expect(hits.some((h) => goneSet.has(h.id))).toBe(false);
      }
    }
    expect(index.has(gone[0]!)).toBe(false);
    expect(new Set(index.ids()).size).toBe(351);
  });

  for (const path_ of ['the in-memory copy', 'a spill of the index file'] as const) {
    it(`compacts away deleted points, reading the live vectors from ${path_}`, async () => {
      const { vectors, ids } = sample(600, 10);
      const { vectors: queries } = sample(30, 11);
      const small = path_ === 'the in-memory copy';
      const index = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM, hnsw: { ef: 200 }, exactThreshold: small ? 2000 : 50, scratchDir: dir });
      index.addMany(ids, vectors);
      const live: (string | null)[] = [...ids];
      for (let i = 0; i < 600; i += 3) {
        index.remove(ids[i]!);
        live[i] = null;
      }
      expect(index.needsCompaction()).toBe(true);
      const before = index.searchBatch(queries, 10, { mode: 'hnsw' });
      const progress: number[] = [];
      await index.compact((done) => progress.push(done));
      expect(progress.at(-1)).toBe(400);
      expect(index.needsCompaction()).toBe(false);
      expect(index.deletedCount).toBe(0);
      expect(index.size).toBe(400);
      expect(index.toRows().meta.elements).toBe(400);
      expect(new Set(index.ids())).toEqual(new Set(live.filter((x) => x !== null)));
      const after = index.searchBatch(queries, 10, { mode: 'hnsw' });
      for (let q = 0; q < 30; q++) {
        const want = reference(vectors, live, rowOf(queries, q), 10);
        expect(recall(after[q]!, want)).toBeGreaterThanOrEqual(0.9);
        expect(recall(before[q]!, want)).toBeGreaterThanOrEqual(0.9);
      }
      expect(await fs.readdir(dir)).toEqual([]); // the spill file is gone
    });
  }

  it('rebuilds with new build parameters and keeps answering', async () => {
    const { vectors, ids } = sample(500, 12);
    const index = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM, exactThreshold: 100, scratchDir: dir });
    index.addMany(ids, vectors);
    await index.rebuild({ M: 8, efConstruction: 64 });
    expect(index.hnswParams).toEqual({ M: 8, efConstruction: 64, ef: DEFAULT_HNSW_PARAMS.ef });
    expect(index.toRows().meta).toMatchObject({ M: 8, efConstruction: 64, count: 500, elements: 500 });
    const hits = index.search(rowOf(vectors, 42), 1);
    expect(hits[0]!.id).toBe(ids[42]);
    await expect(index.rebuild({ M: 1 })).rejects.toThrow(/M must be an integer/);
  });

  it('filters by a set or a predicate, in both search paths', () => {
    const { vectors, ids, category } = sample(700, 13);
    const { vectors: queries, category: queryCategory } = sample(20, 14);
    const index = VectorIndex.create({ scope: 'p1', modelId: 'm', dim: DIM, hnsw: { ef: 100 }, exactThreshold: 1000 });
    index.addMany(ids, vectors);
    const allowed = new Set(ids.filter((_, i) => category[i] === 2));
    const predicate = (id: string) => allowed.has(id);
    for (let q = 0; q < 20; q++) {
      const query = rowOf(queries, q);
      const want = reference(vectors, ids, query, 10, predicate);
      for (const mode of ['exact', 'hnsw'] as const) {
        for (const filter of [allowed, predicate]) {
          const hits = index.search(query, 10, { mode, filter });
          expect(hits.every((h) => allowed.has(h.id))).toBe(true);
          if (mode === 'exact') expect(hits.map((h) => h.id)).toEqual(want.map((w) => w.id));
          else expect(recall(hits, want)).toBeGreaterThanOrEqual(0.9);
        }
      }
    }
    expect(index.search(rowOf(queries, 0), 10, { filter: new Set<string>(), mode: 'hnsw' })).toEqual([]);
    expect(index.search(rowOf(queries, 0), 10, { filter: () => false })).toEqual([]);
    const elsewhere = rowOf(queries, queryCategory.findIndex((c) => c !== 2));
    expect(index.search(elsewhere, 10, { mode: 'hnsw' }).every((h) => !allowed.has(h.id))).toBe(true); // the filter did something
    expect(index.search(elsewhere, 10, { mode: 'hnsw', filter: allowed })).toHaveLength(10);
  });
});

describe('persistence', () => {
  /** Rows through real SQLite tables, the way the engine would keep them. */
  function throughSqlite(rows: VectorIndexRows, sha256: string): { rows: unknown; sha256: string } {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE vector_index (scope TEXT, model_id TEXT, blob_sha256 TEXT, meta_json TEXT, PRIMARY KEY (scope, model_id));
             CREATE TABLE vector_index_entry (scope TEXT, model_id TEXT, label INTEGER, item_id TEXT, PRIMARY KEY (scope, model_id, label));`);
    const { meta } = rows;
    db.prepare('INSERT INTO vector_index VALUES (?, ?, ?, ?)').run(meta.scope, meta.modelId, sha256, JSON.stringify(meta));
    const put = db.prepare('INSERT INTO vector_index_entry VALUES (?, ?, ?, ?)');
    db.transaction(() => rows.entries.forEach((e) => put.run(meta.scope, meta.modelId, e.label, e.id)))();
    const head = db.prepare('SELECT blob_sha256, meta_json FROM vector_index WHERE scope = ? AND model_id = ?').get(meta.scope, meta.modelId) as { blob_sha256: string; meta_json: string };
    const entries = db.prepare('SELECT label, item_id AS id FROM vector_index_entry WHERE scope = ? AND model_id = ? ORDER BY label').all(meta.scope, meta.modelId);
    db.close();
    return { rows: { meta: JSON.parse(head.meta_json), entries }, sha256: head.blob_sha256 };
  }

  for (const size of ['small (exact scan)', 'large (HNSW only)'] as const) {
    it(`saves to the blob store and loads back answering identically: ${size}`, async () => {
      const small = size === 'small (exact scan)';
      const store = new BlobStore(dir);
      await store.init();
      const { vectors, ids, category } = sample(900, 15);
      const { vectors: queries } = sample(25, 16);
      const opts = { scope: 'project-7', modelId: 'offline-mnv2-hsv', dim: DIM, hnsw: { M: 4, efConstruction: 16, ef: 37 }, exactThreshold: small ? 1000 : 100 };
      const index = VectorIndex.create(opts);
      index.addMany(ids.slice(0, 800), vectors.subarray(0, 800 * DIM));
      for (let i = 0; i < 800; i += 7) index.remove(ids[i]!);
      index.add(ids[1]!, rowOf(vectors, 850)); // a replaced vector
      index.addMany(ids.slice(800, 850), vectors.subarray(800 * DIM, 850 * DIM));

      const saved = await saveVectorIndex(index, store);
      expect(await store.has(saved.sha256)).toBe(true);
      expect((await fs.stat(store.pathOf(saved.sha256))).size).toBe(saved.bytes);
      expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
      const stored = throughSqlite(saved.rows, saved.sha256);
      const loaded = await loadVectorIndex(store.pathOf(stored.sha256), stored.rows);

      expect(loaded.toRows()).toEqual(index.toRows());
      expect(loaded.searchesExactly).toBe(small);
      expect(loaded.hnswParams).toEqual({ M: 4, efConstruction: 16, ef: 37 });
      expect(new Set(loaded.ids())).toEqual(new Set(index.ids())); // UUIDv7 strings round-trip
      // A sparse graph (M 4) where ef matters: hnswlib forgets ef on load, the rows must not.
      const filter = new Set(ids.filter((_, i) => category[i] === 1));
      for (const o of [{}, { mode: 'hnsw' as const }, { mode: 'hnsw' as const, ef: 12 }, { filter }]) {
        expect(loaded.searchBatch(queries, 10, o)).toEqual(index.searchBatch(queries, 10, o));
      }
      // Both go on the same way: labels continue where they stopped.
      const more = vectors.subarray(850 * DIM, 900 * DIM);
      index.addMany(ids.slice(850), more);
      loaded.addMany(ids.slice(850), more);
      expect(loaded.searchBatch(queries, 10, { mode: 'hnsw' })).toEqual(index.searchBatch(queries, 10, { mode: 'hnsw' }));
      expect(loaded.toRows().entries).toEqual(index.toRows().entries);
    });
  }

  it('refuses rows that do not match the file', async () => {
    const { vectors, ids } = sample(60, 17);
    const index = VectorIndex.create({ scope: 'p', modelId: 'm', dim: DIM });
    index.addMany(ids, vectors);
    index.remove(ids[5]!);
    const file = path.join(dir, 'index.hnsw');
    await index.writeFile(file);
    const rows = index.toRows();
    await expect(loadVectorIndex(file, { ...rows, meta: { ...rows.meta, dim: 64 } })).rejects.toThrow(/file has dim 48.*rows say dim 64/);
    await expect(loadVectorIndex(file, { ...rows, meta: { ...rows.meta, elements: 61, capacity: 64 } })).rejects.toThrow(/60 points.*61 points/);
    // The id map claims the deleted point is live (and loses another to keep the count).
    const swapped = rows.entries.map((e) => (e.label === 6 ? { label: 5, id: e.id } : e));
    await expect(loadVectorIndex(file, { ...rows, entries: swapped })).rejects.toThrow(/point 5 is deleted in the file but live in the rows/);
    await expect(loadVectorIndex(file, { ...rows, entries: [...rows.entries, rows.entries[0]!] })).rejects.toThrow(/entries, metadata says/);
    await expect(loadVectorIndex(file, { ...rows, meta: { ...rows.meta, format: 'faiss' } })).rejects.toThrow();
    await fs.writeFile(path.join(dir, 'junk.hnsw'), Buffer.alloc(500, 7));
    await expect(loadVectorIndex(path.join(dir, 'junk.hnsw'), rows)).rejects.toThrow(/not an hnswlib index/);
    expect((await loadVectorIndex(file, rows)).size).toBe(59);
  });

  it('writes files atomically and refuses changes while a write is in flight', async () => {
    const { vectors, ids } = sample(200, 18);
    const index = VectorIndex.create({ scope: 'p', modelId: 'm', dim: DIM });
    index.addMany(ids.slice(0, 100), vectors.subarray(0, 100 * DIM));
    const file = path.join(dir, 'index.hnsw');
    const writing = index.writeFile(file);
    expect(() => index.add(ids[150]!, rowOf(vectors, 150))).toThrow(/being written or rebuilt/);
    expect(() => index.remove(ids[0]!)).toThrow(/being written or rebuilt/);
    expect(index.search(rowOf(vectors, 3), 1)[0]!.id).toBe(ids[3]); // searching is fine meanwhile
    await writing;
    expect(await fs.readdir(dir)).toEqual(['index.hnsw']);
    const first = await fs.readFile(file);
    index.add(ids[150]!, rowOf(vectors, 150));
    await index.writeFile(file);
    expect((await fs.readFile(file)).equals(first)).toBe(false);
    expect(await fs.readdir(dir)).toEqual(['index.hnsw']);
    await expect(index.writeFile(path.join(dir, 'no-such-folder', 'index.hnsw'))).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual(['index.hnsw']);
  });

  it("reads the vectors, labels and delete marks back from hnswlib's file", async () => {
    const { vectors, ids } = sample(120, 19);
    const index = VectorIndex.create({ scope: 'p', modelId: 'm', dim: DIM, hnsw: { M: 6 } });
    index.addMany(ids, vectors);
    index.remove(ids[4]!);
    index.remove(ids[99]!);
    const file = path.join(dir, 'index.hnsw');
    await index.writeFile(file);
    const header = await readHnswHeader(file);
    expect(header).toMatchObject({ dim: DIM, elementCount: 120, M: 6, maxM0: 12 });
    const seen: number[] = [];
    await forEachHnswPoint(file, (label, deleted, vector) => {
      seen.push(label);
      expect(deleted).toBe(label === 4 || label === 99);
      // Bit-identical to what the index stored
      // (the index stores each vector renormalised in float32: x · 1/‖x‖).
      const given = rowOf(vectors, label);
      let norm = 0;
      for (const x of given) norm += x * x;
      const inv = 1 / Math.sqrt(norm);
      expect(Array.from(vector)).toEqual(Array.from(given, (x) => Math.fround(x * inv)));
      expect(Math.max(...Array.from(vector, (x, i) => Math.abs(x - given[i]!)))).toBeLessThan(1e-6);
    });
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });
});

describe('synthetic vectors', () => {
  it('are unit length, seeded, and have the documented spread', () => {
    const g = new ClusteredVectors({ dim: 256, products: 40, categories: 8, seed: 2, duplicateShare: 0 });
    const a = g.sample(400, 1);
    expect(g.sample(400, 1).vectors).toEqual(a.vectors);
    const dot = (i: number, j: number) => {
      let s = 0;
      for (let d = 0; d < 256; d++) s += a.vectors[i * 256 + d]! * a.vectors[j * 256 + d]!;
      return s;
    };
    for (let i = 0; i < 400; i += 37) expect(dot(i, i)).toBeCloseTo(1, 5);
    const same: number[] = [], sameCat: number[] = [], other: number[] = [];
    const noise = seededGaussian(1);
    for (let t = 0; t < 4000; t++) {
      const i = Math.floor(Math.abs(noise() * 1000)) % 400, j = Math.floor(Math.abs(noise() * 1000)) % 400;
      if (i === j) continue;
      const list = a.product[i] === a.product[j] ? same : a.category[i] === a.category[j] ? sameCat : other;
      list.push(dot(i, j));
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(other)).toBeCloseTo(0.3, 1);
    expect(mean(sameCat)).toBeCloseTo(0.45, 1);
    expect(mean(same)).toBeCloseTo(0.75, 1);
  });
});
