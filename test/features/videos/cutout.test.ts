/**
 * The cut-out the job stores: the frame's colour with the mask as alpha, and nothing of
 * the background left under fully transparent pixels.
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearedCutout } from '../../../src-main/features/videos/cutout.js';
import { tempDir } from '../../helpers/tmp.js';

describe('cut-outs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('atolye-cutout-')));
  afterAll(() => cleanup?.());

  it('keeps the frame where alpha > 0, clears the colour where it is 0, and carries the mask as alpha exactly', async () => {
    const width = 97;
    const height = 61;
    const rgb = Buffer.alloc(width * height * 3);
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        rgb[i * 3] = (x * 5) % 256;
        rgb[i * 3 + 1] = (y * 7) % 256;
        rgb[i * 3 + 2] = 200;
        // A soft-edged disc: 0 outside, 255 inside, a ramp between (1 included).
        const d = Math.hypot(x - 48, y - 30);
        mask[i] = d < 15 ? 255 : d > 25 ? 0 : Math.max(1, Math.round(255 * (25 - d) / 10));
      }
    }
    const frame = path.join(dir, 'frame.png');
    await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(frame);
    const out = path.join(dir, 'cut.png');
    await clearedCutout({ file: frame, width, height }, mask, out);
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([width, height, 4]);
    let cleared = 0;
    for (let i = 0; i < width * height; i++) {
      expect(data[i * 4 + 3]).toBe(mask[i]);
      const expected = mask[i] === 0 ? [0, 0, 0] : [rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]];
      expect([data[i * 4], data[i * 4 + 1], data[i * 4 + 2]]).toEqual(expected);
      if (mask[i] === 0) cleared++;
    }
    expect(cleared).toBeGreaterThan(width * height * 0.4);
  });
});
