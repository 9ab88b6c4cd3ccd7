/**
 * The closing note's run: a 10-product dataset made from ../shared/datasets/grocery-store
 * (10 classes spread over the 43; each class's catalog "iconic" image as its synthetic
 * frame, with a cut-out made by the remove-background feature; 5 train photos as its real
 * images), augmented with small targets through the real queue job, twice (the second run
 * must make nothing). Writes docs/augmentation-report-grocery10.json and
 * docs/images/augmentation-contact-sheet-grocery10.jpg (24 synthetic + 12 real outputs).
 *
 *   node --import tsx bench/augment-grocery10.ts [--syn 30] [--real 20]
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { augmentationFeature } from '../src-main/features/augmentation/public.js';
import { datasetsFeature } from '../src-main/features/datasets/public.js';
import { importFeature } from '../src-main/features/import/public.js';
import { openEngine } from '../src-main/features/index.js';
import { libraryFeature } from '../src-main/features/library/public.js';
import { productsFeature, type NewProductImage } from '../src-main/features/products/public.js';
import { removeBackgroundFeature } from '../src-main/features/remove-background/public.js';
import { datasetMissing, datasetRoot } from '../test/features/augmentation/fixtures.js';

const { values } = parseArgs({ options: { syn: { type: 'string', default: '30' }, real: { type: 'string', default: '20' } } });
const missing = datasetMissing();
if (missing) {
  console.log(`skipped: ${missing}`);
  process.exit(0);
}
const root = path.resolve('.scratch/grocery10');
await fsp.rm(root, { recursive: true, force: true });
await fsp.mkdir(root, { recursive: true });
const started = Date.now();
const engine = await openEngine({ dataDir: path.join(root, 'data') });

// 10 classes spread over the list (fruit, vegetables, packages).
const classes = fs
  .readFileSync(path.join(datasetRoot, 'classes.csv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((l) => l.split(','))
  .map(([name, id, coarse, , iconic]) => ({ name: name!, id: Number(id), coarse: coarse!, iconic: path.join(datasetRoot, iconic!) }));
const chosen = Array.from({ length: 10 }, (_, k) => classes[Math.floor((k * classes.length) / 10)]!);
const trainLines = fs
  .readFileSync(path.join(datasetRoot, 'train.txt'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split(',').map((s) => s.trim()));

// The iconic images go through the library and the remove-background feature (its default preset: a cut-out).
const iconicDir = path.join(root, 'iconic');
await fsp.mkdir(iconicDir);
for (const c of chosen) await fsp.copyFile(c.iconic, path.join(iconicDir, `${c.name}.jpg`));
const imports = engine.use(importFeature);
const imported = await imports.wait((await imports.start({ paths: [iconicDir], projectName: 'Grocery iconic' })).importId);
const library = engine.use(libraryFeature);
const assets = library.listAssets(imported.projectId!, 0, 100).items;
const removeBackground = engine.use(removeBackgroundFeature);
const { catalog } = engine.use(productsFeature);

const asImage = async (file: string, type: NewProductImage['type'], extra: Partial<NewProductImage> = {}): Promise<NewProductImage> => {
  const r = await engine.images.ingest(file);
  if (!r.ok) throw new Error(`${file}: ${r.reason}`);
  return { type, sha256: r.sha256, format: r.format, width: r.width, height: r.height, bytes: r.bytes, thumbSha256: r.thumb.sha256, source: { kind: 'file', id: null }, ...extra };
};

const productIds: string[] = [];
for (const [k, c] of chosen.entries()) {
  const asset = assets.find((a) => a.relPath === `${c.name}.jpg`);
  if (!asset) throw new Error(`the iconic image of ${c.name} was not imported`);
  const cut = await removeBackground.removeOne(asset.id);
  const barcode = `20000000${String(c.id).padStart(4, '0')}0`;
  const p = catalog.create({ barcodes: [barcode], allowInvalidCheckDigit: true, brandName: c.coarse, productName: c.name, status: 'ready' });
  const frame = await asImage(c.iconic, 'synthetic', { cutoutSha256: cut.asset.sha256, frameIndex: 0, source: { kind: 'asset', id: asset.id } });
  const photos = trainLines.filter((l) => Number(l[1]) === c.id).slice(0, 5);
  const reals = await Promise.all(photos.map((l) => asImage(path.join(datasetRoot, l[0]!), 'real', { meta: { fileName: path.basename(l[0]!) } })));
  catalog.addImages(p.id, [frame, ...reals]);
  productIds.push(p.id);
  console.log(`${k + 1}/10 ${c.name}: cut-out ${cut.asset.width}×${cut.asset.height}, ${reals.length} real photos`);
}
const { store } = engine.use(datasetsFeature);
const dataset = store.create({ name: 'Grocery 10', description: '10 grocery-store classes: iconic image as frame, 5 train photos as real', from: { ids: productIds } });
const augmentation = engine.use(augmentationFeature);
const params = { syntheticTarget: Number(values.syn), realTarget: Number(values.real), seed: 42 };
const t0 = Date.now();
const run = await augmentation.wait((await augmentation.start(dataset.id, params)).id);
const seconds = (Date.now() - t0) / 1000;
const again = await augmentation.wait((await augmentation.start(dataset.id, params)).id);
console.log(`run 1: ${run.state}, synthetic ${run.totals.synthetic.produced}, real ${run.totals.real.produced}, failed ${run.totals.synthetic.failed + run.totals.real.failed}, ${seconds.toFixed(1)} s`);
console.log(`run 2: produced ${again.totals.synthetic.produced + again.totals.real.produced} (existing ${again.totals.synthetic.existing + again.totals.real.existing})`);
await fsp.writeFile('docs/augmentation-report-grocery10.json', `${JSON.stringify({ ...run, secondRun: { produced: again.totals.synthetic.produced + again.totals.real.produced, totals: again.totals }, seconds }, null, 2)}\n`);

// Contact sheet: 24 synthetic (first rows) and 12 real variants, 6 per row at 192 px.
const images = augmentation.images(dataset.id, undefined, 0, 1000).items;
const pick = (kind: 'synthetic' | 'real', n: number) => {
  const of = images.filter((i) => i.kind === kind);
  return Array.from({ length: n }, (_, k) => of[Math.floor((k * of.length) / n)]!);
};
const tiles = [...pick('synthetic', 24), ...pick('real', 12)];
const side = 192;
const composite = await Promise.all(
  tiles.map(async (t, k) => ({ input: await sharp(catalog.imagePath(t.imageId)).resize(side, side).toBuffer(), left: (k % 6) * (side + 4), top: Math.floor(k / 6) * (side + 4) })),
);
await sharp({ create: { width: 6 * (side + 4) - 4, height: 6 * (side + 4) - 4, channels: 3, background: '#fff' } })
  .composite(composite)
  .jpeg({ quality: 85 })
  .toFile('docs/images/augmentation-contact-sheet-grocery10.jpg');
await engine.close();
console.log(`wrote docs/augmentation-report-grocery10.json and docs/images/augmentation-contact-sheet-grocery10.jpg in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(JSON.stringify({ bench: 'augment-grocery10', products: 10, produced: run.totals.synthetic.produced + run.totals.real.produced, seconds, second_run_produced: again.totals.synthetic.produced + again.totals.real.produced }));
