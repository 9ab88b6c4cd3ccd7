/**
 * Extraction over a dataset's scope: the synthetic and real images of the dataset's live
 * member products (resolved through the datasets feature when the job runs), real grocery
 * photos and the real offline embedder. A product outside the dataset stays out; removing a
 * member and extracting again drops its images from the index; a deleted dataset is refused.
 */
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { embeddingsFeature } from '../../../src-main/features/embeddings/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { addFrames } from '../matching/product-frames.js';
import { classPhotos, groceryMissing, sharedEmbedderCache } from './grocery-sample.js';

if (groceryMissing) console.warn(`dataset-scope extraction test skipped: ${groceryMissing}`);

describe.skipIf(groceryMissing)('embeddings over a dataset', () => {
  const fx = useEngine({ settings: { embeddings: { modelCacheDir: sharedEmbedderCache } } });

  it('indexes the images of the dataset’s products only, follows its membership, and names the index after it', async () => {
    const engine = fx.engine;
    const { catalog } = engine.use(productsFeature);
    const make = async (name: string, className: string) => {
      const p = catalog.create({ brandName: 'grocery', productName: name });
      return { id: p.id, images: await addFrames(engine, p.id, classPhotos('train', className, 2)) };
    };
    const apple = await make('Granny Smith', 'Granny-Smith');
    const milk = await make('Standard milk', 'Arla-Standard-Milk');
    const banana = await make('Banana', 'Banana'); // not in the dataset

    const datasets = engine.use(datasetsFeature).store;
    const d = datasets.create({ name: 'Fruit and milk', from: { ids: [apple.id, milk.id] } });
    const call = createDispatcher(engine);
    const started = (await call('embeddings.extract', { scope: { kind: 'dataset', datasetId: d.id } })) as { index: { id: string; name: string }; jobId: string };
    expect(started.index.name).toBe('Fruit and milk');
    const job = await engine.queue.waitFor(started.jobId);
    expect(job.state, job.error ?? '').toBe('completed');
    expect(engine.queue.get(started.jobId).result).toMatchObject({ total: 4, failed: 0, vectors: 4 });

    const api = engine.use(embeddingsFeature);
    const inIndex = api.registry.itemIds(started.index.id);
    expect([...inIndex].sort()).toEqual([...apple.images, ...milk.images].sort());
    for (const id of banana.images) expect(inIndex.has(id)).toBe(false);
    // The same scope again finds this index (one per dataset and model).
    expect(api.indexFor({ kind: 'dataset', datasetId: d.id }, 'atolye-mobilenet-v2-hsv')?.id).toBe(started.index.id);

    // A search from a dataset image answers within the dataset: its own product's other frame next.
    const hits = (await call('embeddings.search', { indexId: started.index.id, imageId: apple.images[0]!, k: 2 })) as { id: string }[];
    expect(hits.map((h) => h.id)).toEqual([apple.images[0], apple.images[1]]);

    // Membership is read when the job runs: milk leaves the dataset, its vectors leave the index.
    datasets.removeProducts(d.id, datasets.get(d.id).version, [milk.id]);
    const again = (await call('embeddings.extract', { scope: { kind: 'dataset', datasetId: d.id } })) as { index: { id: string }; jobId: string };
    expect(again.index.id).toBe(started.index.id);
    expect((await engine.queue.waitFor(again.jobId)).state).toBe('completed');
    expect(engine.queue.get(again.jobId).result).toMatchObject({ total: 2, embedded: 0, vectors: 2 });
    expect([...api.registry.itemIds(started.index.id)].sort()).toEqual([...apple.images].sort());

    // A deleted dataset has no images to give.
    datasets.delete(d.id);
    await expect(call('embeddings.extract', { scope: { kind: 'dataset', datasetId: d.id } })).rejects.toMatchObject({ code: 'not_found' });
  }, 60_000);
});
