/**
 * The offline default embedder end to end: built from nsfwjs' weights into a cache
 * folder (in the embeddings worker), images decoded in the embeddings worker, the
 * network in the inference worker, the colour histogram joined. Unit length, the
 * manifest's dimension, deterministic, errors for bad images, and retrieval on real
 * grocery photos far above chance.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceRuntime } from '../../../src-main/engine/inference/runtime.js';
import { prepareEmbeddingPixels } from '../../../src-main/features/embeddings/embedding-image.js';
import { sqrtHsvHistogramOfCentre } from '../../../src-main/features/embeddings/hsv-histogram.js';
import { EmbeddingInputError, ImageEmbedder, type EmbedderHandle } from '../../../src-main/features/embeddings/image-embedder.js';
import { OFFLINE_EMBEDDER_RECIPE, OFFLINE_EMBEDDER_SHA256, OFFLINE_NETWORK_DIMENSION } from '../../../src-main/features/embeddings/offline-embedder.js';
import { tempDir } from '../../helpers/tmp.js';

const datasetRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/datasets/grocery-store');
const missing = fs.existsSync(path.join(datasetRoot, 'val.txt')) ? null : `${datasetRoot} is absent (the grocery-store photos live in ../shared beside the checkout)`;
if (missing) console.warn(`offline embedder retrieval test skipped: ${missing}`);

/** Product-like pictures: a coloured shape on a background, differing in colour and form. */
function picture(i: number): Buffer {
  const hue = (i * 47) % 360;
  const shape = i % 2 ? `<circle cx="120" cy="110" r="${50 + (i % 4) * 10}" fill="hsl(${hue},70%,50%)"/>` : `<rect x="60" y="40" width="${80 + (i % 3) * 30}" height="140" rx="12" fill="hsl(${hue},60%,45%)"/>`;
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="240" height="220"><rect width="240" height="220" fill="hsl(${(hue + 180) % 360},20%,85%)"/>${shape}<text x="20" y="210" font-size="24">${i}</text></svg>`);
}

const { bins } = OFFLINE_EMBEDDER_RECIPE;
const DIM = OFFLINE_NETWORK_DIMENSION + bins.hue * bins.saturation * bins.value;

describe('the offline default embedder', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let runtime: InferenceRuntime;
  let embedder: ImageEmbedder;
  let model: EmbedderHandle & { file: { path: string; sha256: string; bytes: number } };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-offline-embedder-'));
    runtime = new InferenceRuntime({ providers: ['cpu'] });
    embedder = new ImageEmbedder(runtime, { workers: 1 });
    model = await embedder.offlineDefault(path.join(dir, 'models'));
  }, 180_000);

  afterAll(async () => {
    await embedder?.close();
    await runtime?.close();
    await cleanup?.();
  });

  it('is built at first use with the recorded sha256 and reused after; a damaged copy is rebuilt', async () => {
    expect(model.file.sha256).toBe(OFFLINE_EMBEDDER_SHA256);
    expect(createHash('sha256').update(await fsp.readFile(model.file.path)).digest('hex')).toBe(OFFLINE_EMBEDDER_SHA256);
    expect(model.spec.dimension).toBe(DIM);
    const before = (await fsp.stat(model.file.path)).mtimeMs;
    const again = await embedder.offlineDefault(path.join(dir, 'models'));
    expect(again.file.path).toBe(model.file.path);
    expect((await fsp.stat(model.file.path)).mtimeMs).toBe(before);

    const copy = path.join(dir, 'damaged');
    await fsp.mkdir(copy);
    const damagedPath = path.join(copy, path.basename(model.file.path));
    const bytes = await fsp.readFile(model.file.path);
    const middle = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    await fsp.writeFile(damagedPath, bytes);
    const repaired = await embedder.offlineDefault(copy);
    expect(createHash('sha256').update(await fsp.readFile(repaired.file.path)).digest('hex')).toBe(OFFLINE_EMBEDDER_SHA256);
  }, 180_000);

  it('gives unit-length vectors of the manifest dimension, the same every time, different for different images', async () => {
    const images = Array.from({ length: 11 }, (_, i) => picture(i));
    const a = await embedder.embed(model, images, { batchSize: 4 });
    const b = await embedder.embed(model, images, { batchSize: 8 });
    expect(a.length).toBe(images.length * DIM);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    for (let i = 0; i < images.length; i++) {
      const row = a.subarray(i * DIM, (i + 1) * DIM);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
    const dot = (i: number, j: number) => a.subarray(i * DIM, (i + 1) * DIM).reduce((s, v, k) => s + v * a[j * DIM + k]!, 0);
    expect(dot(0, 1)).toBeLessThan(0.99);
  });

  it('is the unit network part and the √HSV histogram of the centre of the same pixels, joined with equal weights', async () => {
    const image = picture(5);
    const v = await embedder.embed(model, [image]);
    const pixels = await prepareEmbeddingPixels(image, model.spec.input);
    const [w, h] = model.spec.input.size;
    const hist = sqrtHsvHistogramOfCentre(pixels, { width: w, height: h, channels: 3 }, OFFLINE_EMBEDDER_RECIPE.histogramCentre, bins);
    expect(hist.length).toBe(DIM - OFFLINE_NETWORK_DIMENSION);
    const histPart = v.subarray(OFFLINE_NETWORK_DIMENSION);
    const networkPart = v.subarray(0, OFFLINE_NETWORK_DIMENSION);
    for (let i = 0; i < hist.length; i++) expect(Math.abs(histPart[i]! * Math.SQRT2 - hist[i]!)).toBeLessThan(1e-6);
    expect(Math.hypot(...networkPart)).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('refuses an image it cannot decode, naming it, and returns no vectors', async () => {
    const good = picture(1);
    const jpeg = await sharp(good).jpeg().toBuffer();
    for (const bad of [Buffer.from('not an image at all'), jpeg.subarray(0, jpeg.length >> 1), Buffer.alloc(0)]) {
      const err = await embedder.embed(model, [good, bad]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EmbeddingInputError);
      expect((err as EmbeddingInputError).index).toBe(1);
    }
    const err = await embedder.embed(model, [path.join(dir, 'no-such-file.jpg')]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/image 0 .*no-such-file\.jpg.*cannot be embedded/);
  });

  describe.skipIf(missing !== null)('on grocery-store photos', () => {
    it('finds a photo of the same product far above chance (20 products, 5 gallery photos each)', { timeout: 600_000 }, async () => {
      const rows = (file: string) =>
        fs
          .readFileSync(path.join(datasetRoot, file), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => ({ file: path.join(datasetRoot, l.split(',')[0]!.trim()), label: Number(l.split(',')[1]) }));
      // Every fourth product: apples, milk, juice, peppers… a mix of fine-grained neighbours.
      const products = Array.from({ length: 20 }, (_, i) => i * 4);
      const gallery = products.flatMap((p) => rows('train.txt').filter((r) => r.label === p).slice(0, 5));
      const queries = products.flatMap((p) => rows('val.txt').filter((r) => r.label === p).slice(0, 3));
      const g = await embedder.embed(model, gallery.map((r) => r.file));
      const q = await embedder.embed(model, queries.map((r) => r.file));
      let hit1 = 0;
      let hit5 = 0;
      for (let i = 0; i < queries.length; i++) {
        const qi = q.subarray(i * DIM, (i + 1) * DIM);
        const ranked = gallery
          .map((r, j) => ({ label: r.label, score: g.subarray(j * DIM, (j + 1) * DIM).reduce((s, v, k) => s + v * qi[k]!, 0) }))
          .sort((a, b) => b.score - a.score);
        if (ranked[0]!.label === queries[i]!.label) hit1++;
        if (ranked.slice(0, 5).some((r) => r.label === queries[i]!.label)) hit5++;
      }
      const [r1, r5] = [hit1 / queries.length, hit5 / queries.length];
      console.log(`offline embedder, ${products.length} products, ${gallery.length} gallery photos, ${queries.length} queries: recall@1 ${r1.toFixed(3)}, recall@5 ${r5.toFixed(3)} (chance 0.05 / 0.25)`);
      expect(r1).toBeGreaterThan(0.5);
      expect(r5).toBeGreaterThan(0.8);
    });
  });
});
