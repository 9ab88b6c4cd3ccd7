/**
 * Composition of synthetic images: crop to the subject, the shadow's alpha range and
 * offset, where the shadow falls in the output, the background choice, empty cut-outs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../../../src-main/features/augmentation/augment.js';
import { bundledBackgroundsDir, listBackgrounds, renderBackground } from '../../../src-main/features/augmentation/backgrounds.js';
import { EmptyCutoutError, layoutSubject, prepareSubject, shadowLayer } from '../../../src-main/features/augmentation/compose.js';
import { DEFAULT_AUGMENT_CONFIG, resolveConfig } from '../../../src-main/features/augmentation/config.js';
import { loadCv, type Cv } from '../../../src-main/features/augmentation/cv.js';
import { AugmentInputError, decode } from '../../../src-main/features/augmentation/raw-image.js';
import { Rng } from '../../../src-main/features/augmentation/rng.js';
import { pixels, rectCutout } from './patterns.js';

let cv: Cv;
beforeAll(async () => {
  cv = await loadCv();
});

/** A 300×300 cut-out: an opaque 120×80 red block at (90, 110), the rest transparent. */
const block = () => rectCutout(300, 300, { x: 90, y: 110, w: 120, h: 80 }, [200, 40, 40]);

describe('subject layout', () => {
  it('crops to the alpha box and centres it on a square canvas with the margin, at working scale', async () => {
    const cfg = resolveConfig({ synthetic: { margin: 0.1 } });
    const layout = layoutSubject(await decode(await block(), true), cfg);
    expect(layout.box).toEqual({ x: 90, y: 110, width: 120, height: 80 });
    // 120 + 2·12 = 144 px square, scaled up to the output size (384) as the smallest working canvas.
    expect(layout.canvas).toEqual({ width: 384, height: 384 });
    expect(layout.scale).toBeCloseTo(384 / 144, 6);
    expect(layout.at.width).toBe(Math.round(120 * layout.scale));
    expect(layout.at.height).toBe(Math.round(80 * layout.scale));
    expect(Math.abs(layout.at.x + layout.at.width / 2 - 192)).toBeLessThanOrEqual(1);
    expect(Math.abs(layout.at.y + layout.at.height / 2 - 192)).toBeLessThanOrEqual(1);
  });

  it("'box' canvas keeps the subject's aspect ratio; large subjects are scaled down to workMaxSide", async () => {
    const box = layoutSubject(await decode(await block(), true), resolveConfig({ synthetic: { canvas: 'box', margin: 0 } }));
    expect(box.canvas.width / box.canvas.height).toBeCloseTo(120 / 80, 2);
    const big = await rectCutout(2000, 1600, { x: 100, y: 100, w: 1800, h: 1400 }, [10, 200, 10]);
    const layout = layoutSubject(await decode(big, true), DEFAULT_AUGMENT_CONFIG);
    expect(Math.max(layout.canvas.width, layout.canvas.height)).toBe(DEFAULT_AUGMENT_CONFIG.workMaxSide);
  });

  it('an empty cut-out (alpha all 0) is a clear error, not a blank image', async () => {
    const empty = await rectCutout(64, 64, { x: 0, y: 0, w: 0, h: 0 }, [0, 0, 0]);
    await expect(synthesize(empty, { seed: 1, index: 0 })).rejects.toBeInstanceOf(EmptyCutoutError);
    await expect(synthesize(empty, { seed: 1, index: 0 })).rejects.toThrow(/cut-out is empty/);
  });

  it('an image without an alpha channel, or not an image at all, is an input error', async () => {
    const jpeg = await import('sharp').then((m) => m.default({ create: { width: 32, height: 32, channels: 3, background: '#fff' } }).jpeg().toBuffer());
    await expect(synthesize(jpeg, { seed: 1, index: 0 })).rejects.toThrow(/no alpha channel/);
    await expect(synthesize(Buffer.from('not an image'), { seed: 1, index: 0 })).rejects.toBeInstanceOf(AugmentInputError);
  });
});

describe('edge', () => {
  it('a fringe of old background around the cut-out does not survive as a halo', async () => {
    // A red block whose outer 2 px are white, as a cut-out keeps from a white studio.
    const png = await rectCutout(200, 200, { x: 50, y: 50, w: 100, h: 100 }, [255, 255, 255]);
    const cutout = await decode(png, true);
    for (let y = 52; y < 148; y++) for (let x = 52; x < 148; x++) cutout.data.set([200, 30, 30], (y * 200 + x) * 4);
    const layout = layoutSubject(cutout, DEFAULT_AUGMENT_CONFIG);
    const whiteVisible = (img: Awaited<ReturnType<typeof prepareSubject>>) => {
      let count = 0;
      for (let i = 0; i < img.width * img.height; i++) {
        const [r, g, b, a] = img.data.subarray(i * 4, i * 4 + 4);
        if (a! >= 24 && g! > 120 && b! > 120 && r! > 120) count++;
      }
      return count;
    };
    expect(whiteVisible(await prepareSubject(cv, cutout, layout, 0))).toBeGreaterThan(500);
    expect(whiteVisible(await prepareSubject(cv, cutout, layout, DEFAULT_AUGMENT_CONFIG.synthetic.edgeChoke))).toBe(0);
  });
});

describe('shadow', () => {
  it('without blur: coverage equals the sampled alpha, offset by exactly (5, 5)', async () => {
    const cfg = resolveConfig({ synthetic: { edgeChoke: 0 } });
    const cutout = await decode(await block(), true);
    const layout = layoutSubject(cutout, cfg);
    const subject = await prepareSubject(cv, cutout, layout, 0);
    for (const alpha of [80, 111, 140]) {
      const layer = shadowLayer(cv, subject, layout, { applied: true, alpha, blurPasses: 0, offset: [5, 5] });
      let [x0, y0, x1, y1, max] = [1e9, 1e9, -1, -1, 0];
      for (let y = 0; y < layer.height; y++) {
        for (let x = 0; x < layer.width; x++) {
          const v = layer.data[y * layer.width + x]!;
          max = Math.max(max, v);
          if (v > 0) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
        }
      }
      expect(max).toBe(alpha);
      expect([x0, y0]).toEqual([layout.at.x + 5, layout.at.y + 5]);
      expect([x1, y1]).toEqual([layout.at.x + layout.at.width - 1 + 5, layout.at.y + layout.at.height - 1 + 5]);
    }
  });

  it('blurred 5–8 times with PIL’s BLUR kernel: same total coverage, same centre, wider reach', async () => {
    const cfg = resolveConfig({ synthetic: { edgeChoke: 0, margin: 0.3 } });
    const cutout = await decode(await block(), true);
    const layout = layoutSubject(cutout, cfg);
    const subject = await prepareSubject(cv, cutout, layout, 0);
    const sharpLayer = shadowLayer(cv, subject, layout, { applied: true, alpha: 120, blurPasses: 0, offset: [5, 5] });
    const stats = (d: Uint8Array, w: number) => {
      let [sum, sx, sy, nonzero] = [0, 0, 0, 0];
      d.forEach((v, i) => {
        sum += v;
        sx += v * (i % w);
        sy += v * Math.floor(i / w);
        if (v > 0) nonzero++;
      });
      return { sum, cx: sx / sum, cy: sy / sum, nonzero };
    };
    const base = stats(sharpLayer.data, sharpLayer.width);
    let previousReach = base.nonzero;
    for (const passes of [5, 6, 7, 8]) {
      const soft = shadowLayer(cv, subject, layout, { applied: true, alpha: 120, blurPasses: passes, offset: [5, 5] });
      const s = stats(soft.data, soft.width);
      expect(Math.abs(s.sum - base.sum) / base.sum).toBeLessThan(0.01);
      expect(s.cx).toBeCloseTo(base.cx, 0);
      expect(s.cy).toBeCloseTo(base.cy, 0);
      expect(s.nonzero).toBeGreaterThan(previousReach);
      previousReach = s.nonzero;
      // Each pass spreads by at most 2 px on every side (the 5×5 kernel); the faint tail rounds to 0 at 8 bits.
      const row = Math.round(base.cy) * soft.width;
      let right = 0;
      for (let x = 0; x < soft.width; x++) if (soft.data[row + x]! > 0) right = x;
      expect(right - (layout.at.x + layout.at.width - 1 + 5)).toBeLessThanOrEqual(2 * passes);
      expect(right - (layout.at.x + layout.at.width - 1 + 5)).toBeGreaterThanOrEqual(passes);
    }
  });

  it('in the output the shadow darkens the background below and right of the subject, not above or left', async () => {
    // Light pipeline with its affine off: the output is the composition, resized to 384.
    const noGeometry = { synthetic: { light: { affine: { p: 0 } }, margin: 0.2, edgeChoke: 0 }, solidBackground: [230, 230] as [number, number] };
    const withShadow = await pixels((await synthesize(await block(), { seed: 3, index: 0, pipeline: 'light', config: { ...noGeometry, synthetic: { ...noGeometry.synthetic, shadow: { p: 1, alpha: [140, 140], blurPasses: [5, 5] } } } })).jpeg);
    const without = await pixels((await synthesize(await block(), { seed: 3, index: 0, pipeline: 'light', config: { ...noGeometry, synthetic: { ...noGeometry.synthetic, shadow: { p: 0 } } } })).jpeg);
    const layout = layoutSubject(await decode(await block(), true), resolveConfig(noGeometry));
    const { x, y, width, height } = layout.at;
    const at = (img: typeof without, px: number, py: number) => img.data[(Math.round(py) * img.width + Math.round(px)) * 3 + 1]!;
    const dark = (px: number, py: number) => at(without, px, py) - at(withShadow, px, py);
    // Just past the right and bottom edges (inside the offset band): clearly darker.
    expect(dark(x + width + 2, y + height / 2)).toBeGreaterThan(25);
    expect(dark(x + width / 2, y + height + 2)).toBeGreaterThan(25);
    // Beyond the top and left edges: the offset shadow does not reach.
    expect(Math.abs(dark(x - 6, y + height / 2))).toBeLessThanOrEqual(3);
    expect(Math.abs(dark(x + width / 2, y - 6))).toBeLessThanOrEqual(3);
    // The subject itself is drawn over its shadow.
    expect(Math.abs(dark(x + width / 2, y + height / 2))).toBeLessThanOrEqual(3);
  });
});

describe('backgrounds', () => {
  it('the bundled set: 40 generated 512×512 JPEGs, with a README stating they are the project’s, MIT', async () => {
    const refs = await listBackgrounds([{ name: 'bundled', dir: bundledBackgroundsDir() }]);
    expect(refs.length).toBe(40);
    expect(refs.map((r) => r.id)).toEqual([...refs.map((r) => r.id)].sort());
    const readme = fs.readFileSync(path.join(bundledBackgroundsDir(), 'README.md'), 'utf8');
    expect(readme).toMatch(/Generated by the Atölye project/);
    expect(readme).toMatch(/MIT/);
    for (const r of refs) {
      const img = await pixels(fs.readFileSync(r.path));
      expect([img.width, img.height]).toEqual([512, 512]);
    }
  });

  it('a background is a crop with the canvas’s own aspect ratio (never stretched), chosen by the stream', async () => {
    const refs = await listBackgrounds([{ name: 'bundled', dir: bundledBackgroundsDir() }]);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { image, record } = await renderBackground(Rng.from('bg', i), refs, 300, 200, DEFAULT_AUGMENT_CONFIG);
      expect([image.width, image.height]).toEqual([300, 200]);
      if (record.kind !== 'image') throw new Error('expected an image background');
      const [, , w, h] = record.crop;
      expect(Math.abs(w / h - 1.5)).toBeLessThan(0.02);
      seen.add(record.id);
    }
    expect(seen.size).toBeGreaterThan(30); // 200 draws over 40 backgrounds reach nearly all
    const again = await renderBackground(Rng.from('bg', 7), refs, 300, 200, DEFAULT_AUGMENT_CONFIG);
    const first = await renderBackground(Rng.from('bg', 7), refs, 300, 200, DEFAULT_AUGMENT_CONFIG);
    expect(Buffer.from(again.image.data).equals(Buffer.from(first.image.data))).toBe(true);
  });

  it('no backgrounds: a light solid colour, each channel in 200–255', async () => {
    for (let i = 0; i < 100; i++) {
      const { image, record } = await renderBackground(Rng.from('solid', i), [], 16, 8, DEFAULT_AUGMENT_CONFIG);
      if (record.kind !== 'solid') throw new Error('expected a solid background');
      for (const c of record.rgb) {
        expect(c).toBeGreaterThanOrEqual(200);
        expect(c).toBeLessThanOrEqual(255);
      }
      expect(Array.from(image.data.subarray(image.data.length - 3))).toEqual(record.rgb);
    }
  });

  it('a user folder joins the bundled set; a missing folder is a clear error', async () => {
    const refs = await listBackgrounds([
      { name: 'bundled', dir: bundledBackgroundsDir() },
      { name: 'user', dir: path.join(bundledBackgroundsDir()) },
    ]);
    expect(refs.length).toBe(80);
    expect(refs[40]!.id).toMatch(/^user\//);
    await expect(listBackgrounds([{ name: 'user', dir: '/nonexistent/backgrounds' }])).rejects.toThrow(/cannot read the background folder/);
  });
});
