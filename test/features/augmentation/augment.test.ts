/**
 * The public API end to end: determinism of (source bytes, pipeline, seed, index), the
 * output format (384×384 baseline JPEG at quality 95), the record of what was applied,
 * real variants of clean and letterboxed grocery photos, and the worker pool giving the
 * same bytes as in-process calls.
 */
import fs from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAugmentPool } from '../../../src-main/features/augmentation/augment-pool.js';
import { realVariant, rootStream, synthesize } from '../../../src-main/features/augmentation/augment.js';
import { bundledBackgroundsDir, listBackgrounds, type BackgroundRef } from '../../../src-main/features/augmentation/backgrounds.js';
import { DEFAULT_AUGMENT_CONFIG } from '../../../src-main/features/augmentation/config.js';
import { planReal, planSynthetic } from '../../../src-main/features/augmentation/pipelines.js';
import { sha256Hex } from '../../../src-main/features/augmentation/rng.js';
import { boxCutout, cutoutFromWhite, datasetMissing, iconicImages, letterboxed, pickPhotos } from './fixtures.js';
import { ijgLumaTable, jpegLumaTable, pixels, rectCutout } from './patterns.js';

const missing = datasetMissing();
if (missing) console.warn(`augmentation tests on grocery photos skipped: ${missing}`);

let backgrounds: BackgroundRef[];
let cutout: Buffer;
beforeAll(async () => {
  backgrounds = await listBackgrounds([{ name: 'bundled', dir: bundledBackgroundsDir() }]);
  // A real catalog image when the dataset is there, a drawn shape otherwise: both are RGBA cut-outs.
  cutout = missing ? await rectCutout(240, 320, { x: 40, y: 30, w: 150, h: 260 }, [30, 120, 200]) : await cutoutFromWhite(iconicImages()[20]!);
});

describe('determinism', () => {
  it('same source, pipeline, seed and index: the same bytes; another index or seed: another image', async () => {
    for (const pipeline of ['light', 'heavy', undefined] as const) {
      const a = await synthesize(cutout, { seed: 11, index: 4, backgrounds, ...(pipeline ? { pipeline } : {}) });
      const b = await synthesize(cutout, { seed: 11, index: 4, backgrounds, ...(pipeline ? { pipeline } : {}) });
      expect(a.jpeg.equals(b.jpeg)).toBe(true);
      expect(b.applied).toEqual(a.applied);
      const c = await synthesize(cutout, { seed: 11, index: 5, backgrounds, ...(pipeline ? { pipeline } : {}) });
      const d = await synthesize(cutout, { seed: 12, index: 4, backgrounds, ...(pipeline ? { pipeline } : {}) });
      expect(c.jpeg.equals(a.jpeg)).toBe(false);
      expect(d.jpeg.equals(a.jpeg)).toBe(false);
    }
  });

  it('the same seed and index on another source gives another image', async () => {
    const other = await rectCutout(240, 320, { x: 41, y: 30, w: 150, h: 260 }, [30, 120, 200]);
    const a = await synthesize(cutout, { seed: 1, index: 0, backgrounds });
    const b = await synthesize(other, { seed: 1, index: 0, backgrounds });
    expect(a.applied.source.sha256).not.toBe(b.applied.source.sha256);
    expect(a.jpeg.equals(b.jpeg)).toBe(false);
  });

  it('a worker thread of the pool gives byte-identical outputs to an in-process call', async () => {
    const pool = createAugmentPool(1);
    try {
      for (let index = 0; index < 3; index++) {
        const local = await synthesize(cutout, { seed: 5, index, backgrounds });
        const remote = await pool.run({ kind: 'synthesize', cutout: { bytes: cutout }, options: { seed: 5, index, backgrounds } });
        if (!remote.ok || !('jpeg' in remote)) throw new Error(`worker failed: ${JSON.stringify(remote)}`);
        expect(Buffer.from(remote.jpeg).equals(local.jpeg)).toBe(true);
        expect(remote.applied).toEqual(local.applied);
      }
      const empty = await pool.run({ kind: 'synthesize', cutout: { bytes: await rectCutout(16, 16, { x: 0, y: 0, w: 0, h: 0 }, [0, 0, 0]) }, options: { seed: 1, index: 0 } });
      expect(empty).toEqual({ ok: false, inputError: true, message: expect.stringMatching(/cut-out is empty/) });
    } finally {
      await pool.close();
    }
  });
});

describe('output', () => {
  it('is a 384×384 baseline JPEG at quality 95 (its quantisation table is libjpeg’s for 95)', async () => {
    for (let index = 0; index < 4; index++) {
      const { jpeg, applied } = await synthesize(cutout, { seed: 2, index, backgrounds });
      const img = await pixels(jpeg);
      expect([img.width, img.height]).toEqual([384, 384]);
      expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
      expect(jpegLumaTable(jpeg)).toEqual(ijgLumaTable(95));
      expect(applied.output).toEqual({ width: 384, height: 384, format: 'jpeg', quality: 95 });
    }
    // And the table check would see another quality.
    expect(ijgLumaTable(90)).not.toEqual(ijgLumaTable(95));
  });

  it('records what was applied: the plan drawn from the tuple’s stream is exactly the list of steps', async () => {
    for (let index = 0; index < 6; index++) {
      const { applied } = await synthesize(cutout, { seed: 9, index, backgrounds });
      const root = rootStream('synthetic', sha256Hex(cutout), 'auto', 9, index);
      expect(applied.steps).toEqual(planSynthetic(applied.pipeline as 'light' | 'heavy', root.fork('steps'), DEFAULT_AUGMENT_CONFIG));
      expect(applied.source.sha256).toBe(sha256Hex(cutout));
      expect(applied.background?.kind).toBe('image');
      expect(applied.configHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.parse(JSON.stringify(applied))).toEqual(applied); // plain data: storable as JSON
    }
  });

  it('another configuration changes the recorded config hash', async () => {
    const a = await synthesize(cutout, { seed: 1, index: 0 });
    const b = await synthesize(cutout, { seed: 1, index: 0, config: { synthetic: { shadow: { p: 0.5 } } } });
    expect(a.applied.configHash).not.toBe(b.applied.configHash);
  });
});

describe('real variants, size limit', () => {
  it('a clean photo above real.cleanMaxSide is shrunk to it first (and says so); below it, left at its size', async () => {
    const photo = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#8a7', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg()
      .toBuffer();
    const limited = await realVariant(photo, { seed: 1, index: 0, config: { real: { cleanMaxSide: 200 } } });
    expect([limited.applied.output.width, limited.applied.output.height]).toEqual([200, 150]);
    expect(limited.applied.subject).toEqual({ box: { x: 0, y: 0, width: 400, height: 300 }, canvas: { width: 200, height: 150 }, scale: 0.5 });
    const untouched = await realVariant(photo, { seed: 1, index: 0 });
    expect([untouched.applied.output.width, untouched.applied.output.height]).toEqual([400, 300]);
    expect(untouched.applied.subject).toBeUndefined();
  });
});

describe.skipIf(missing)('real variants of grocery photos', () => {
  it('a clean photo goes through the real pipeline at its own size (no resize), deterministically', async () => {
    for (const file of pickPhotos('val', 4)) {
      const photo = fs.readFileSync(file);
      const a = await realVariant(photo, { seed: 3, index: 1 });
      const b = await realVariant(photo, { seed: 3, index: 1 });
      expect(a.jpeg.equals(b.jpeg)).toBe(true);
      const src = await pixels(photo);
      const out = await pixels(a.jpeg);
      expect([out.width, out.height]).toEqual([src.width, src.height]);
      expect(a.applied.borders?.letterboxed).toBe(false);
      expect(a.applied.steps.some((s) => s.name === 'resize')).toBe(false);
      const root = rootStream('real', sha256Hex(photo), 'real', 3, 1);
      expect(a.applied.steps).toEqual(planReal(root.fork('steps'), DEFAULT_AUGMENT_CONFIG, src, false));
    }
  });

  it('a letterboxed (raw) photo needs its cut-out, is cropped to the subject inside the photo, and comes out 384×384', async () => {
    const [file] = pickPhotos('val', 1);
    const lb = await letterboxed(file!);
    await expect(realVariant(lb.jpeg, { seed: 1, index: 0 })).rejects.toThrow(/letterboxed.*cut-out/);
    const box = { x: lb.inner.x + 60, y: lb.inner.y + 100, width: 150, height: 90 };
    const r = await realVariant(lb.jpeg, { seed: 1, index: 0, cutout: await boxCutout(lb.jpeg, box) });
    expect(r.applied.borders?.letterboxed).toBe(true);
    expect(r.applied.subject?.box).toEqual(box);
    const crop = r.applied.subject!.crop!;
    // Grown to a square around the subject, inside the photo (not into its black bars).
    expect([crop.width, crop.height]).toEqual([150, 150]);
    expect(crop.x).toBeGreaterThanOrEqual(lb.inner.x);
    expect(crop.y).toBeGreaterThanOrEqual(lb.inner.y);
    expect(crop.x + crop.width).toBeLessThanOrEqual(lb.inner.x + lb.inner.width);
    expect(crop.y + crop.height).toBeLessThanOrEqual(lb.inner.y + lb.inner.height);
    const out = await pixels(r.jpeg);
    expect([out.width, out.height]).toEqual([384, 384]);
    expect(jpegLumaTable(r.jpeg)).toEqual(ijgLumaTable(95));
  });

  it('a cut-out of the wrong size or with nothing in it is refused with a reason', async () => {
    const [file] = pickPhotos('val', 1);
    const lb = await letterboxed(file!);
    await expect(realVariant(lb.jpeg, { seed: 1, index: 0, cutout: await rectCutout(10, 10, { x: 0, y: 0, w: 5, h: 5 }, [1, 2, 3]) })).rejects.toThrow(/must match/);
    await expect(realVariant(lb.jpeg, { seed: 1, index: 0, cutout: await rectCutout(lb.width, lb.height, { x: 0, y: 0, w: 0, h: 0 }, [1, 2, 3]) })).rejects.toThrow(/cut-out is empty/);
  });
});
