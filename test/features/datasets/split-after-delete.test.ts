import { describe, expect, it } from 'vitest';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';

describe('splits after a product leaves the catalog', () => {
  const fx = useEngine();

  it('a member deleted from the catalog takes no split slot when new products join', () => {
    const { catalog } = fx.engine.use(productsFeature);
    const { store } = fx.engine.use(datasetsFeature);
    const a = catalog.create({ productName: 'A' });
    const b = catalog.create({ productName: 'B' });
    const d = store.createWithSplits({ name: 'Half', splitRatios: { train: 0.5, valid: 0.5, test: 0 } }, [
      { productId: a.id, split: 'train' },
      { productId: b.id, split: 'valid' },
    ]);
    catalog.delete([b.id]);
    const c = catalog.create({ productName: 'C' });
    const { dataset } = store.addProducts(d.id, store.get(d.id).version, { ids: [c.id] });
    expect(dataset.productCount).toBe(2);
    // The dataset shows A in train and nothing in valid: C fills valid.
    expect(new Map(store.products(d.id).map((p) => [p.productName, p.split]))).toEqual(new Map([['A', 'train'], ['C', 'valid']]));
  });
});
