import { describe, expect, it } from 'vitest';
import { augmentationFeature } from '../../../src-main/features/augmentation/public.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { makeProducts } from './catalog-fixture.js';

/** Apart from run.test.ts: the segmentation model takes most of a minute to load on 2 cores. */
describe('real photos in a run', () => {
  const fx = useEngine();
  const originsOf = (productId: string, datasetId: string) => {
    const { catalog } = fx.engine.use(productsFeature);
    return catalog
      .images(productId, 'augmented', 0, 100)
      .items.filter((i) => i.source.kind === 'dataset' && i.source.id === datasetId)
      .map((i) => catalog.image(i.id).meta['augmentation'] as { sourceImageId: string; applied: { borders?: { letterboxed: boolean }; subject?: { crop?: unknown } } });
  };

  it('segments a letterboxed real photo before varying it, and varies a clean one as it is', { timeout: 120_000 }, async () => {
    const [m] = await makeProducts(fx.engine, 1, { frames: 0, reals: 2, letterboxedReal: true });
    const { store } = fx.engine.use(datasetsFeature);
    const augmentation = fx.engine.use(augmentationFeature);
    const d = store.create({ name: 'Shelf', from: { ids: [m!.id] } });
    const run = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 0, realTarget: 2 })).id);
    expect(run.totals.real).toMatchObject({ produced: 2, failed: 0 });
    const [raw, clean] = m!.reals;
    const byId = new Map(originsOf(m!.id, d.id).map((o) => [o.sourceImageId, o]));
    expect(byId.get(raw!)!.applied.borders?.letterboxed).toBe(true);
    expect(byId.get(raw!)!.applied.subject?.crop).toBeDefined();
    expect(byId.get(clean!)!.applied.borders?.letterboxed).toBe(false);
    expect(byId.get(clean!)!.applied.subject?.crop).toBeUndefined();
  });

});
