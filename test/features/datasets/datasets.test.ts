import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../src-shared/contract/index.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { assignSplits } from '../../../src-main/features/datasets/splits.js';
import { useEngine } from '../../support/engine.js';

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `0190f000-0000-7000-8000-${String(from + i).padStart(12, '0')}`);

describe('product-level splits', () => {
  it('deals 80/10/10 exactly on 10 products, and the same seed gives the same assignment whatever the listing order', () => {
    const a = assignSplits({ train: 0, valid: 0, test: 0 }, ids(10), { train: 0.8, valid: 0.1, test: 0.1 }, 42);
    const b = assignSplits({ train: 0, valid: 0, test: 0 }, ids(10).reverse(), { train: 0.8, valid: 0.1, test: 0.1 }, 42);
    const count = (m: Map<string, string>, s: string) => [...m.values()].filter((v) => v === s).length;
    expect([count(a, 'train'), count(a, 'valid'), count(a, 'test')]).toEqual([8, 1, 1]);
    expect(Object.fromEntries(b)).toEqual(Object.fromEntries(a));
    const other = assignSplits({ train: 0, valid: 0, test: 0 }, ids(10), { train: 0.8, valid: 0.1, test: 0.1 }, 7);
    expect(Object.fromEntries(other)).not.toEqual(Object.fromEntries(a));
  });

  it('keeps the whole dataset near the ratios as products join in small groups', () => {
    const counts = { train: 0, valid: 0, test: 0 };
    for (let g = 0; g < 20; g++) for (const s of assignSplits(counts, ids(5, g * 5), { train: 0.7, valid: 0.2, test: 0.1 }, 1).values()) counts[s]++;
    expect(counts).toEqual({ train: 70, valid: 20, test: 10 });
  });
});

describe('datasets', () => {
  const fx = useEngine();
  const products = (n: number) => {
    const { catalog } = fx.engine.use(productsFeature);
    return Array.from({ length: n }, (_, i) => catalog.create({ brandName: 'B', productName: `P${i}` }).id);
  };

  it('creates from products with splits; adding products assigns only the new ones; all images of a product are in its one split', () => {
    const { store } = fx.engine.use(datasetsFeature);
    const first = products(10);
    const d = store.create({ name: 'Shelf v1', description: 'ten', from: { ids: first } });
    expect(d).toMatchObject({ name: 'Shelf v1', productCount: 10, version: 1, splitSeed: 42, splitRatios: { train: 0.8, valid: 0.1, test: 0.1 } });
    const before = new Map(store.products(d.id).map((p) => [p.productId, p.split]));
    expect([...before.values()].filter((s) => s === 'train')).toHaveLength(8);
    // The same products in another dataset with the same seed land in the same splits.
    const twin = store.create({ name: 'Twin', from: { ids: [...first].reverse() } });
    expect(new Map(store.products(twin.id).map((p) => [p.productId, p.split]))).toEqual(before);

    const more = products(5);
    const added = store.addProducts(d.id, d.version, { ids: [...more, first[0]!] });
    expect(added.added).toBe(5);
    expect(added.dataset).toMatchObject({ productCount: 15, version: 2 });
    const after = store.products(d.id);
    for (const p of after) if (before.has(p.productId)) expect(p.split).toBe(before.get(p.productId));
    // A product is a row with one split: there is no per-image split to disagree.
    expect(new Set(after.map((p) => p.productId)).size).toBe(15);
  });

  it('refuses ratios that do not sum to 1, and stale edits with a clear message', () => {
    const { store } = fx.engine.use(datasetsFeature);
    expect(() => store.create({ name: 'Bad', splitRatios: { train: 0.8, valid: 0.1, test: 0.2 } })).toThrow(/sum to 1/);
    const d = store.create({ name: 'A' });
    const renamed = store.update(d.id, d.version, { name: 'A2' });
    expect(renamed.version).toBe(2);
    let err: unknown;
    try {
      store.update(d.id, d.version, { description: 'from a stale window' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ContractError);
    expect((err as ContractError).code).toBe('conflict');
    expect((err as Error).message).toMatch(/changed elsewhere.*version 1.*has 2/);
    expect(store.get(d.id).description).toBe('');
  });

  it('edits a split by hand, keeps it through a re-split, and undoes a delete', () => {
    const { store } = fx.engine.use(datasetsFeature);
    const p = products(4);
    let d = store.create({ name: 'S', from: { ids: p } });
    const target = store.products(d.id).find((x) => x.split === 'train')!;
    d = store.setProductSplit(d.id, d.version, target.productId, 'test');
    d = store.resplit(d.id, d.version, { train: 0.5, valid: 0.5, test: 0 }, 3);
    const rows = store.products(d.id);
    expect(rows.find((x) => x.productId === target.productId)).toMatchObject({ split: 'test', manualSplit: true });
    expect(rows.filter((x) => !x.manualSplit)).toHaveLength(3);
    expect(rows.filter((x) => !x.manualSplit && x.split === 'test')).toHaveLength(0);
    const removed = store.removeProducts(d.id, d.version, [p[0]!]);
    expect(removed).toMatchObject({ removed: 1, dataset: { productCount: 3 } });
    const { undoToken } = store.delete(d.id);
    expect(store.list().map((x) => x.id)).not.toContain(d.id);
    expect(store.restore(undoToken)).toMatchObject({ id: d.id, productCount: 3 });
  });

  it('creates from the catalog’s filter', () => {
    const { store } = fx.engine.use(datasetsFeature);
    const { catalog } = fx.engine.use(productsFeature);
    catalog.create({ brandName: 'Arla', productName: 'Milk' });
    catalog.create({ brandName: 'Arla', productName: 'Yoghurt' });
    catalog.create({ brandName: 'Oatly', productName: 'Oat drink' });
    expect(store.create({ name: 'Arla', from: { filter: { query: 'Arla' }, except: [] } }).productCount).toBe(2);
  });
});
