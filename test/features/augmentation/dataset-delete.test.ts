import { describe, expect, it } from 'vitest';
import { augmentationFeature } from '../../../src-main/features/augmentation/public.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { makeProducts } from './catalog-fixture.js';

describe('deleting a dataset with augmented images', () => {
  const fx = useEngine();

  it('tombstones the images made for it (only those), and Undo brings them back with their origin; a later run makes nothing', { timeout: 120_000 }, async () => {
    const made = await makeProducts(fx.engine, 2, { frames: 1, reals: 1 });
    const { store } = fx.engine.use(datasetsFeature);
    const { catalog } = fx.engine.use(productsFeature);
    const augmentation = fx.engine.use(augmentationFeature);
    const doomed = store.create({ name: 'Doomed', from: { ids: made.map((m) => m.id) } });
    const kept = store.create({ name: 'Kept', from: { ids: [made[0]!.id] } });
    await augmentation.wait((await augmentation.start(doomed.id, { syntheticTarget: 3, realTarget: 2, seed: 5 })).id);
    await augmentation.wait((await augmentation.start(kept.id, { syntheticTarget: 2, realTarget: 0, seed: 5 })).id);
    const augmentedOf = (productId: string) => catalog.images(productId, 'augmented', 0, 1000).items;
    const originsOf = (productId: string, datasetId: string) =>
      augmentedOf(productId)
        .filter((i) => i.source.kind === 'dataset' && i.source.id === datasetId)
        .map((i) => {
          const full = catalog.image(i.id);
          return { sha256: full.sha256, origin: JSON.stringify(full.meta['augmentation']) };
        })
        .sort((a, b) => a.origin.localeCompare(b.origin));
    const before = made.map((m) => originsOf(m.id, doomed.id));
    expect(before.map((b) => b.length)).toEqual([5, 5]);
    expect(catalog.get(made[0]!.id).counts.augmented).toBe(7);

    // The Augmented tab's filter: the datasets with images of the product, with counts.
    expect(augmentation.productDatasets(made[0]!.id)).toEqual([
      { datasetId: doomed.id, name: 'Doomed', count: 5 },
      { datasetId: kept.id, name: 'Kept', count: 2 },
    ]);
    expect(augmentation.images(undefined, made[0]!.id, 0, 100).total).toBe(7);
    expect(augmentation.images(kept.id, made[0]!.id, 0, 100).items.every((i) => i.datasetId === kept.id)).toBe(true);

    const { undoToken } = store.delete(doomed.id);
    expect(augmentation.productDatasets(made[0]!.id)).toEqual([{ datasetId: kept.id, name: 'Kept', count: 2 }]);
    expect(augmentation.productDatasets(made[1]!.id)).toEqual([]);
    expect(store.list().map((d) => d.name)).toEqual(['Kept']);
    expect(made.map((m) => originsOf(m.id, doomed.id).length)).toEqual([0, 0]);
    // The other dataset's images stay; the product's count drops to them.
    expect(originsOf(made[0]!.id, kept.id)).toHaveLength(2);
    expect(catalog.get(made[0]!.id).counts.augmented).toBe(2);
    expect(catalog.get(made[1]!.id).counts.augmented).toBe(0);

    const restored = store.restore(undoToken);
    expect(restored.name).toBe('Doomed');
    expect(made.map((m) => originsOf(m.id, doomed.id))).toEqual(before);
    expect(catalog.get(made[0]!.id).counts.augmented).toBe(7);
    expect(store.products(doomed.id).map((p) => p.counts.augmented)).toEqual([5, 5]);
    // The restored images count as existing: the same targets make nothing.
    const again = await augmentation.wait((await augmentation.start(doomed.id, { syntheticTarget: 3, realTarget: 2, seed: 5 })).id);
    expect(again.totals.synthetic).toMatchObject({ existing: 6, produced: 0, final: 6 });
    expect(again.totals.real).toMatchObject({ existing: 4, produced: 0, final: 4 });
    expect(() => store.restore(undoToken)).toThrow(/nothing to undo/);
  });
});
