import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { renderView, withViewRows, TRAINING_VIEW_NAMES } from '../../../src-main/features/training/views.js';
import { clusteredData } from './helpers.js';

const W = 40;
const H = 30;

/** A 40×30 RGB image whose every pixel is distinct (red follows x, green follows y, blue both). */
async function gradientPng(opts: { orientation?: number } = {}): Promise<Buffer> {
  const raw = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      raw[i] = 20 + x * 5;
      raw[i + 1] = 20 + y * 6;
      raw[i + 2] = (x * 7 + y * 3) % 200;
    }
  }
  const image = sharp(raw, { raw: { width: W, height: H, channels: 3 } });
  return (opts.orientation ? image.withMetadata({ orientation: opts.orientation }) : image).png().toBuffer();
}

async function pixels(bytes: Buffer) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function meanOf(data: Buffer): number {
  let s = 0;
  for (const v of data) s += v;
  return s / data.length;
}

describe('training views', () => {
  it('mirror is the image flipped left–right, pixel for pixel (lossless)', async () => {
    const original = await pixels(await gradientPng());
    const mirror = await pixels(await renderView(await gradientPng(), 'mirror'));
    expect([mirror.width, mirror.height]).toEqual([W, H]);
    for (const [x, y] of [
      [0, 0],
      [3, 17],
      [W - 1, H - 1],
    ] as const) {
      const m = (y * W + x) * 3;
      const o = (y * W + (W - 1 - x)) * 3;
      expect([...mirror.data.subarray(m, m + 3)]).toEqual([...original.data.subarray(o, o + 3)]);
    }
  });

  it('zoom-80 keeps the centred 80 % of each side', async () => {
    const original = await pixels(await gradientPng());
    const zoom = await pixels(await renderView(await gradientPng(), 'zoom-80'));
    expect([zoom.width, zoom.height]).toEqual([32, 24]);
    // Its top-left pixel is the original's (4, 3).
    expect([...zoom.data.subarray(0, 3)]).toEqual([...original.data.subarray((3 * W + 4) * 3, (3 * W + 4) * 3 + 3)]);
  });

  it('brighter and darker move the brightness, not the geometry', async () => {
    const base = meanOf((await pixels(await gradientPng())).data);
    const brighter = await pixels(await renderView(await gradientPng(), 'brighter'));
    const darker = await pixels(await renderView(await gradientPng(), 'darker'));
    expect([brighter.width, brighter.height, darker.width, darker.height]).toEqual([W, H, W, H]);
    expect(meanOf(brighter.data)).toBeGreaterThan(base + 5);
    expect(meanOf(darker.data)).toBeLessThan(base - 5);
  });

  it('turns the image upright (EXIF) before the view, as the embedder sees it', async () => {
    // Orientation 6: displayed rotated 90° clockwise, so the upright image is 30×40.
    const mirror = await pixels(await renderView(await gradientPng({ orientation: 6 }), 'mirror'));
    expect([mirror.width, mirror.height]).toEqual([H, W]);
  });

  it('refuses an unreadable image with sharp’s error', async () => {
    await expect(renderView(Buffer.from('not an image'), 'mirror')).rejects.toThrow(/unsupported image format|Input buffer/i);
  });

  it('every view name of the contract renders', async () => {
    for (const view of TRAINING_VIEW_NAMES) expect((await renderView(await gradientPng(), view)).length).toBeGreaterThan(0);
  });

  it('appends each view’s rows with their labels and domains, and pins the gallery to the original rows', () => {
    const data = clusteredData({ classes: 3, perClass: 4, dim: 8, seed: 2 });
    const n = data.train.labels.length;
    const view = Float32Array.from(data.train.features, (x) => -x);
    const out = withViewRows(data, [view, view]);
    expect(out.train.labels.length).toBe(3 * n);
    expect([...out.train.labels.subarray(n, 2 * n)]).toEqual([...data.train.labels]);
    expect([...out.train.domains.subarray(2 * n)]).toEqual([...data.train.domains]);
    expect([...out.train.features.subarray(n * 8, n * 8 + 8)]).toEqual([...view.subarray(0, 8)]);
    expect(out.gallery).toBe(data.train);
    expect(withViewRows(data, [])).toBe(data);
    expect(() => withViewRows(data, [view.subarray(8)])).toThrow(/view 0 has/);
  });

  it('data.views takes the contract’s view names only', () => {
    expect(parseTrainingConfig({ data: { views: ['mirror', 'zoom-80'] } }).data.views).toEqual(['mirror', 'zoom-80']);
    expect(parseTrainingConfig().data.views).toEqual([]);
    expect(() => parseTrainingConfig({ data: { views: ['sideways' as 'mirror'] } })).toThrow(/data\.views\.0/);
  });
});
