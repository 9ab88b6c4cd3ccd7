/** A small training dataset of real grocery products for the training feature's tests (needs ../shared; check groceryMissing first). */
import type { Engine } from '../../../src-main/engine/engine.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { classPhotos, iconic } from '../embeddings/grocery-sample.js';

const CLASSES = ['Granny-Smith', 'Banana', 'Arla-Standard-Milk', 'Oatly-Oat-Milk', 'Red-Bell-Pepper'] as const;

async function addImages(engine: Engine, productId: string, type: 'real' | 'synthetic', files: readonly string[]): Promise<string[]> {
  const { catalog } = engine.use(productsFeature);
  const images = [];
  for (const [i, file] of files.entries()) {
    const r = await engine.images.ingest(file);
    if (!r.ok) throw new Error(`${file}: ${r.reason}`);
    images.push({ type, sha256: r.sha256, format: r.format, width: r.width, height: r.height, bytes: r.bytes, thumbSha256: r.thumb.sha256, source: { kind: 'file' as const, id: null }, frameIndex: type === 'synthetic' ? i : null });
  }
  return catalog.addImages(productId, images);
}

/** Five products (iconic image as synthetic, three train photos as real); the last one in valid, the rest in train. */
export async function groceryDataset(engine: Engine, opts: { validWithReference?: boolean } = {}): Promise<string> {
  const { catalog } = engine.use(productsFeature);
  const members = [];
  for (const [i, cls] of CLASSES.entries()) {
    const p = catalog.create({ brandName: 'grocery', productName: cls });
    const valid = i === CLASSES.length - 1;
    if (!valid || opts.validWithReference !== false) await addImages(engine, p.id, 'synthetic', [iconic(cls)]);
    await addImages(engine, p.id, 'real', classPhotos('train', cls, 3));
    members.push({ productId: p.id, split: valid ? ('valid' as const) : ('train' as const) });
  }
  return engine.use(datasetsFeature).store.createWithSplits({ name: 'Grocery five' }, members).id;
}

