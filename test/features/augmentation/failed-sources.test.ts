import { describe, expect, it } from 'vitest';
import { augmentationFeature } from '../../../src-main/features/augmentation/public.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { makeProducts } from './catalog-fixture.js';

describe('augmentation: sources that failed before', () => {
  const fx = useEngine();

  it('records a source that cannot be decoded, skips it in the next run (saying why) and retries it only when asked', { timeout: 120_000 }, async () => {
    const [m] = await makeProducts(fx.engine, 1, { frames: 1, reals: 1 });
    const { catalog } = fx.engine.use(productsFeature);
    // A "real photo" whose bytes are not an image: every variant of it fails at decoding.
    const junk = Buffer.from('this is not a JPEG, only text that claims to be one '.repeat(40));
    const [broken] = catalog.addImages(m!.id, [
      { type: 'real', sha256: (await fx.engine.store.putBuffer(junk)).sha256, format: 'jpeg', width: 400, height: 300, bytes: junk.length, thumbSha256: null, source: { kind: 'asset', id: null } },
    ]);
    const { store } = fx.engine.use(datasetsFeature);
    const augmentation = fx.engine.use(augmentationFeature);
    const d = store.create({ name: 'Has a broken photo', from: { ids: [m!.id] } });

    const first = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 0, realTarget: 4, seed: 3 })).id);
    expect(first.state).toBe('completed');
    // ceil(4 / 2) each: the good photo makes 2, the broken one fails 2.
    expect(first.totals.real).toMatchObject({ sources: 2, produced: 2, failed: 2, final: 2 });
    const firstFailures = first.products[0]!.failures;
    expect(firstFailures.length).toBe(2);
    for (const f of firstFailures) expect(f).toMatchObject({ sourceImageId: broken, kind: 'real' });
    expect(firstFailures.some((f) => f.skipped)).toBe(false);
    const reason = firstFailures[0]!.reason;

    // Second run: the broken photo is not attempted again; the missing 2 come from the good one.
    const second = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 0, realTarget: 4, seed: 3 })).id);
    expect(second.params.retryFailed).toBe(false);
    expect(second.totals.real).toMatchObject({ sources: 1, existing: 2, produced: 2, failed: 0, final: 4 });
    expect(second.products[0]!.failures).toEqual([{ sourceImageId: broken, kind: 'real', index: null, reason: `skipped: failed before, reason: ${reason}`, skipped: true }]);

    // Raised target, still no retry: only the good photo works, the broken one is reported as skipped again.
    const third = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 0, realTarget: 6, seed: 3 })).id);
    expect(third.totals.real).toMatchObject({ produced: 2, failed: 0, final: 6 });
    expect(third.products[0]!.failures.map((f) => f.skipped)).toEqual([true]);

    // Retry failed: the broken photo is attempted (and fails again, with its reason, not as skipped).
    const retried = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 0, realTarget: 8, seed: 3, retryFailed: true })).id);
    expect(retried.params.retryFailed).toBe(true);
    expect(retried.totals.real.sources).toBe(2);
    expect(retried.totals.real.failed).toBeGreaterThan(0);
    expect(retried.products[0]!.failures.every((f) => !f.skipped && f.sourceImageId === broken)).toBe(true);

    // The record belongs to this dataset: another dataset with the same product tries the photo once itself.
    const other = store.create({ name: 'Other', from: { ids: [m!.id] } });
    const elsewhere = await augmentation.wait((await augmentation.start(other.id, { syntheticTarget: 0, realTarget: 2, seed: 3 })).id);
    expect(elsewhere.totals.real).toMatchObject({ sources: 2, produced: 1, failed: 1 });
  });

  it('a source that works again after a retry is no longer skipped', { timeout: 120_000 }, async () => {
    const [m] = await makeProducts(fx.engine, 1, { frames: 1, reals: 0 });
    const { store } = fx.engine.use(datasetsFeature);
    const augmentation = fx.engine.use(augmentationFeature);
    const d = store.create({ name: 'Recovers', from: { ids: [m!.id] } });
    // What a failed run leaves behind (the frame's cut-out was missing then, say).
    fx.engine.db
      .prepare('INSERT INTO augmentation_failed_sources (dataset_id, product_id, source_image_id, kind, reason, run_id, failed_at) VALUES (?, ?, ?, ?, ?, NULL, ?)')
      .run(d.id, m!.id, m!.frames[0], 'synthetic', 'no cut-out: the model was missing', Date.now());
    const skipped = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 2, realTarget: 0 })).id);
    expect(skipped.totals.synthetic).toMatchObject({ produced: 0, failed: 0 });
    expect(skipped.products[0]!.failures).toEqual([expect.objectContaining({ skipped: true, reason: 'skipped: failed before, reason: no cut-out: the model was missing' })]);

    const retried = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 2, realTarget: 0, retryFailed: true })).id);
    expect(retried.totals.synthetic).toMatchObject({ produced: 2, failed: 0, final: 2 });
    // Cleared: a later run plans from it like any other source.
    const later = await augmentation.wait((await augmentation.start(d.id, { syntheticTarget: 3, realTarget: 0 })).id);
    expect(later.totals.synthetic).toMatchObject({ sources: 1, produced: 1, final: 3 });
    expect(later.products[0]!.failures).toEqual([]);
  });
});
