import path from 'node:path';
import { removeBackground as peerRemoveBackground } from '@imgly/background-removal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src-main/engine/engine.js';
import { openEngine } from '../../../src-main/features/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { datasetMissing, greyOf, iou, peerAlpha, peerOutput, peerPublicPath, pickImages } from './peer.js';
import { api } from '../../support/engine.js';

const missing = datasetMissing();
if (missing) console.log(`skipped: mask agreement with @imgly/background-removal-node needs real photos: ${missing}`);

/**
 * Our pre- and post-processing around the same IS-Net must give the masks the peer
 * gives: on real product photos, mean IoU ≥ 0.98 (both masks cut at 50%). Eight photos
 * (~4 min on 2 busy cores; bench:segment compares the full 20 or 50 and reports the IoU).
 */
const PHOTOS = 8;
describe.skipIf(missing)('mask agreement with @imgly/background-removal-node', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
  });
  afterAll(async () => {
    await engine.close().catch(() => {});
    await cleanup();
  });

  it(`mean IoU ≥ 0.98 on ${PHOTOS} grocery-store photos, same model (isnet medium)`, async () => {
    const files = pickImages(PHOTOS);
    const done = await api(engine).imports.wait((await api(engine).imports.start({ paths: files, projectName: 'agreement' })).importId);
    expect(done.imported).toBe(PHOTOS);
    const assets = api(engine).library.listAssets(done.projectId, 0, 100).items;
    const byName = new Map(assets.map((a) => [a.fileName, a.id]));
    const scores: number[] = [];
    for (const file of files) {
      const ours = await api(engine).removeBackground.removeOne(byName.get(path.basename(file))!, { preset: 'mask' }, 'isnet-imgly-medium');
      const ourMask = await greyOf(engine.store.pathOf(ours.asset.sha256));
      const blob = await peerRemoveBackground(file, { model: 'medium', publicPath: peerPublicPath(), output: peerOutput });
      const peer = await peerAlpha(blob);
      expect(peer.length).toBe(ours.asset.width * ours.asset.height);
      scores.push(iou(ourMask, peer));
    }
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    console.log(`mask IoU vs @imgly/background-removal-node on ${PHOTOS} images: mean ${mean.toFixed(4)}, min ${Math.min(...scores).toFixed(4)}`);
    expect(mean).toBeGreaterThanOrEqual(0.98);
  }, 600_000);
});
