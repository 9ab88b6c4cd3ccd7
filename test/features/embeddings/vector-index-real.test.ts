/**
 * The index on vectors from real photos: the grocery-store validation set, each photo
 * reduced to a 24×24 colour thumbnail (1,728 numbers, L2-normalised), a crude but real
 * image vector that needs no model. A re-encoded, slightly cropped copy of a photo (what a
 * second export or a re-upload looks like) must find its original first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BlobStore } from '../../../src-main/engine/store/blob-store.js';
import { exactTopKBatch } from '../../../src-main/features/embeddings/vector-index-exact.js';
import { loadVectorIndex, saveVectorIndex, VectorIndex } from '../../../src-main/features/embeddings/vector-index.js';
import { tempDir } from '../../helpers/tmp.js';

const datasetRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/datasets/grocery-store');
const missing = fs.existsSync(path.join(datasetRoot, 'val.txt')) ? null : `${datasetRoot} is absent (the grocery-store photos live in ../shared beside the checkout)`;
if (missing) console.warn(`skipping real-photo vector index tests: ${missing}`);

const SIDE = 24;
const DIM = SIDE * SIDE * 3;

async function thumbVector(input: string | Buffer): Promise<Float32Array> {
  const { data } = await sharp(input).rotate().removeAlpha().resize(SIDE, SIDE, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const v = Float32Array.from(data, (x) => x / 255);
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  return v.map((x) => x * inv);
}

/** The same photo, 4 % cropped off each side, scaled to 80 % and saved again as a JPEG of quality 55. */
async function reexported(file: string): Promise<Buffer> {
  const image = sharp(file).rotate();
  const { width, height } = await image.metadata();
  const [w, h] = [width!, height!];
  const crop = { left: Math.round(w * 0.04), top: Math.round(h * 0.04), width: Math.round(w * 0.92), height: Math.round(h * 0.92) };
  return sharp(file).rotate().extract(crop).resize(Math.round(crop.width * 0.8)).jpeg({ quality: 55 }).toBuffer();
}

describe.skipIf(missing !== null)('vector index on real photos', () => {
  it('finds each re-exported photo\'s original first, through HNSW and the exact scan, before and after a save', { timeout: 300_000 }, async () => {
    const files = fs
      .readFileSync(path.join(datasetRoot, 'val.txt'), 'utf8')
      .split('\n')
      .map((l) => l.split(',')[0]!.trim())
      .filter(Boolean)
      .map((rel) => path.join(datasetRoot, rel));
    expect(files.length).toBeGreaterThan(250);
    const base = new Float32Array(files.length * DIM);
    const queries = new Float32Array(files.length * DIM);
    for (let i = 0; i < files.length; i++) {
      base.set(await thumbVector(files[i]!), i * DIM);
      queries.set(await thumbVector(await reexported(files[i]!)), i * DIM);
    }
    const ids = files.map((f) => path.relative(datasetRoot, f));
    // Threshold below the photo count, so 'auto' goes through HNSW.
    const index = VectorIndex.create({ scope: 'val', modelId: 'thumb-24', dim: DIM, exactThreshold: 100 });
    index.addMany(ids, base);
    expect(index.searchesExactly).toBe(false);

    const hnsw = index.searchBatch(queries, 10);
    const truth = exactTopKBatch(base, DIM, files.length, queries, 10);
    const firstRight = hnsw.filter((hits, i) => hits[0]!.id === ids[i]).length;
    const exactFirstRight = truth.filter((hits, i) => hits[0]!.row === i).length;
    expect(exactFirstRight / files.length).toBeGreaterThanOrEqual(0.98);
    expect(firstRight).toBe(exactFirstRight);
    let agree = 0;
    hnsw.forEach((hits, q) => {
      const want = new Set(truth[q]!.map((h) => ids[h.row]));
      agree += hits.filter((h) => want.has(h.id)).length;
    });
    expect(agree / (10 * files.length)).toBeGreaterThanOrEqual(0.98);

    const { dir, cleanup } = await tempDir('atolye-vindex-real-');
    try {
      const store = new BlobStore(dir);
      await store.init();
      const saved = await saveVectorIndex(index, store);
      const loaded = await loadVectorIndex(store.pathOf(saved.sha256), saved.rows);
      expect(loaded.searchBatch(queries, 10)).toEqual(hnsw);
    } finally {
      await cleanup();
    }
  });
});
