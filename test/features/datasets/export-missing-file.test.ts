import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { makeProducts } from '../augmentation/catalog-fixture.js';

/**
 * A library that lost one image's file (disk repair, a user deleting into the data dir):
 * an export must stop with the image's name, leave no half export behind, and never
 * throw where nobody listens (yazl reports an unreadable file on its ZipFile: unlistened,
 * that took the engine down).
 */
describe('dataset export when a stored file is missing', () => {
  const fx = useEngine();

  async function datasetWithLostPhoto() {
    const made = await makeProducts(fx.engine, 2, { frames: 1, reals: 1 });
    const { store } = fx.engine.use(datasetsFeature);
    const { catalog } = fx.engine.use(productsFeature);
    const d = store.create({ name: 'Lost one', from: { ids: made.map((m) => m.id) } });
    await fs.rm(catalog.imagePath(made[1]!.reals[0]!));
    return d;
  }

  async function withoutUncaught<T>(run: () => Promise<T>): Promise<{ result: T | Error; uncaught: unknown[] }> {
    const uncaught: unknown[] = [];
    const listener = (e: unknown) => uncaught.push(e);
    process.prependListener('uncaughtException', listener);
    try {
      const result = await run().catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 50));
      return { result, uncaught };
    } finally {
      process.removeListener('uncaughtException', listener);
    }
  }

  it('a ZIP export rejects naming the image, with no uncaught error and no file left', async () => {
    const d = await datasetWithLostPhoto();
    const dest = path.join(fx.dir, 'out', 'lost.zip');
    const { result, uncaught } = await withoutUncaught(() => fx.engine.use(datasetsFeature).files.exportTo(d.id, dest, 'zip'));
    expect(uncaught).toEqual([]);
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/real_0000\.jpg.*missing from the library/);
    expect(await fs.readdir(path.dirname(dest))).toEqual([]);
  });

  it('a folder export rejects the same way and removes what it had written', async () => {
    const d = await datasetWithLostPhoto();
    const dest = path.join(fx.dir, 'folder-out');
    const { result, uncaught } = await withoutUncaught(() => fx.engine.use(datasetsFeature).files.exportTo(d.id, dest, 'folder'));
    expect(uncaught).toEqual([]);
    expect((result as Error).message).toMatch(/missing from the library/);
    await expect(fs.stat(dest)).rejects.toThrow(/ENOENT/);
  });

  it('the download stream ends in an error instead of a truncated ZIP', async () => {
    const d = await datasetWithLostPhoto();
    const { result, uncaught } = await withoutUncaught(async () => {
      const { stream } = fx.engine.use(datasetsFeature).files.zipStream(d.id);
      for await (const _ of stream) {
        // drain
      }
      return 'ended';
    });
    expect(uncaught).toEqual([]);
    expect((result as Error).message).toMatch(/missing from the library/);
  });
});
