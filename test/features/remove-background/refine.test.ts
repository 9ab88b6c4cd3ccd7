import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decontaminate, defaultBandRadius, makeCutout, refineMask } from '../../../src-main/features/remove-background/refine.js';
import { cachedMask, datasetMissing, datasetRoot, ensureMasks, loadPhoto, type RealImage } from './real-masks.js';
import { colourDistance, discScene, GREEN, RED, withAlpha } from './synthetic.js';

/** Pixels with 0 < alpha < 255 whose (2r+1)² window does not hold both sides of `outline` (mask ≥ 128 vs < 128). */
function softOutsideBand(alpha: Uint8Array, outline: Uint8Array, width: number, height: number, r: number): number {
  let outside = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = alpha[y * width + x]!;
      if (a === 0 || a === 255) continue;
      let subject = false;
      let background = false;
      for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++)
        for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) {
          if (outline[yy * width + xx]! >= 128) subject = true;
          else background = true;
        }
      if (!(subject && background)) outside++;
    }
  }
  return outside;
}

function count(alpha: Uint8Array, test: (a: number, i: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < alpha.length; i++) if (test(alpha[i]!, i)) n++;
  return n;
}

/**
 * How the soft edge's colours sit between the subject and the background next to them:
 * for each soft pixel, the distance to the mean colour of the opaque and of the clear
 * pixels within 6 px (in the photo), averaged; and the share of soft pixels nearer the
 * background than the subject (a fringe).
 */
function edgeColours(rgba: Uint8Array, photo: Uint8Array, width: number, height: number) {
  const k = 6;
  let toSubject = 0;
  let toBackground = 0;
  let nearerBackground = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const a = rgba[i * 4 + 3]!;
      if (a === 0 || a === 255) continue;
      const fg = [0, 0, 0];
      const bg = [0, 0, 0];
      let nf = 0;
      let nb = 0;
      for (let yy = Math.max(0, y - k); yy <= Math.min(height - 1, y + k); yy++)
        for (let xx = Math.max(0, x - k); xx <= Math.min(width - 1, x + k); xx++) {
          const j = yy * width + xx;
          const aj = rgba[j * 4 + 3]!;
          if (aj !== 255 && aj !== 0) continue;
          const sum = aj === 255 ? fg : bg;
          for (let c = 0; c < 3; c++) sum[c]! += photo[j * 3 + c]!;
          if (aj === 255) nf++;
          else nb++;
        }
      if (!nf || !nb) continue;
      const colour = rgba.subarray(i * 4, i * 4 + 3);
      const f = fg.map((v) => v / nf);
      const b = bg.map((v) => v / nb);
      toSubject += colourDistance(colour, f);
      toBackground += colourDistance(colour, b);
      if (colourDistance(colour, b) < colourDistance(colour, f)) nearerBackground++;
      n++;
    }
  }
  return { pixels: n, toSubject: toSubject / n, toBackground: toBackground / n, nearerBackground: nearerBackground / n };
}

describe('refineMask on a synthetic disc with a ghost beside it', () => {
  const scene = discScene();
  const { width: W, height: H } = scene;
  const r = defaultBandRadius(W, H);
  const distance = (i: number) => Math.hypot((i % W) + 0.5 - scene.cx, Math.floor(i / W) + 0.5 - scene.cy) - scene.radius;
  const inGhost = (i: number) => Math.hypot((i % W) + 0.5 - scene.ghostX, Math.floor(i / W) + 0.5 - scene.ghostY) < scene.ghostRadius;

  it('starts from a mask that is never solid, with a ghost (so the assertions below can fail)', () => {
    expect(Math.max(...scene.mask)).toBeLessThan(255);
    expect(count(scene.mask, (a, i) => inGhost(i) && a > 64)).toBeGreaterThan(100);
  });

  it('makes the interior solid, the background clear and the ghost gone; soft only within the band', async () => {
    const alpha = await refineMask(scene.mask, scene.rgb, W, H);
    expect(Math.max(...alpha)).toBe(255);
    expect(count(alpha, (a, i) => distance(i) < -(r + 1) && a !== 255)).toBe(0);
    expect(count(alpha, (a, i) => distance(i) > r + 1 && a !== 0)).toBe(0);
    expect(count(alpha, (a, i) => inGhost(i) && a !== 0)).toBe(0);
    const soft = count(alpha, (a) => a > 0 && a < 255);
    // The edge stays soft (about a ring of pixels around the disc), never wider than the band.
    expect(soft).toBeGreaterThan(2 * Math.PI * scene.radius);
    expect(count(alpha, (a, i) => a > 0 && a < 255 && Math.abs(distance(i)) > r + 1)).toBe(0);
  });

  it('keeps the outline where the subject is: coverage within a few levels of the truth', async () => {
    const alpha = await refineMask(scene.mask, scene.rgb, W, H);
    let error = 0;
    for (let i = 0; i < alpha.length; i++) error += Math.abs(alpha[i]! - scene.truth[i]!);
    expect(error / alpha.length).toBeLessThan(2);
  });

  it('gives the same alpha for an RGBA guide as for RGB', async () => {
    const rgba = withAlpha(scene.rgb, new Uint8Array(W * H).fill(255));
    expect(await refineMask(scene.mask, rgba, W, H)).toEqual(await refineMask(scene.mask, scene.rgb, W, H));
  });

  it('follows a sharp colour edge when the mask was enlarged from a quarter of the size (guided filter)', async () => {
    // The mask the model would give at 64 px, enlarged to 256: a blurred edge.
    const small = await sharp(scene.truth, { raw: { width: W, height: H, channels: 1 } }).resize(64, 64, { kernel: 'linear' }).extractChannel(0).raw().toBuffer();
    const enlarged = new Uint8Array(await sharp(small, { raw: { width: 64, height: 64, channels: 1 } }).resize(W, H, { kernel: 'linear', fit: 'fill' }).extractChannel(0).raw().toBuffer());
    const err = (a: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - scene.truth[i]!), 0) / a.length;
    const guided = await refineMask(enlarged, scene.rgb, W, H, { maskResolution: 64, bandRadius: 12 });
    const levelsOnly = await refineMask(enlarged, scene.rgb, W, H, { maskResolution: 64, bandRadius: 12, guidedRadius: 0 });
    expect(err(guided)).toBeLessThan(0.75 * err(levelsOnly));
  });

  it('refuses buffers that do not match the size', async () => {
    await expect(refineMask(scene.mask.subarray(1), scene.rgb, W, H)).rejects.toThrow(RangeError);
    await expect(refineMask(scene.mask, scene.rgb.subarray(3), W, H)).rejects.toThrow(RangeError);
    await expect(refineMask(scene.mask, scene.rgb, W, H, { low: 200, high: 100 })).rejects.toThrow(RangeError);
  });
});

describe('decontaminate on a red disc composited on green with its exact alpha', () => {
  const scene = discScene();
  const { width: W, height: H } = scene;
  const rgba = withAlpha(scene.rgb, scene.truth);
  const out = decontaminate(rgba, W, H);
  const soft = (i: number) => scene.truth[i]! > 0 && scene.truth[i]! < 255;

  it('clears the colour under alpha 0, keeps opaque pixels and every alpha exactly', () => {
    let hidden = 0;
    for (let i = 0; i < W * H; i++) {
      if (scene.truth[i] === 0) hidden += out[i * 4]! + out[i * 4 + 1]! + out[i * 4 + 2]!;
      if (scene.truth[i] === 255) expect([...out.subarray(i * 4, i * 4 + 4)]).toEqual([...rgba.subarray(i * 4, i * 4 + 4)]);
      expect(out[i * 4 + 3]).toBe(scene.truth[i]);
    }
    expect(hidden).toBe(0);
  });

  it('gives the edge the subject’s colour, not the background’s', () => {
    let before = 0;
    let after = 0;
    let afterToGreen = 0;
    let n = 0;
    for (let i = 0; i < W * H; i++) {
      if (!soft(i)) continue;
      before += colourDistance(rgba.subarray(i * 4, i * 4 + 3), RED);
      after += colourDistance(out.subarray(i * 4, i * 4 + 3), RED);
      afterToGreen += colourDistance(out.subarray(i * 4, i * 4 + 3), GREEN);
      n++;
    }
    expect(n).toBeGreaterThan(300);
    // The photo's edge pixels are half green on average; the estimate is red within noise.
    expect(before / n).toBeGreaterThan(80);
    expect(after / n).toBeLessThan(15);
    expect(afterToGreen / n).toBeGreaterThan(200);
  });

  it('returns plain copies for a cut-out with no soft pixels, and refuses a wrong size', () => {
    const hard = withAlpha(scene.rgb, scene.truth.map((a) => (a >= 128 ? 255 : 0)));
    const o = decontaminate(hard, W, H);
    for (let i = 0; i < W * H; i++) expect(o[i * 4]).toBe(hard[i * 4 + 3] ? hard[i * 4] : 0);
    expect(() => decontaminate(rgba.subarray(4), W, H)).toThrow(RangeError);
  });
});

const missing = datasetMissing();
if (missing) console.log(`skipped: refinement on real photos needs the grocery-store dataset: ${missing}`);

describe.skipIf(missing)('refinement and decontamination on real grocery photos (the model’s cached masks)', () => {
  const APPLE = 'train/Fruit/Apple/Golden-Delicious/Golden-Delicious_001.jpg';
  const TRAY = 'train/Fruit/Apple/Golden-Delicious/Golden-Delicious_045.jpg';
  const PEPPER = 'train/Vegetables/Pepper/Green-Bell-Pepper/Green-Bell-Pepper_011.jpg';
  const photos = new Map<string, { image: RealImage; mask: Uint8Array }>();
  beforeAll(async () => {
    await ensureMasks([APPLE, TRAY, PEPPER]);
    for (const rel of [APPLE, TRAY, PEPPER]) photos.set(rel, { image: await loadPhoto(rel), mask: (await cachedMask(rel))! });
  }, 600_000);

  it('an apple in a hand: solid inside, clear outside, soft only along the outline', async () => {
    const { image, mask } = photos.get(APPLE)!;
    const { width: W, height: H } = image;
    const alpha = await refineMask(mask, image.rgb, W, H);
    // The model is rarely fully sure: the solid interior is refinement's doing.
    expect(count(mask, (m) => m === 255)).toBeLessThan(0.5 * count(alpha, (a) => a === 255));
    expect(count(alpha, (a) => a === 255)).toBeGreaterThan(0.2 * W * H);
    expect(count(alpha, (a) => a === 0)).toBeGreaterThan(0.6 * W * H);
    expect(softOutsideBand(alpha, mask, W, H, defaultBandRadius(W, H))).toBe(0);
    // Where the model was sure, refinement agrees.
    expect(count(alpha, (a, i) => (mask[i]! >= 240 && a !== 255) || (mask[i]! <= 8 && a !== 0))).toBe(0);
  });

  it('a tray of apples: the model’s see-through ghost apples are cleared', async () => {
    const { image, mask } = photos.get(TRAY)!;
    const alpha = await refineMask(mask, image.rgb, image.width, image.height);
    const unsure = count(mask, (m) => m >= 64 && m < 128);
    expect(unsure).toBeGreaterThan(3000); // the ghosts are there in the raw mask
    expect(count(alpha, (a, i) => mask[i]! >= 64 && mask[i]! < 128 && a >= 32)).toBeLessThan(0.1 * unsure);
  });

  it('a pepper: its faint stem stays (soft), which a band-only refinement would cut', async () => {
    const { image, mask } = photos.get(PEPPER)!;
    const { width: W, height: H } = image;
    const r = defaultBandRadius(W, H);
    const withDetail = await refineMask(mask, image.rgb, W, H);
    const bandOnly = await refineMask(mask, image.rgb, W, H, { detailRadius: 0 });
    expect(softOutsideBand(bandOnly, mask, W, H, r)).toBe(0);
    // The stem: soft pixels beyond the band, hundreds of them, none where the model saw only haze.
    expect(softOutsideBand(withDetail, mask, W, H, r)).toBeGreaterThan(200);
    const haze = withDetail.map((a, i) => (mask[i]! < 64 ? a : 0));
    expect(softOutsideBand(haze, mask, W, H, r)).toBe(0);
  });

  it('the cut-out hides the photo under alpha 0, and its PNG shrinks accordingly', async () => {
    const { image, mask } = photos.get(APPLE)!;
    const { width: W, height: H } = image;
    const cut = await makeCutout(mask, image.rgb, W, H);
    expect(count(cut.alpha, (a, i) => a === 0 && (cut.rgba[i * 4]! | cut.rgba[i * 4 + 1]! | cut.rgba[i * 4 + 2]!) !== 0)).toBe(0);
    const raw = { raw: { width: W, height: H, channels: 4 as const } };
    const naive = await sharp(withAlpha(image.rgb, cut.alpha), raw).png({ compressionLevel: 6 }).toBuffer();
    const clean = await sharp(cut.rgba, raw).png({ compressionLevel: 6 }).toBuffer();
    const jpeg = fs.statSync(path.join(datasetRoot, APPLE)).size;
    expect(naive.length).toBeGreaterThan(10 * jpeg); // the complaint: the whole photo rides along
    expect(clean.length).toBeLessThan(naive.length / 3);
    // Stripping the alpha shows nothing but the subject.
    const flat = await sharp(clean).removeAlpha().raw().toBuffer();
    expect(count(cut.alpha, (a, i) => a === 0 && flat[i * 3]! + flat[i * 3 + 1]! + flat[i * 3 + 2]! > 0)).toBe(0);
  });

  it('the soft edge takes the subject’s colour, not the background’s', async () => {
    for (const rel of [APPLE, PEPPER]) {
      const { image, mask } = photos.get(rel)!;
      const { width: W, height: H } = image;
      const alpha = await refineMask(mask, image.rgb, W, H);
      const before = edgeColours(withAlpha(image.rgb, alpha), image.rgb, W, H);
      const after = edgeColours(decontaminate(withAlpha(image.rgb, alpha), W, H), image.rgb, W, H);
      expect(before.pixels).toBeGreaterThan(500);
      expect(after.toSubject).toBeLessThan(after.toBackground / 2);
      expect(after.toSubject).toBeLessThan(0.7 * before.toSubject);
      expect(after.nearerBackground).toBeLessThan(0.2);
      expect(after.nearerBackground).toBeLessThan(before.nearerBackground / 2);
    }
  });

  it('refine: false keeps the model’s mask exactly (and still clears the hidden colour)', async () => {
    const { image, mask } = photos.get(APPLE)!;
    const cut = await makeCutout(mask, image.rgb, image.width, image.height, { refine: false });
    expect(cut.alpha).toEqual(mask);
    expect(count(mask, (m, i) => m === 0 && cut.rgba[i * 4]! + cut.rgba[i * 4 + 1]! + cut.rgba[i * 4 + 2]! > 0)).toBe(0);
    expect(cut.quality.verdict).toBe('ok');
  });
});
