import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { augmentationFeature } from '../../../src-main/features/augmentation/public.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { frameWithCutout, makeProducts, stored } from './catalog-fixture.js';

interface Origin {
  kind: 'synthetic' | 'real';
  sourceImageId: string;
  index: number;
  seed: number;
  pipeline: string;
  runId: string;
  applied: { pipeline: string; seed: number; index: number; borders?: { letterboxed: boolean }; subject?: { crop?: unknown }; steps: unknown[] };
}

describe('augmentation runs', () => {
  const fx = useEngine();

  const originsOf = (productId: string, datasetId: string): Origin[] => {
    const { catalog } = fx.engine.use(productsFeature);
    return catalog
      .images(productId, 'augmented', 0, 10_000)
      .items.filter((i) => i.source.kind === 'dataset' && i.source.id === datasetId)
      .map((i) => catalog.image(i.id).meta['augmentation'] as Origin);
  };

  it('tops up to the targets, makes nothing the second time, and a raised target adds only the difference', { timeout: 120_000 }, async () => {
    const made = await makeProducts(fx.engine, 2, { frames: 2, reals: 1 });
    const { store } = fx.engine.use(datasetsFeature);
    const augmentation = fx.engine.use(augmentationFeature);
    const d = store.create({ name: 'Two', from: { ids: made.map((m) => m.id) } });

    const first = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 5, realTarget: 3, seed: 7 })).id);
    expect(first.state).toBe('completed');
    expect(first.totals.synthetic).toMatchObject({ products: 2, sources: 4, existing: 0, produced: 10, failed: 0, final: 10 });
    expect(first.totals.real).toMatchObject({ products: 2, sources: 2, existing: 0, produced: 6, failed: 0, final: 6 });
    for (const m of made) {
      const o = originsOf(m.id, d.id);
      const syn = o.filter((x) => x.kind === 'synthetic');
      // ceil(5 / 2) = 3 from the first frame, the remaining 2 from the second.
      expect(syn.filter((x) => x.sourceImageId === m.frames[0]).map((x) => x.index)).toEqual([0, 1, 2]);
      expect(syn.filter((x) => x.sourceImageId === m.frames[1]).map((x) => x.index)).toEqual([0, 1]);
      expect(o.filter((x) => x.kind === 'real').map((x) => x.index)).toEqual([0, 1, 2]);
      for (const x of o) {
        expect(x).toMatchObject({ seed: 7, runId: first.id });
        expect(x.applied).toMatchObject({ seed: 7, index: x.index, pipeline: x.pipeline });
        expect(x.kind === 'synthetic' ? ['light', 'heavy'] : ['real']).toContain(x.pipeline);
      }
      expect(fx.engine.use(productsFeature).catalog.get(m.id).counts.augmented).toBe(8);
    }
    // An output is a 384×384 JPEG in the blob store, with a thumbnail.
    const { catalog } = fx.engine.use(productsFeature);
    const one = catalog.images(made[0]!.id, 'augmented', 0, 1).items[0]!;
    expect(await sharp(catalog.imagePath(one.id)).metadata()).toMatchObject({ format: 'jpeg', width: 384, height: 384 });
    expect(catalog.media(one.id, 'thumb')?.contentType).toBe('image/webp');

    const second = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 5, realTarget: 3, seed: 7 })).id);
    expect(second.totals.synthetic).toMatchObject({ existing: 10, produced: 0, final: 10 });
    expect(second.totals.real).toMatchObject({ existing: 6, produced: 0, final: 6 });

    const raised = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 8, realTarget: 3, seed: 7 })).id);
    expect(raised.totals.synthetic).toMatchObject({ existing: 10, produced: 6, final: 16 });
    expect(raised.totals.real.produced).toBe(0);
    const o = originsOf(made[0]!.id, d.id).filter((x) => x.kind === 'synthetic');
    // 3 missing over 2 frames: ceil → 2 + 1, each frame continuing its own index.
    expect(o.filter((x) => x.sourceImageId === made[0]!.frames[0]).map((x) => x.index)).toEqual([0, 1, 2, 3, 4]);
    expect(o.filter((x) => x.sourceImageId === made[0]!.frames[1]).map((x) => x.index)).toEqual([0, 1, 2]);
    expect(new Set(o.map((x) => `${x.sourceImageId}:${x.index}`)).size).toBe(o.length);
    // The report per split adds up, and the dataset's product rows count the dataset's augmented images.
    expect(Object.values(raised.perSplit).reduce((n, s) => n + s.final, 0)).toBe(16 + 6);
    expect(store.products(d.id).map((p) => p.counts.augmented)).toEqual([11, 11]);
  });

  it('counts outputs by their recorded origin, not by name: a deleted output is made again under a new index', { timeout: 60_000 }, async () => {
    const [m] = await makeProducts(fx.engine, 1, { frames: 1, reals: 0 });
    const { store } = fx.engine.use(datasetsFeature);
    const augmentation = fx.engine.use(augmentationFeature);
    const { catalog } = fx.engine.use(productsFeature);
    const d = store.create({ name: 'One', from: { ids: [m!.id] } });
    await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 3, realTarget: 0 })).id);
    const victim = catalog.images(m!.id, 'augmented', 0, 10).items[1]!;
    catalog.removeImages([victim.id]);
    const again = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 3, realTarget: 0 })).id);
    expect(again.totals.synthetic).toMatchObject({ existing: 2, produced: 1, final: 3 });
    expect(originsOf(m!.id, d.id).map((x) => x.index).sort()).toEqual([0, 2, 3]);
    // A product without real photos reports why it got no real variants.
    const noReal = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 3, realTarget: 2 })).id);
    expect(noReal.products[0]!.failures).toEqual([expect.objectContaining({ kind: 'real', reason: expect.stringMatching(/no real photos/) })]);
  });

  it('reports a failed output with its reason and skips it; the others are made', { timeout: 60_000 }, async () => {
    const [m] = await makeProducts(fx.engine, 1, { frames: 1, reals: 0 });
    const { catalog } = fx.engine.use(productsFeature);
    // A second frame whose cut-out is empty (every pixel transparent): nothing to compose.
    const { frame } = await frameWithCutout(200);
    const empty = await sharp({ create: { width: 320, height: 240, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const [bad] = catalog.addImages(m!.id, [await stored(fx.engine, frame, 'synthetic', { cutoutSha256: (await fx.engine.store.putBuffer(empty)).sha256, frameIndex: 1 })]);
    const { store } = fx.engine.use(datasetsFeature);
    const augmentation = fx.engine.use(augmentationFeature);
    const d = store.create({ name: 'Half bad', from: { ids: [m!.id] } });
    const run = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 4, realTarget: 0 })).id);
    expect(run.state).toBe('completed');
    expect(run.totals.synthetic).toMatchObject({ produced: 2, failed: 2, final: 2 });
    expect(run.products[0]!.failures).toHaveLength(2);
    for (const f of run.products[0]!.failures) expect(f).toMatchObject({ sourceImageId: bad, kind: 'synthetic', reason: expect.stringMatching(/empty|transparent/i) });
    expect(originsOf(m!.id, d.id).map((o) => o.sourceImageId)).toEqual([m!.frames[0], m!.frames[0]]);
  });

  it('refuses an empty dataset and a background folder without images', async () => {
    const { store } = fx.engine.use(datasetsFeature);
    const augmentation = fx.engine.use(augmentationFeature);
    const d = store.create({ name: 'Empty' });
    await expect(augmentation.start(d.id, {})).rejects.toThrow(/add products first/);
    await expect(augmentation.setSettings(fx.dir)).rejects.toThrow(/has no images/);
  });
});
