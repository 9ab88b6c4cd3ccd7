import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { gtinCheckDigitValid, productsFeature } from '../../../src-main/features/products/public.js';
import type { Product } from '../../../src-shared/contract/index.js';
import { zipEntryNames } from '../../helpers/zip.js';
import { useEngine } from '../../support/engine.js';

const products = (fx: ReturnType<typeof useEngine>) => fx.engine.use(productsFeature);

describe('GTIN check digits', () => {
  it('accepts real EAN-13, UPC-A, EAN-8 and GTIN-14 codes and refuses a changed digit', () => {
    for (const code of ['4006381333931', '036000291452', '73513537', '10036000291459', '8690504050018']) expect(gtinCheckDigitValid(code), code).toBe(true);
    expect(gtinCheckDigitValid('4006381333932')).toBe(false);
    expect(gtinCheckDigitValid('036000291453')).toBe(false);
    expect(gtinCheckDigitValid('12345')).toBe(false);
  });
});

describe('products catalog', () => {
  const fx = useEngine();

  it('creates a product with barcodes (unique across the catalog, one primary) and refuses a wrong check digit unless kept anyway', async () => {
    const call = createDispatcher(fx.engine);
    const cola = (await call('products.create', { brandName: 'Coca-Cola', productName: 'Zero Sugar 330 ml', category: 'Drinks', barcodes: ['5449000131805', '5449000000996'] })) as Product;
    expect(cola).toMatchObject({ status: 'pending', version: 1, barcode: '5449000131805', counts: { synthetic: 0, real: 0, augmented: 0 } });
    expect(cola.barcodes).toEqual([
      { code: '5449000131805', primary: true, checkDigitValid: true },
      { code: '5449000000996', primary: false, checkDigitValid: true },
    ]);
    // Another product may not take a barcode the first owns: the error names the owner.
    await expect(call('products.create', { productName: 'Fake', barcodes: ['5449000000996'] })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/belongs to Coca-Cola Zero Sugar 330 ml \(5449000131805\)/) });
    await expect(call('products.create', { productName: 'Typo', barcodes: ['5449000131806'] })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/wrong check digit/) });
    const kept = (await call('products.create', { productName: 'Typo kept', barcodes: ['5449000131806'], allowInvalidCheckDigit: true })) as Product;
    expect(kept.barcodes[0]).toMatchObject({ checkDigitValid: false });
    // Primary barcode changes, removal promotes the next one.
    let p = (await call('products.setPrimaryBarcode', { id: cola.id, version: cola.version, code: '5449000000996' })) as Product;
    expect(p.barcode).toBe('5449000000996');
    p = (await call('products.removeBarcode', { id: p.id, version: p.version, code: '5449000000996' })) as Product;
    expect(p).toMatchObject({ barcode: '5449000131805', barcodes: [{ code: '5449000131805', primary: true }] });
    expect(await call('products.byBarcode', { code: '5449000131805' })).toMatchObject({ id: cola.id });
    expect(await call('products.byBarcode', { code: '5449000000996' })).toBeNull();
  });

  it('refuses a stale save with a clear conflict, and the fresh version saves', async () => {
    const call = createDispatcher(fx.engine);
    const p = (await call('products.create', { brandName: 'Ülker', productName: 'Çikolatalı Gofret', barcodes: ['8690504050018'] })) as Product;
    // Two windows open version 1; the first saves.
    const first = (await call('products.update', { id: p.id, version: 1, fields: { variant: 'Fındıklı' } })) as Product;
    expect(first.version).toBe(2);
    await expect(call('products.update', { id: p.id, version: 1, fields: { variant: 'Sütlü' } })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/changed elsewhere .* version 1, the library has 2. Reload/),
    });
    expect(products(fx).catalog.get(p.id).variant).toBe('Fındıklı');
    await expect(call('products.addBarcode', { id: p.id, version: 1, code: '4006381333931' })).rejects.toMatchObject({ code: 'conflict' });
    const saved = (await call('products.update', { id: p.id, version: 2, fields: { variant: 'Sütlü', claims: ['helal'], nutrition: [{ name: 'şeker', amount: 31, unit: 'g', per: '100 g' }] } })) as Product;
    expect(saved).toMatchObject({ version: 3, variant: 'Sütlü', claims: ['helal'] });
  });

  it('follows the status workflow in one transaction; forbidden moves are listed, not made', async () => {
    const { catalog } = products(fx);
    const a = catalog.create({ productName: 'A', barcodes: ['4006381333931'] });
    const b = catalog.create({ productName: 'B', status: 'ready' });
    const moved = catalog.setStatus([a.id, b.id], 'processing');
    expect(moved).toEqual({ changed: 1, refused: [{ id: b.id, from: 'ready' }] });
    expect(catalog.get(a.id).status).toBe('processing');
    expect(catalog.setStatus([b.id], 'needs_matching').changed).toBe(1); // ready can be reopened
    expect(catalog.setStatus([a.id], 'needs_matching').changed).toBe(1);
    expect(catalog.setStatus([a.id], 'ready').changed).toBe(1);
  });

  it('searches by barcode prefix and by words of the name, filters by status and category, sorts and pages', async () => {
    const { catalog } = products(fx);
    catalog.create({ brandName: 'Coca-Cola', productName: 'Zero Sugar', category: 'Drinks', barcodes: ['5449000131805'] });
    catalog.create({ brandName: 'Pepsi', productName: 'Max Cherry', category: 'Drinks', barcodes: ['4060800100252'], status: 'ready' });
    catalog.create({ brandName: 'Arla', productName: 'Ekologisk Mellanmjölk', category: 'Dairy', barcodes: ['7310865004703'] });
    const names = (r: { items: Product[] }) => r.items.map((p) => p.productName);
    expect(names(catalog.list({ query: '5449' }))).toEqual(['Zero Sugar']);
    expect(names(catalog.list({ query: 'cola' }))).toEqual(['Zero Sugar']);
    expect(names(catalog.list({ query: 'mjölk' }))).toEqual(['Ekologisk Mellanmjölk']);
    expect(names(catalog.list({ query: 'max ch' }))).toEqual(['Max Cherry']); // a short word narrows by LIKE
    expect(names(catalog.list({ query: '"; DROP TABLE products; --' }))).toEqual([]); // user text never reaches FTS syntax
    expect(names(catalog.list({ status: ['ready'] }))).toEqual(['Max Cherry']);
    expect(names(catalog.list({ category: ['Drinks'], sort: 'brand', order: 'desc' }))).toEqual(['Max Cherry', 'Zero Sugar']);
    expect(catalog.list({ limit: 1, offset: 1 })).toMatchObject({ total: 3, items: [{ productName: 'Max Cherry' }] });
    expect(catalog.categories()).toEqual([
      { category: 'Dairy', count: 1 },
      { category: 'Drinks', count: 2 },
    ]);
    // A selection of "everything in this view but one" resolves against the filter.
    const drinks = catalog.resolve({ filter: { category: ['Drinks'] }, except: [catalog.byBarcode('4060800100252')!.id] });
    expect(catalog.many(drinks).map((p) => p.productName)).toEqual(['Zero Sugar']);
  });

  it('deletes with an undo token: barcodes are released meanwhile, and a restore that would steal one is refused', async () => {
    const { catalog } = products(fx);
    const a = catalog.create({ productName: 'A', barcodes: ['4006381333931'] });
    const b = catalog.create({ productName: 'B', barcodes: ['5449000131805'] });
    const { deleted, undoToken } = catalog.delete([a.id, b.id]);
    expect(deleted).toBe(2);
    expect(catalog.list({}).total).toBe(0);
    expect(catalog.list({ query: '4006' }).total).toBe(0);
    // Meanwhile someone creates a product with B's barcode.
    catalog.create({ productName: 'B again', barcodes: ['5449000131805'] });
    const undone = catalog.restore(undoToken!);
    expect(undone.restored).toBe(1);
    expect(undone.refused).toEqual([{ id: b.id, reason: expect.stringMatching(/barcode 5449000131805 now belongs to B again/) }]);
    expect(catalog.get(a.id).barcode).toBe('4006381333931');
    expect(catalog.list({ query: '4006' }).total).toBe(1);
    // The refused one stays restorable once its barcode is free again; the restored one is not deleted twice.
    expect(catalog.restore(undoToken!)).toMatchObject({ restored: 0, refused: [{ id: b.id }] });
    expect(() => catalog.restore('01a20440-70c8-700c-b808-9b2ffb93c121')).toThrow(/nothing to undo/);
  });

  it('imports a CSV catalog (Excel BOM, quoted commas, Turkish letters): known barcodes update, bad rows are refused with reasons, a second import changes nothing', async () => {
    const api = products(fx);
    const file = path.join(fx.dir, 'katalog.csv');
    await fs.writeFile(
      file,
      '\ufeffEAN;Marka;Ürün Adı\n'.replace(/;/g, ',') +
        [
          '8690504050018,Ülker,"Gofret, fındıklı"',
          '5449000131805,Coca-Cola,Zero',
          '5449000131806,Broken,Wrong check digit',
          'abc,Nope,Not digits',
          '4006381333931;5449000131805,Coca-Cola,Zero',
        ].join('\n'),
    );
    // "Marka" and "Ürün Adı" are not known names: map them.
    const report = await api.importFile({ path: file, mapping: { Marka: 'brandName', 'Ürün Adı': 'productName' } });
    expect(report).toMatchObject({ rows: 5, created: 2, updated: 1, unchanged: 0 });
    expect(report.mapping).toEqual({ EAN: 'barcodes', Marka: 'brandName', 'Ürün Adı': 'productName' });
    expect(report.refused.map((r) => [r.row, r.reason])).toEqual([
      [3, expect.stringMatching(/wrong check digit/)],
      [4, expect.stringMatching(/barcode "abc": a barcode is 6 to 14 digits/)],
    ]);
    // Row 5 names Coca-Cola's barcode and a free one: it updates Coca-Cola, adding the free barcode.
    expect(api.catalog.byBarcode('4006381333931')).toMatchObject({ productName: 'Zero', barcode: '5449000131805' });
    expect(api.catalog.byBarcode('8690504050018')).toMatchObject({ brandName: 'Ülker', productName: 'Gofret, fındıklı' });
    const again = await api.importFile({ path: file, mapping: { Marka: 'brandName', 'Ürün Adı': 'productName' } });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  });

  it('exports a CSV with a BOM and the fixed column order, JSON with every field, and a ZIP with metadata.json per barcode', async () => {
    const api = products(fx);
    const p = api.catalog.create({ brandName: 'Arla', productName: 'Mellanmjölk, 1 l', category: 'Dairy', barcodes: ['7310865004703'], claims: ['ekologisk'] });
    api.catalog.create({ brandName: 'Pepsi', productName: 'Max', barcodes: ['4060800100252'] });
    const csvFile = path.join(fx.dir, 'out.csv');
    await api.exportTo(csvFile, 'csv', api.catalog.resolve(undefined));
    const csv = await fs.readFile(csvFile, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(csv, { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!).slice(0, 8)).toEqual(['id', 'barcode', 'brand_name', 'product_name', 'category', 'status', 'frame_count', 'created_at']);
    expect(rows.find((r) => r.barcode === '7310865004703')).toMatchObject({ product_name: 'Mellanmjölk, 1 l', claims: 'ekologisk', frame_count: '0' });
    // The CSV reads back into the same catalog as "unchanged".
    expect(await api.importFile({ path: csvFile })).toMatchObject({ created: 0, unchanged: 2, refused: [] });

    const jsonFile = path.join(fx.dir, 'out.json');
    await api.exportTo(jsonFile, 'json', [p.id]);
    expect(JSON.parse(await fs.readFile(jsonFile, 'utf8'))).toEqual([api.catalog.get(p.id)]);

    const zipFile = path.join(fx.dir, 'out.zip');
    await api.exportTo(zipFile, 'zip', api.catalog.resolve(undefined));
    const entries = zipEntryNames(await fs.readFile(zipFile));
    expect(entries.sort()).toEqual(['4060800100252/metadata.json', '7310865004703/metadata.json']);
  });
});
