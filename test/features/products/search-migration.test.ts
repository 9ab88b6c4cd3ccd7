import { describe, expect, it } from 'vitest';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';

/**
 * products/2 rebuilds a search index written before its rows were keyed by the product's
 * rowid. The old state is made the way such a library had it: search rows under rowids of
 * their own, and no products/2 in the migrations table.
 */
describe('products search index migration', () => {
  const fx = useEngine();

  it('migrates a library whose search rows are not keyed by the product rowid, once', async () => {
    const { catalog } = fx.engine.use(productsFeature);
    catalog.create({ brandName: 'ÜLKER', productName: 'Çikolatalı Gofret', category: 'Snacks', barcodes: ['8690504050018'] });
    catalog.create({ brandName: 'Coca-Cola', subBrand: '', productName: 'Zero Sugar', variant: 'Lime', barcodes: ['5449000131805'] });
    const gone = catalog.create({ brandName: 'Pepsi', productName: 'Max', barcodes: ['4060800100252'] });
    catalog.delete([gone.id]);
    const written = fx.engine.db.prepare('SELECT product_id, text FROM products_search ORDER BY product_id').all();

    // The old state: rows under unrelated rowids (as an import before the rekey left them).
    fx.engine.db.exec(`
      CREATE TEMP TABLE old_rows AS SELECT rowid + 1000 AS r, product_id, text FROM products_search;
      DELETE FROM products_search;
      INSERT INTO products_search (rowid, product_id, text) SELECT r, product_id, text FROM old_rows;
      DELETE FROM migrations WHERE scope = 'products' AND version IN (2, 3);
    `);
    expect(catalog.list({ query: 'gofret' }).total).toBe(0); // the stale index hides the product

    let engine = await fx.reopen();
    const products = () => engine.use(productsFeature).catalog;
    const applied = () => engine.db.prepare("SELECT applied_at FROM migrations WHERE scope = 'products' AND version = 2").pluck().all();
    expect(applied()).toHaveLength(1);
    const firstApplied = applied()[0];
    expect(products().list({ query: 'gofret' }).items.map((p) => p.productName)).toEqual(['Çikolatalı Gofret']);
    expect(products().list({ query: 'ülker' }).total).toBe(1);
    expect(products().list({ query: 'ULKER cikolatali' }).total).toBe(1); // migration 3 folds accents and case
    expect(products().list({ query: 'zero lime' }).items.map((p) => p.brandName)).toEqual(['Coca-Cola']);
    expect(products().list({ query: 'pepsi' }).total).toBe(0); // deleted: not indexed
    // The rows hold exactly what the catalog itself writes (search_fold is the code's fold), keyed by the product's rowid.
    const rebuilt = engine.db.prepare('SELECT product_id, text FROM products_search ORDER BY product_id').all() as { product_id: string; text: string }[];
    expect(rebuilt).toEqual(written);
    expect(engine.db.prepare('SELECT COUNT(*) FROM products_search s JOIN products p ON p.rowid = s.rowid AND p.id = s.product_id').pluck().get()).toBe(2);

    // Once: a later open neither runs it again nor rebuilds at open (a row changed by hand stays).
    engine.db.prepare("UPDATE products_search SET text = 'hand edited' WHERE product_id = (SELECT id FROM products WHERE barcode = '5449000131805')").run();
    engine = await fx.reopen();
    expect(applied()).toEqual([firstApplied]);
    expect(engine.db.prepare("SELECT text FROM products_search WHERE text = 'hand edited'").pluck().all()).toEqual(['hand edited']);
  });
});

describe('catalog search in Turkish and with accents', () => {
  const fx = useEngine();

  it('finds IŞIK by "ışık" or "isik", İSTANBUL by "istanbul", and short words too', () => {
    const { catalog } = fx.engine.use(productsFeature);
    catalog.create({ brandName: 'IŞIK', productName: 'Ampul', barcodes: ['4006381333931'] });
    catalog.create({ brandName: 'Pınar', productName: 'İSTANBUL Süt', barcodes: ['5449000131805'] });
    catalog.create({ brandName: 'ŞU', productName: 'Damacana', barcodes: ['8690504050018'] });
    const names = (query: string) => catalog.list({ query }).items.map((p) => p.brandName).sort();
    expect(names('ışık')).toEqual(['IŞIK']);
    expect(names('isik')).toEqual(['IŞIK']);
    expect(names('istanbul')).toEqual(['Pınar']);
    expect(names('İstanbul süt')).toEqual(['Pınar']);
    expect(names('PINAR')).toEqual(['Pınar']);
    expect(names('şu')).toEqual(['Pınar', 'ŞU']); // under three letters: a substring of the same folded text ("süt" too)
    expect(names('ŞU damacana')).toEqual(['ŞU']);
    expect(names('%')).toEqual([]);
  });
});
