/** An approval counts while its product holds the photo: a deleted product (or a removed photo) no longer keeps the image from the product it really shows. */
import path from 'node:path';
import { expect, it, describe } from 'vitest';
import type { LockAnswer } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { useEngine } from '../../support/engine.js';
import { writeJpegs } from '../../helpers/images.js';

describe('matching after a product is deleted', () => {
  const fx = useEngine();
  it('an image approved for a since-deleted product can be approved for another', async () => {
    await writeJpegs(path.join(fx.dir, 'pool'), 2);
    const { projectId } = await fx.importPaths(path.join(fx.dir, 'pool'));
    const [asset] = fx.library.listAssets(projectId, 0, 10).items;
    const call = createDispatcher(fx.engine);
    const { catalog } = fx.engine.use(productsFeature);
    const p = catalog.create({ brandName: 'B', productName: 'Wrong one', status: 'needs_matching' });
    const q = catalog.create({ brandName: 'B', productName: 'Right one', status: 'needs_matching' });
    const lp = (await call('matching.lock', { productId: p.id, holder: 'w' })) as LockAnswer;
    if (lp.mode !== 'edit') throw new Error('lock');
    await call('matching.decide', { productId: p.id, token: lp.token, decision: 'approve', assets: [{ assetId: asset!.id }], decider: 'u' });
    await call('matching.releaseLock', { productId: p.id, token: lp.token });
    await call('products.delete', { selection: { ids: [p.id] } });
    const lq = (await call('matching.lock', { productId: q.id, holder: 'w' })) as LockAnswer;
    if (lq.mode !== 'edit') throw new Error('lock');
    await expect(call('matching.decide', { productId: q.id, token: lq.token, decision: 'approve', assets: [{ assetId: asset!.id }], decider: 'u' })).resolves.toMatchObject({ approved: 1 });
    // While Q holds it, a third product still may not take it without sharing.
    await call('matching.releaseLock', { productId: q.id, token: lq.token });
    const r = catalog.create({ brandName: 'B', productName: 'Third', status: 'needs_matching' });
    const lr = (await call('matching.lock', { productId: r.id, holder: 'w' })) as LockAnswer;
    if (lr.mode !== 'edit') throw new Error('lock');
    await expect(call('matching.decide', { productId: r.id, token: lr.token, decision: 'approve', assets: [{ assetId: asset!.id }], decider: 'u' })).rejects.toMatchObject({ code: 'conflict' });
  });
});
