/**
 * The whole path with the real default background-removal model: `atolye videos add
 * --process` on a clip made from grocery photos (two products, each filmed from a tripod,
 * so one frame per scene and about a minute of model time), then the frames and cut-outs
 * as the product's synthetic images, the primary image and the product's status; then
 * processing again beside a damaged video: the frames are replaced, not added, and the
 * damaged one fails alone.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/main.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import type { Engine } from '../../../src-main/engine/engine.js';
import { openEngine } from '../../../src-main/features/index.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import { videosFeature } from '../../../src-main/features/videos/public.js';
import type { ProductStatus, Video, VideoAddResult, VideoProcessResult } from '../../../src-shared/contract/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { findFfmpeg, stillShotsPlan } from './clips.js';
import { encodeClip, groceryMissing, truthOf } from './make-video.js';

const found = await findFfmpeg();
const skip = groceryMissing() ?? found.skip;
if (skip) console.warn(`[videos] processing job tests skipped: ${skip}`);

describe.skipIf(!!skip)('videos.process with the default model', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let clip: string;
  let engine: Engine | null = null;
  const plan = stillShotsPlan();
  const truth = truthOf(plan);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-video-job-'));
    dataDir = path.join(dir, 'data');
    clip = path.join(dir, '5449000000996.mp4');
    await encodeClip(found.path!, plan, [{ file: clip, codec: 'h264' }]);
    await fs.writeFile(path.join(dir, 'damaged.mp4'), Buffer.concat([Buffer.from('\0\0\0\x20ftypisom'), Buffer.alloc(40_000, 7)]));
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    await cleanup?.();
  });

  it('atolye videos add --process: waits, printing the stages, and reports the frames', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--data-dir', dataDir, 'videos', 'add', clip, '--process'], { out: (l) => out.push(l), err: (l) => err.push(l), stopped: new Promise(() => {}) });
    expect(err.join('\n')).toMatch(/5449000000996\.mp4: analysing[\s\S]*5449000000996\.mp4: segmenting[\s\S]*5449000000996\.mp4: storing/);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/5449000000996\.mp4 {2}\[5449000000996\] {2}completed: 2 frames/);
  }, 600_000);

  it('stored each kept frame and its cut-out as the product’s synthetic images; the best frame is primary; the product needs matching', async () => {
    engine = await openEngine({ dataDir, workers: 1 });
    const video = engine.use(videosFeature).library.list({}).items[0]!;
    expect(video).toMatchObject({ state: 'completed', framesKept: 2, framesFlagged: 0, error: null });
    const { catalog } = engine.use(productsFeature);
    const product = catalog.get(video.productId!);
    expect(product).toMatchObject({ status: 'needs_matching', barcode: '5449000000996', counts: { synthetic: 2, real: 0, augmented: 0 } });
    const images = catalog.images(product.id, 'synthetic').items;
    // One frame from each shot (tripod: the rest are near-duplicates).
    expect(images.map((i) => truth.shots.findIndex((s) => i.frameIndex! >= s.start && i.frameIndex! < s.end))).toEqual([0, 1]);
    const scores = images.map((i) => catalog.image(i.id).meta.primaryScore as number);
    expect(product.primaryImageId).toBe(images[scores.indexOf(Math.max(...scores))]!.id);
    for (const img of images) {
      expect(img).toMatchObject({ source: { kind: 'video', id: video.id }, width: 640, height: 360, format: 'png', review: 'ok', cutoutId: expect.any(String) });
      const frame = await sharp(catalog.imagePath(img.id)).raw().toBuffer({ resolveWithObject: true });
      const cut = await sharp(catalog.imagePath(img.id, 'cutout')).raw().toBuffer({ resolveWithObject: true });
      expect([frame.info.channels, cut.info.channels, cut.info.width, cut.info.height]).toEqual([3, 4, 640, 360]);
      // The product stands in the middle of the frame; the corners are the store behind it.
      const alphaAt = (x: number, y: number) => cut.data[(y * 640 + x) * 4 + 3]!;
      expect(alphaAt(320, 190)).toBeGreaterThan(230);
      for (const [x, y] of [[5, 5], [634, 5], [5, 354], [634, 354]] as const) expect(alphaAt(x, y)).toBe(0);
      let solid = 0;
      let wrongColour = 0;
      for (let i = 0; i < 640 * 360; i++) {
        const a = cut.data[i * 4 + 3]!;
        // Nothing of the background under transparent pixels; the frame's own colour elsewhere.
        const expected = a === 0 ? [0, 0, 0] : [frame.data[i * 3]!, frame.data[i * 3 + 1]!, frame.data[i * 3 + 2]!];
        if (expected.some((v, c) => cut.data[i * 4 + c] !== v)) wrongColour++;
        if (a >= 200) solid++;
      }
      expect(wrongColour).toBe(0);
      expect(solid / (640 * 360)).toBeGreaterThan(0.05);
      // Media: the frame's thumbnail and the cut-out by its own id.
      expect(engine.media(img.id, 'thumb')?.contentType).toBe('image/webp');
      expect(engine.media(img.cutoutId!, 'original')?.contentType).toBe('image/png');
    }
  });

  it('processing again replaces the frames (not adds), beside a damaged video that fails alone', async () => {
    const e = engine!;
    const call = createDispatcher(e);
    const { catalog } = e.use(productsFeature);
    const good = e.use(videosFeature).library.list({}).items[0]!;
    const oldIds = catalog.images(good.productId!, 'synthetic').items.map((i) => i.id);
    const damaged = ((await call('videos.add', { files: [{ path: path.join(dir, 'damaged.mp4'), barcode: '4006381333931' }] })) as VideoAddResult).videos[0]!;
    const statusWhenStarted: ProductStatus[] = [];
    const unsubscribe = e.events.subscribe((ev) => {
      if (ev.type === 'job.started' && ev.payload.type === 'videos.process' && ev.payload.jobId === e.use(videosFeature).library.get(good.id).jobId) {
        statusWhenStarted.push(catalog.get(good.productId!).status);
      }
    });
    const queued = (await call('videos.process', { ids: [damaged.id, good.id] })) as VideoProcessResult;
    expect(queued).toMatchObject({ queued: 2, refused: [] });
    expect(((await call('videos.get', { id: good.id })) as Video).state).toBe('queued');
    expect(await call('videos.process', { ids: [good.id] })).toMatchObject({ queued: 0, refused: [{ code: 'already_queued' }] });
    await e.queue.waitForBatch(queued.batchId!);
    unsubscribe();

    expect(statusWhenStarted).toEqual(['processing']);
    const after = (await call('videos.get', { id: good.id })) as Video;
    expect(after).toMatchObject({ state: 'completed', framesKept: 2 });
    const images = catalog.images(good.productId!, 'synthetic').items;
    expect(images).toHaveLength(2);
    expect(images.some((i) => oldIds.includes(i.id))).toBe(false);
    const product = catalog.get(good.productId!);
    expect(product).toMatchObject({ status: 'needs_matching', counts: { synthetic: 2 } });
    expect(images.map((i) => i.id)).toContain(product.primaryImageId);

    const failed = (await call('videos.get', { id: damaged.id })) as Video;
    expect(failed).toMatchObject({ state: 'failed', errorCode: 'video_unreadable' });
    expect(failed.error).toMatch(/“damaged\.mp4”/);
    expect(catalog.get(failed.productId!)).toMatchObject({ status: 'pending', counts: { synthetic: 0 } });
    expect(await call('videos.stats', {})).toMatchObject({ completed: 1, completedToday: 1, failed: 1, processing: 0, queued: 0 });
  }, 600_000);
});
