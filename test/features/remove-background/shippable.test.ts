/**
 * Cut-outs a catalog team can ship, on real grocery-store photos through the engine's
 * queue: nothing hidden under transparent pixels, solid subjects with a soft edge only,
 * doubtful results (piles of produce where the model finds nothing) flagged for review
 * and never counted as done, the square canvas at the subject's own size, and the model's
 * mask cached so another preset or a preview never runs the model again.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, RemoveBackgroundItem } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import type { Engine } from '../../../src-main/engine/engine.js';
import { openEngine } from '../../../src-main/features/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { api } from '../../support/engine.js';
import { datasetMissing, datasetRoot } from './real-masks.js';

const missing = datasetMissing();
if (missing) console.log(`skipped: shippable cut-outs are tested on real photos: ${missing}`);

/** Labelled by eye in quality-labels.json: a clean single subject, and two piles where the model finds nothing. */
const CLEAN = ['train/Fruit/Apple/Golden-Delicious/Golden-Delicious_001.jpg', 'train/Packages/Milk/Arla-Standard-Milk/Arla-Standard-Milk_019.jpg'];
const EMPTY = ['train/Fruit/Apple/Royal-Gala/Royal-Gala_008.jpg', 'train/Fruit/Apple/Pink-Lady/Pink-Lady_029.jpg'];

async function rgbaOf(file: string) {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe.skipIf(missing)('shippable cut-outs on real photos', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let projectId: string;
  const id: Record<string, string> = {};
  const events: EngineEvent[] = [];
  const call = () => createDispatcher(engine);
  const modelRuns = async () => (await engine.inference.status()).sessions.reduce((n, s) => n + s.runs, 0);
  const filtered = async (filter: 'needs_review' | 'has_result' | 'failed' | 'no_result') =>
    ((await call()('assets.list', { projectId, filter })) as { items: { fileName: string }[] }).items.map((a) => a.fileName).sort();

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    const folder = path.join(dir, 'photos');
    await fs.mkdir(folder);
    for (const rel of [...CLEAN, ...EMPTY]) await fs.copyFile(path.join(datasetRoot, rel), path.join(folder, path.basename(rel)));
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
    engine.events.subscribe((e) => events.push(e));
    const done = await api(engine).imports.wait((await api(engine).imports.start({ paths: [folder] })).importId);
    expect(done.imported).toBe(4);
    projectId = done.projectId;
    for (const a of api(engine).library.listAssets(projectId, 0, 10).items) id[a.fileName] = a.id;
  }, 120_000);
  afterAll(async () => {
    await engine?.close().catch(() => {});
    await cleanup?.();
  });

  it('a transparent pixel hides nothing: strip the alpha of a cut-out and the supermarket is gone; subjects are solid, edges soft', async () => {
    const service = api(engine).removeBackground;
    const run = await service.wait((await service.start({ projectId, assetIds: CLEAN.map((r) => id[path.basename(r)]!), options: { preset: 'cutout' } })).runId);
    expect(run).toMatchObject({ state: 'done', total: 2, done: 2, needsReview: 0, failed: 0 });
    for (const rel of CLEAN) {
      const [result] = service.results(projectId, [id[path.basename(rel)]!]);
      expect(result!.review).toEqual({ verdict: 'ok', reasons: [], accepted: false });
      const cut = await rgbaOf(engine.store.pathOf(result!.asset.sha256));
      const photo = await rgbaOf(path.join(datasetRoot, rel));
      expect([cut.width, cut.height]).toEqual([photo.width, photo.height]);
      const n = cut.width * cut.height;
      let clear = 0;
      let solid = 0;
      let soft = 0;
      let leaked = 0;
      let photoBrightness = 0;
      for (let i = 0; i < n; i++) {
        const a = cut.data[i * 4 + 3]!;
        if (a === 0) {
          clear++;
          // What a viewer shows once the alpha is stripped: must be nothing, not the shelf behind.
          if (cut.data[i * 4] || cut.data[i * 4 + 1] || cut.data[i * 4 + 2]) leaked++;
          photoBrightness += (photo.data[i * 4]! + photo.data[i * 4 + 1]! + photo.data[i * 4 + 2]!) / 3;
        } else if (a === 255) solid++;
        else soft++;
      }
      expect(leaked).toBe(0);
      expect(clear / n).toBeGreaterThan(0.3); // there was background, and it was bright in the photo
      expect(photoBrightness / clear).toBeGreaterThan(60);
      // Solid inside, soft only along the edge: a thin band, not a see-through subject.
      expect(solid / n).toBeGreaterThan(0.1);
      expect(soft / (solid + soft)).toBeLessThan(0.15);
      const stripped = await sharp(engine.store.pathOf(result!.asset.sha256)).removeAlpha().raw().toBuffer();
      let sameAsPhoto = 0;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(stripped[i * 3]! - photo.data[i * 4]!) + Math.abs(stripped[i * 3 + 1]! - photo.data[i * 4 + 1]!) + Math.abs(stripped[i * 3 + 2]! - photo.data[i * 4 + 2]!);
        if (d < 24) sameAsPhoto++;
      }
      // Only the subject (and its edge) is left of the photo once the alpha is gone.
      expect(sameAsPhoto / n).toBeLessThan((solid + soft) / n + 0.02);
    }
  }, 300_000);

  it('refine off keeps the model mask byte for byte; a second preset reuses the cached mask without running the model', async () => {
    const service = api(engine).removeBackground;
    const apple = id[path.basename(CLEAN[0]!)]!;
    const runsBefore = await modelRuns();
    const raw = await service.removeOne(apple, { preset: 'mask', refine: false });
    const refined = await service.removeOne(apple, { preset: 'mask' });
    expect(await modelRuns()).toBe(runsBefore);
    const cachedMask = engine.db.prepare('SELECT mask_sha256, width, height FROM remove_background_masks').all() as { mask_sha256: string; width: number; height: number }[];
    expect(cachedMask).toHaveLength(2);
    const source = api(engine).library.getAsset(apple);
    const row = engine.db.prepare('SELECT mask_sha256 FROM remove_background_masks WHERE source_digest = ?').pluck().get(source.sha256) as string;
    const model = (await sharp(engine.store.pathOf(row)).extractChannel(0).raw().toBuffer({ resolveWithObject: true })).data;
    const off = (await sharp(engine.store.pathOf(raw.asset.sha256)).extractChannel(0).raw().toBuffer({ resolveWithObject: true })).data;
    const on = (await sharp(engine.store.pathOf(refined.asset.sha256)).extractChannel(0).raw().toBuffer({ resolveWithObject: true })).data;
    expect(off.length).toBe(source.width * source.height);
    expect(Buffer.compare(off, model)).toBe(0);
    // The model's mask is soft well away from the edge; the refined one is solid inside, soft only at the edge.
    const softOf = (m: Buffer) => m.filter((v) => v > 0 && v < 255).length;
    expect(softOf(off)).toBeGreaterThan(2 * softOf(on));
    expect(on.filter((v) => v === 255).length).toBeGreaterThan(on.length * 0.1);
    expect(on.filter((v) => v === 0).length).toBeGreaterThan(on.length * 0.3);
  }, 120_000);

  it('an empty result is never done: piles where the model finds nothing need review, a blank white JPEG and a bare square canvas with no shadow', async () => {
    const service = api(engine).removeBackground;
    const empties = EMPTY.map((r) => id[path.basename(r)]!);
    for (const preset of ['white', 'square'] as const) {
      events.length = 0;
      const run = await service.wait((await service.start({ projectId, assetIds: empties, options: { preset } })).runId);
      expect(run).toMatchObject({ state: 'done', total: 2, done: 0, reused: 0, needsReview: 2, failed: 0 });
      const items = events.filter((e) => e.type === 'remove-background.item').map((e) => e.payload as RemoveBackgroundItem);
      expect(items).toHaveLength(2);
      for (const item of items) expect(item).toMatchObject({ state: 'needs_review', verdict: 'needs_review', reasons: expect.arrayContaining(['empty']) });
      for (const source of empties) {
        const result = service.results(projectId, [source]).find((r) => r.options?.preset === preset)!;
        expect(result.review).toMatchObject({ verdict: 'needs_review', accepted: false });
        const { data, info } = await sharp(engine.store.pathOf(result.asset.sha256)).raw().toBuffer({ resolveWithObject: true });
        // Blank: every pixel is the background (JPEG noise aside), no shadow under nothing.
        expect(data.reduce((m, v) => Math.min(m, v), 255)).toBeGreaterThanOrEqual(250);
        if (preset === 'square') expect(info.width).toBe(info.height);
      }
    }
    expect(await filtered('needs_review')).toEqual(EMPTY.map((r) => path.basename(r)).sort());
    expect(await filtered('has_result')).toHaveLength(4);
  }, 300_000);

  it('needs review until the user accepts (then it counts as done) or drops it (undo brings it back)', async () => {
    const service = api(engine).removeBackground;
    const [accepted, dropped] = EMPTY.map((r) => id[path.basename(r)]!) as [string, string];
    expect(await call()('remove-background.review', { projectId, sourceAssetIds: [accepted], action: 'accept' })).toEqual({ updated: 2, undoToken: null });
    expect(await filtered('needs_review')).toEqual([api(engine).library.getAsset(dropped).fileName]);
    expect(service.results(projectId, [accepted]).every((r) => r.review?.accepted)).toBe(true);
    // Run again with the same settings: reused, and ok now.
    const again = await service.wait((await service.start({ projectId, assetIds: [accepted], options: { preset: 'white' } })).runId);
    expect(again).toMatchObject({ reused: 1, needsReview: 0 });

    const drop = (await call()('remove-background.review', { projectId, sourceAssetIds: [dropped], action: 'drop' })) as { updated: number; undoToken: string };
    expect(drop.updated).toBe(2);
    expect(service.results(projectId, [dropped])).toEqual([]);
    expect(await filtered('needs_review')).toEqual([]);
    expect(await filtered('no_result')).toEqual([api(engine).library.getAsset(dropped).fileName]);
    expect(await call()('assets.restore', { undoToken: drop.undoToken })).toEqual({ restored: 2, refused: [] });
    expect(service.results(projectId, [dropped])).toHaveLength(2);
    expect(await filtered('needs_review')).toEqual([api(engine).library.getAsset(dropped).fileName]);
  }, 120_000);

  it('the square canvas follows the subject: no silent upscaling; a forced canvas says how much it enlarged; the preview says so too and records nothing', async () => {
    const service = api(engine).removeBackground;
    const apple = id[path.basename(CLEAN[0]!)]!;
    const source = api(engine).library.getAsset(apple);
    const native = await service.removeOne(apple, { preset: 'square', shadow: false });
    const crop = await service.removeOne(apple, { preset: 'crop', margin: 0 });
    const subjectSide = Math.max(crop.asset.width, crop.asset.height);
    expect(native.asset.width).toBe(native.asset.height);
    expect(native.asset.width).toBe(Math.ceil(subjectSide / 0.85));
    expect(native.asset.width).toBeLessThan(Math.max(source.width, source.height) / 0.85 + 1);
    expect(service.results(projectId, [apple]).find((r) => r.asset.id === native.asset.id)!.upscale).toBeNull();

    const forced = await service.removeOne(apple, { preset: 'square', canvas: 2000 });
    expect(forced.asset.width).toBe(2000);
    const upscale = service.results(projectId, [apple]).find((r) => r.asset.id === forced.asset.id)!.upscale!;
    expect(upscale).toBeCloseTo((0.85 * 2000) / subjectSide, 1);

    const assets = engine.db.prepare('SELECT COUNT(*) FROM assets').pluck().get();
    const runs = await modelRuns();
    const preview = (await call()('remove-background.preview', { assetId: apple, options: { preset: 'square', canvas: 2000 }, maxSide: 320 })) as {
      image: string;
      width: number;
      height: number;
      outputWidth: number;
      upscale: number | null;
      maskCached: boolean;
      review: { verdict: string };
    };
    expect(preview).toMatchObject({ width: 320, height: 320, outputWidth: 2000, maskCached: true, review: { verdict: 'ok' } });
    expect(preview.upscale).toBeCloseTo(upscale, 1);
    const jpeg = Buffer.from(preview.image.replace(/^data:image\/jpeg;base64,/, ''), 'base64');
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 320 });
    const nativePreview = (await call()('remove-background.preview', { assetId: apple, options: { preset: 'cutout' } })) as { upscale: number | null; image: string };
    expect(nativePreview.upscale).toBeNull();
    expect(nativePreview.image.startsWith('data:image/png;base64,')).toBe(true);
    expect(engine.db.prepare('SELECT COUNT(*) FROM assets').pluck().get()).toBe(assets);
    expect(await modelRuns()).toBe(runs);
  }, 120_000);
});
