/** An index is current when it holds its scope's items, not when the counts agree: delete one image, import another, and the new one must still be indexed. */
import path from 'node:path';
import sharp from 'sharp';
import { expect, it, describe } from 'vitest';
import { embeddingsFeature } from '../../../src-main/features/embeddings/public.js';
import { useEngine } from '../../support/engine.js';
import { sharedEmbedderCache } from './grocery-sample.js';

async function img(file: string, seed: number) {
  const w = 64, h = 64, buf = Buffer.alloc(w * h * 3);
  let s = seed;
  for (let i = 0; i < buf.length; i++) { s = (s * 1103515245 + 12345) & 0x7fffffff; buf[i] = (s >> 16) & 255; }
  await sharp(buf, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

describe('near-duplicate index staleness', () => {
  const fx = useEngine({ settings: { embeddings: { modelCacheDir: sharedEmbedderCache } } });
  it('an image imported after another was deleted gets into the project index', async () => {
    const a = path.join(fx.dir, 'a');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(a);
    for (let i = 0; i < 3; i++) await img(path.join(a, `p${i}.png`), i + 1);
    const { projectId } = await fx.importPaths(a, 'p');
    const api = fx.engine.use(embeddingsFeature);
    const first = await api.findDuplicates(projectId, {});
    expect((await fx.engine.queue.waitFor(first.jobId!)).state).toBe('completed');
    const before = fx.library.listAssets(projectId, 0, 10).items;
    fx.library.deleteAssets([before[0]!.id]);
    const b = path.join(fx.dir, 'b');
    await mkdir(b);
    await img(path.join(b, 'new.png'), 99);
    const started = await fx.imports.start({ paths: [b], projectId });
    await fx.imports.wait(started.importId);
    const newId = fx.library.listAssets(projectId, 0, 10).items.find((x) => x.fileName === 'new.png')!.id;
    const again = await api.findDuplicates(projectId, {});
    console.log('second findDuplicates', again.state, again.jobId);
    if (again.jobId) await fx.engine.queue.waitFor(again.jobId);
    const index = api.indexFor({ kind: 'project', projectId }, api.registry.list()[0]!.modelId)!;
    expect(api.registry.itemIds(index.id).has(newId)).toBe(true);
  });
});
