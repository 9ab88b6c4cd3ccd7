import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { augmentationFeature } from '../../../src-main/features/augmentation/public.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { openEngine } from '../../../src-main/features/index.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { makeProducts } from '../augmentation/catalog-fixture.js';

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, base)));
    else out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out.sort();
}

describe('dataset export and import', () => {
  const fx = useEngine();

  it('writes the external trainers’ layout and reads it back into a new dataset with the same products, splits and origins', { timeout: 90_000 }, async () => {
    const made = await makeProducts(fx.engine, 3, { frames: 2, reals: 1 });
    const { store, files } = fx.engine.use(datasetsFeature);
    const augmentation = fx.engine.use(augmentationFeature);
    const d = store.create({ name: 'Export me', description: 'three products', from: { ids: made.map((m) => m.id) }, splitRatios: { train: 0.34, valid: 0.33, test: 0.33 } });
    await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 3, realTarget: 2, seed: 5 })).id);

    const out = path.join(fx.dir, 'export');
    const written = await files.exportTo(d.id, out, 'folder');
    const listed = await walk(out);
    expect(written.files).toBe(listed.length);
    const splitOf = new Map(store.products(d.id).map((p) => [p.barcode, p.split]));
    expect([...splitOf.values()].sort()).toEqual(['test', 'train', 'valid']);
    for (const m of made) {
      const dir = `${splitOf.get(m.barcode)}/${m.barcode}/`;
      const mine = listed.filter((f) => f.startsWith(dir)).map((f) => f.slice(dir.length));
      expect(mine).toEqual([
        'frame_0000.png',
        'frame_0001.png',
        'real/real_0000.jpg',
        'real/real_0000_aug_000.jpg',
        'real/real_0000_aug_001.jpg',
        'syn_frame_0000_000.jpg',
        'syn_frame_0000_001.jpg',
        'syn_frame_0001_000.jpg',
      ]);
    }
    expect(listed).toContain('dataset.json');
    expect(listed).toContain('augmentation_report.json');
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'dataset.json'), 'utf8')) as { name: string; products: { folder: string; split: string; files: { path: string; origin?: { source: string; index: number } }[] }[] };
    expect(manifest.name).toBe('Export me');
    const syn = manifest.products[0]!.files.find((f) => f.path === 'syn_frame_0001_000.jpg')!;
    expect(syn.origin).toMatchObject({ source: 'frame_0001.png', index: 0 });
    const report = JSON.parse(await fs.readFile(path.join(out, 'augmentation_report.json'), 'utf8')) as { totals: { synthetic: { final: number } } };
    expect(report.totals.synthetic.final).toBe(9);
    await expect(files.exportTo(d.id, out, 'folder')).rejects.toThrow(/not empty/);

    // The ZIP stream has the same entries (names are stored in the clear in a ZIP's headers).
    const zipPath = path.join(fx.dir, 'export.zip');
    const zipped = await files.exportTo(d.id, zipPath, 'zip');
    const zip = await fs.readFile(zipPath);
    expect(zipped.files).toBe(listed.length);
    for (const f of listed) expect(zip.includes(Buffer.from(f))).toBe(true);

    // Back in: the products are found by barcode, the dataset is new, splits and origins come along.
    const back = await files.importFolder(out, 'Imported');
    expect(back).toMatchObject({ productsCreated: 0, productsFound: 3, images: { synthetic: 0, real: 0, augmented: 15 }, alreadyHeld: 9, refused: [] });
    expect(new Map(store.products(back.dataset.id).map((p) => [p.barcode, p.split]))).toEqual(splitOf);
    // What came back counts as existing for the new dataset: a run with the same targets makes nothing.
    const again = await augmentation.wait((await augmentation.start(back.dataset.id, { syntheticTarget: 3, realTarget: 2 })).id);
    expect(again.totals.synthetic).toMatchObject({ existing: 9, produced: 0 });
    expect(again.totals.real).toMatchObject({ existing: 6, produced: 0 });

    // Into an empty library: the products are created, named from dataset.json.
    const other = await openEngine({ dataDir: path.join(fx.dir, 'other'), workers: 1 });
    try {
      const fresh = await other.use(datasetsFeature).files.importFolder(out);
      expect(fresh).toMatchObject({ productsCreated: 3, productsFound: 0, dataset: { name: 'Export me', productCount: 3 } });
      const p = other.use(productsFeature).catalog.byBarcode(made[1]!.barcode)!;
      expect(p).toMatchObject({ brandName: 'Test', productName: 'Product 1', counts: { synthetic: 2, real: 1, augmented: 5 } });
    } finally {
      await other.close();
    }
  });
});
