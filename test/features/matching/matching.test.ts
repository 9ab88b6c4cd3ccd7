/**
 * Matching end to end with the real offline embedder on real grocery photos: a shelf
 * project as the pool, two products whose frames are their catalog image and two train
 * photos; candidates ranked by similarity (threshold, pages), approvals becoming the
 * product's real images and leaving the pool for the other product unless shared,
 * rejections never offered again, undo of both, decisions with time and decider, the
 * product ready at the end. Then two windows contending for a review lock.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CandidatesAnswer, DecisionRecord, LockAnswer, MatchLock, Product } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { classPhotos, copyInto, groceryMissing, iconic, sharedEmbedderCache } from '../embeddings/grocery-sample.js';
import { addFrames } from './product-frames.js';

if (groceryMissing) console.warn(`matching tests on grocery photos skipped: ${groceryMissing}`);

let clock = Date.UTC(2026, 10, 30, 12);

describe.skipIf(groceryMissing)('matching on grocery photos', () => {
  const fx = useEngine({ settings: { embeddings: { modelCacheDir: sharedEmbedderCache }, matching: { now: () => clock } } });

  it('ranks a shelf project for a product, and approvals, rejections, sharing and undo behave', async () => {
    const shelf = path.join(fx.dir, 'shelf');
    await copyInto(shelf, classPhotos('val', 'Granny-Smith', 5), 'granny-');
    await copyInto(shelf, classPhotos('val', 'Arla-Standard-Milk', 5), 'milk-');
    await copyInto(shelf, classPhotos('val', 'Banana', 4), 'banana-');
    const { projectId } = await fx.importPaths(shelf, 'shelf');
    const assets = fx.library.listAssets(projectId, 0, 100).items;
    const nameOf = new Map(assets.map((a) => [a.id, a.fileName]));
    const kind = (id: string) => nameOf.get(id)!.split('-')[0];

    const call = createDispatcher(fx.engine);
    const { catalog } = fx.engine.use(productsFeature);
    const granny = catalog.create({ brandName: 'Fruit', productName: 'Granny Smith', barcodes: ['4011200296908'], status: 'needs_matching' });
    const milk = catalog.create({ brandName: 'Arla', productName: 'Standard Milk', status: 'needs_matching' });
    await addFrames(fx.engine, granny.id, [iconic('Granny-Smith'), ...classPhotos('train', 'Granny-Smith', 2)]);
    await addFrames(fx.engine, milk.id, [iconic('Arla-Standard-Milk'), ...classPhotos('train', 'Arla-Standard-Milk', 2)]);

    const a = (await call('matching.lock', { productId: granny.id, holder: 'window A' })) as LockAnswer;
    expect(a.mode).toBe('edit');
    const tokenA = a.mode === 'edit' ? a.token : '';
    const pool = { kind: 'project', projectId } as const;

    // No index yet: extraction starts, then the ranking is there.
    const first = (await call('matching.candidates', { productId: granny.id, pool })) as CandidatesAnswer;
    expect(first.state).toBe('indexing');
    expect((await fx.engine.queue.waitFor(first.jobId!)).state).toBe('completed');
    const all = (await call('matching.candidates', { productId: granny.id, pool, threshold: 0 })) as CandidatesAnswer;
    expect(all).toMatchObject({ state: 'ready', total: 14, frames: 3, framesFailed: 0 });
    for (let i = 1; i < all.items.length; i++) expect(all.items[i]!.score).toBeLessThanOrEqual(all.items[i - 1]!.score);
    // The product's own photos come first (measured: four of its five at 0.69–0.74, everything else below 0.50).
    expect(all.items.slice(0, 4).map((c) => kind(c.assetId))).toEqual(['granny', 'granny', 'granny', 'granny']);

    const ranked = (await call('matching.candidates', { productId: granny.id, pool })) as CandidatesAnswer;
    expect(ranked.items.every((c) => c.score >= 0.7)).toBe(true);
    expect(ranked.total).toBe(all.items.filter((c) => c.score >= 0.7).length);
    const page = (await call('matching.candidates', { productId: granny.id, pool, threshold: 0, offset: 5, limit: 5 })) as CandidatesAnswer;
    expect(page.items.map((c) => c.assetId)).toEqual(all.items.slice(5, 10).map((c) => c.assetId));
    // None above the threshold: the answer still says how high the best candidate scores (the page offers to lower it).
    const none = (await call('matching.candidates', { productId: granny.id, pool, threshold: 0.999 })) as CandidatesAnswer;
    expect(none.total).toBe(0);
    expect(none.best).toBeCloseTo(all.items[0]!.score, 6);
    expect(all.best).toBe(all.items[0]!.score);
    // …also with the frame-maximum score, whose scores are exact under the threshold too.
    const byMax = (await call('matching.candidates', { productId: granny.id, pool, threshold: 0, combine: 'max' })) as CandidatesAnswer;
    expect(((await call('matching.candidates', { productId: granny.id, pool, threshold: 0.999, combine: 'max' })) as CandidatesAnswer).best).toBeCloseTo(byMax.items[0]!.score, 6);

    // Approve the two best, reject the worst.
    const best = all.items.slice(0, 2);
    const worst = all.items.at(-1)!;
    expect(await call('matching.decide', { productId: granny.id, token: tokenA, decision: 'approve', assets: best.map((c) => ({ assetId: c.assetId, score: c.score })), decider: 'ayse' })).toMatchObject({ decided: 2, approved: 2 });
    clock += 1000;
    await call('matching.decide', { productId: granny.id, token: tokenA, decision: 'reject', assets: [{ assetId: worst.assetId }], decider: 'ayse' });
    const real = catalog.images(granny.id, 'real');
    expect(real.items.map((i) => i.source)).toEqual(expect.arrayContaining(best.map((c) => ({ kind: 'asset', id: c.assetId }))));
    expect(catalog.get(granny.id).counts.real).toBe(2);
    const after = (await call('matching.candidates', { productId: granny.id, pool, threshold: 0 })) as CandidatesAnswer;
    const offered = new Set(after.items.map((c) => c.assetId));
    expect(after.total).toBe(11);
    for (const c of [...best, worst]) expect(offered.has(c.assetId)).toBe(false);

    // The other product is not offered the approved photos, unless sharing is allowed; nor may it approve them.
    const b = (await call('matching.lock', { productId: milk.id, holder: 'window B' })) as LockAnswer;
    const tokenB = b.mode === 'edit' ? b.token : '';
    const forMilk = (await call('matching.candidates', { productId: milk.id, pool, threshold: 0 })) as CandidatesAnswer;
    expect(forMilk.total).toBe(12);
    expect(forMilk.items.slice(0, 3).map((c) => kind(c.assetId))).toEqual(['milk', 'milk', 'milk']);
    const shared = (await call('matching.candidates', { productId: milk.id, pool, threshold: 0, allowShared: true })) as CandidatesAnswer;
    expect(shared.total).toBe(14);
    await expect(call('matching.decide', { productId: milk.id, token: tokenB, decision: 'approve', assets: [{ assetId: best[0]!.assetId }], decider: 'can' })).rejects.toThrow(/already approved for another product/);

    // Undo the rejection (it is offered again), then the approvals (images gone, back in the pool for milk).
    expect(await call('matching.undo', { productId: granny.id, token: tokenA })).toMatchObject({ undone: 1 });
    expect(((await call('matching.candidates', { productId: granny.id, pool, threshold: 0 })) as CandidatesAnswer).total).toBe(12);
    expect(await call('matching.undo', { productId: granny.id, token: tokenA })).toMatchObject({ undone: 2 });
    expect(catalog.get(granny.id).counts.real).toBe(0);
    expect(((await call('matching.candidates', { productId: milk.id, pool, threshold: 0 })) as CandidatesAnswer).total).toBe(14);
    const decisions = (await call('matching.decisions', { productId: granny.id })) as DecisionRecord[];
    expect(decisions).toHaveLength(3);
    expect(decisions[0]).toMatchObject({ decision: 'reject', decider: 'ayse', assetId: worst.assetId, decidedAt: clock });
    expect(decisions.every((d) => d.undoneAt !== null)).toBe(true);

    // Approve again and finish: the product is ready and its lock free.
    await call('matching.decide', { productId: granny.id, token: tokenA, decision: 'approve', assets: [{ assetId: best[0]!.assetId, score: best[0]!.score }], decider: 'ayse' });
    const queue = (await call('matching.queue', {})) as { items: { productId: string; approved: number; lock: MatchLock | null }[] };
    expect(queue.items.find((i) => i.productId === granny.id)).toMatchObject({ approved: 1, lock: { holder: 'window A' } });
    expect(await call('matching.finish', { productId: granny.id, token: tokenA })).toEqual({ status: 'ready' });
    expect(((await call('products.get', { id: granny.id })) as Product).status).toBe('ready');
    expect(((await call('matching.queue', {})) as { items: unknown[] }).items).toHaveLength(1);
  }, 240_000);

  it('two windows contend for a review lock', async () => {
    const call = createDispatcher(fx.engine);
    const { catalog } = fx.engine.use(productsFeature);
    const p = catalog.create({ brandName: 'B', productName: 'Contended', status: 'needs_matching' });
    const q = catalog.create({ brandName: 'B', productName: 'Other', status: 'needs_matching' });
    const a = (await call('matching.lock', { productId: p.id, holder: 'window A' })) as LockAnswer;
    if (a.mode !== 'edit') throw new Error('the first window must get the lock');
    const b = (await call('matching.lock', { productId: p.id, holder: 'window B' })) as LockAnswer;
    expect(b).toEqual({ mode: 'readOnly', lock: { productId: p.id, holder: 'window A', acquiredAt: clock, expiresAt: clock + 5 * 60_000 } });
    // Read-only means no decisions: without the token, or with a guessed one.
    await expect(call('matching.decide', { productId: p.id, token: '01234567-89ab-7def-8123-456789abcdef', decision: 'skip', decider: 'b' })).rejects.toThrow(/window A holds it/);
    await expect(call('matching.refreshLock', { productId: p.id, token: '01234567-89ab-7def-8123-456789abcdef' })).rejects.toThrow(/not held/);
    // "Next unreviewed" passes over the locked product.
    expect(await call('matching.next', {})).toMatchObject({ productId: q.id });

    // A refreshes every minute: the lease moves on, B stays read-only.
    clock += 60_000;
    expect(((await call('matching.refreshLock', { productId: p.id, token: a.token })) as MatchLock).expiresAt).toBe(clock + 5 * 60_000);
    clock += 4 * 60_000;
    expect(((await call('matching.lock', { productId: p.id, holder: 'window B' })) as LockAnswer).mode).toBe('readOnly');
    // A's window died without releasing: after the lease B takes over and A is refused.
    clock += 60_001;
    const b2 = (await call('matching.lock', { productId: p.id, holder: 'window B' })) as LockAnswer;
    expect(b2.mode).toBe('edit');
    await expect(call('matching.decide', { productId: p.id, token: a.token, decision: 'skip', decider: 'a' })).rejects.toThrow(/window B holds it/);
    expect(await call('matching.releaseLock', { productId: p.id, token: a.token })).toEqual({ released: false });
    if (b2.mode !== 'edit') return;
    expect(await call('matching.decide', { productId: p.id, token: b2.token, decision: 'skip', decider: 'b' })).toMatchObject({ decided: 1 });
    expect(await call('matching.releaseLock', { productId: p.id, token: b2.token })).toEqual({ released: true });
    expect(((await call('matching.lock', { productId: p.id, holder: 'window A' })) as LockAnswer).mode).toBe('edit');
  });

  it('a window takes a live lock over at the user\'s word: the old holder is refused from then on', async () => {
    const call = createDispatcher(fx.engine);
    const p = fx.engine.use(productsFeature).catalog.create({ brandName: 'B', productName: 'Taken over', status: 'needs_matching' });
    const a = (await call('matching.lock', { productId: p.id, holder: 'window A' })) as LockAnswer;
    if (a.mode !== 'edit') throw new Error('the first window must get the lock');
    expect(((await call('matching.lock', { productId: p.id, holder: 'window B' })) as LockAnswer).mode).toBe('readOnly');
    const b = (await call('matching.lock', { productId: p.id, holder: 'window B', takeOver: true })) as LockAnswer;
    expect(b).toMatchObject({ mode: 'edit', lock: { holder: 'window B' } });
    await expect(call('matching.refreshLock', { productId: p.id, token: a.token })).rejects.toThrow(/window B holds it/);
    await expect(call('matching.decide', { productId: p.id, token: a.token, decision: 'skip', decider: 'a' })).rejects.toThrow(/window B holds it/);
    if (b.mode === 'edit') expect(await call('matching.decide', { productId: p.id, token: b.token, decision: 'skip', decider: 'b' })).toMatchObject({ decided: 1 });
  });
});
