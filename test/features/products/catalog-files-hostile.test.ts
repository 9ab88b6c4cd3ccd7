/**
 * Catalog files as users' tools write them, and as an attacker would: a BOM before JSON,
 * Excel's semicolon CSV (Turkish and German locales), formulas in cells, a re-import of
 * our own export, one GTIN spelled as UPC-A and as EAN-13.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvDelimiter } from '../../../src-main/features/products/catalog-files.js';
import { gtinSpellings } from '../../../src-main/features/products/gtin.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';

describe('catalog files from the wild', () => {
  const fx = useEngine();
  const api = () => fx.engine.use(productsFeature);

  it('reads JSON after a byte-order mark', async () => {
    const file = path.join(fx.dir, 'cat.json');
    await fs.writeFile(file, `\ufeff${JSON.stringify([{ barcode: '4006381333931', name: 'Pen' }])}`);
    expect(await api().importFile({ path: file })).toMatchObject({ created: 1, refused: [] });
  });

  it('reads semicolon- and tab-separated CSV (the delimiter from the header line, quotes respected)', async () => {
    expect(csvDelimiter('"a,b";c;d\n1,2;3;4')).toBe(';');
    expect(csvDelimiter('a\tb\tc')).toBe('\t');
    expect(csvDelimiter('name')).toBe(',');
    const file = path.join(fx.dir, 'cat.csv');
    await fs.writeFile(file, '\ufeffEAN;Marka;Ürün adı;Name\n4006381333931;Faber;Kalem;Pen\n5449000131805;Coca-Cola;"Zero; 330 ml";Zero\n');
    const r = await api().importFile({ path: file });
    expect(r).toMatchObject({ created: 2, refused: [] });
    expect(api().catalog.byBarcode('5449000131805')?.brandName).toBe('Coca-Cola');
  });

  it('writes formula-like cells defused in CSV, and reads them back as they were', async () => {
    const formula = '=HYPERLINK("http://evil","x")';
    api().catalog.create({ brandName: formula, productName: '@SUM(1+1)', variant: '-1+2', claims: ['vegan; gluten free', 'no sugar'], barcodes: ['4006381333931'] });
    const out = path.join(fx.dir, 'out.csv');
    await api().exportTo(out, 'csv', api().catalog.resolve(undefined));
    const csv = await fs.readFile(out, 'utf8');
    for (const cell of csv.split(/[,\n]/)) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@]/);
    // Round trip: the same product, unchanged, with its text intact.
    expect(await api().importFile({ path: out })).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect(api().catalog.byBarcode('4006381333931')).toMatchObject({ brandName: formula, productName: '@SUM(1+1)', variant: '-1+2', claims: ['vegan; gluten free', 'no sugar'] });
  });

  it('re-importing its own CSV export finds a product without a barcode by its id', async () => {
    api().catalog.create({ brandName: 'Loose', productName: 'Apples' });
    const out = path.join(fx.dir, 'out.csv');
    await api().exportTo(out, 'csv', api().catalog.resolve(undefined));
    expect(await api().importFile({ path: out })).toMatchObject({ created: 0, unchanged: 1 });
    expect(api().catalog.list({}).total).toBe(1);
  });

  it('treats UPC-A, EAN-13 and GTIN-14 spellings of one GTIN as one product', async () => {
    expect(gtinSpellings('036000291452')).toEqual(['036000291452', '0036000291452', '00036000291452']);
    expect(gtinSpellings('12345670')).toEqual(['12345670']);
    const cheerios = api().catalog.create({ productName: 'Cheerios', barcodes: ['036000291452'] });
    const file = path.join(fx.dir, 'c.csv');
    await fs.writeFile(file, 'ean,name\n0036000291452,Cheerios\n');
    expect(await api().importFile({ path: file })).toMatchObject({ created: 0, unchanged: 1, refused: [] });
    expect(api().catalog.byBarcode('00036000291452')?.id).toBe(cheerios.id);
    expect(() => api().catalog.create({ productName: 'Copy', barcodes: ['0036000291452'] })).toThrow(/same GTIN/);
  });
});
