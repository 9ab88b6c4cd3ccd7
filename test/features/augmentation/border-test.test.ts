/**
 * The border test on real photos: grocery photos padded with black on all four sides are
 * raw (letterboxed); the photos themselves are clean.
 */
import fs from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { contentBox, isLetterboxed, readBorders, readBordersOf } from '../../../src-main/features/augmentation/border-test.js';
import { decode } from '../../../src-main/features/augmentation/raw-image.js';
import { datasetMissing, letterboxed, pickPhotos } from './fixtures.js';
import { paintRect, solid } from './patterns.js';

const missing = datasetMissing();
if (missing) console.warn(`border test on grocery photos skipped: ${missing}`);

describe.skipIf(missing)('on grocery photos', () => {
  const photos = missing ? [] : [...pickPhotos('train', 30), ...pickPhotos('val', 20)];

  it('the photos themselves are clean (50 photos across train and val)', async () => {
    for (const file of photos) {
      const reading = await readBordersOf(fs.readFileSync(file));
      expect(reading.letterboxed, `${file}: ${JSON.stringify(reading.strips)}`).toBe(false);
    }
  });

  it('padded with black on all four sides they are letterboxed, whatever the padding from 10 px up', async () => {
    for (const [i, file] of photos.entries()) {
      const lb = await letterboxed(file, [10, 16, 40][i % 3]!);
      const reading = await readBordersOf(lb.jpeg);
      expect(reading.letterboxed, `${file}: ${JSON.stringify(reading.strips)}`).toBe(true);
      // …and the content box finds the photo inside its bars (JPEG ringing may take a pixel).
      const box = contentBox(await decode(lb.jpeg, false));
      expect(Math.abs(box.x - lb.inner.x)).toBeLessThanOrEqual(2);
      expect(Math.abs(box.y - lb.inner.y)).toBeLessThanOrEqual(2);
      expect(Math.abs(box.width - lb.inner.width)).toBeLessThanOrEqual(4);
      expect(Math.abs(box.height - lb.inner.height)).toBeLessThanOrEqual(4);
    }
  });

  it('padding narrower than the strip, or on two sides only, does not count (all four strips must be dark)', async () => {
    const [file] = photos;
    const thin = await letterboxed(file!, 3);
    // A square photo padded by 3 px: the 10 px strips still hold 7 px of photo.
    expect((await readBordersOf(thin.jpeg)).letterboxed).toBe(false);
    const topBottom = await sharp(file!).extend({ top: 40, bottom: 40, background: '#000' }).jpeg().toBuffer();
    const reading = await readBordersOf(topBottom);
    expect(reading.strips.top).toBeLessThan(10);
    expect(reading.strips.bottom).toBeLessThan(10);
    expect(reading.letterboxed).toBe(false);
  });
});

describe('on patterns', () => {
  it('the threshold is the mean grey of each strip, strictly below 10', () => {
    const framed = (edge: number) => paintRect(solid(100, 80, edge), 10, 10, 90, 70, 180);
    expect(isLetterboxed(framed(9))).toBe(true);
    expect(isLetterboxed(framed(10))).toBe(false);
    expect(readBorders(framed(4)).strips).toEqual({ top: 4, bottom: 4, left: 4, right: 4 });
    // One bright strip is enough to make it clean.
    const img = framed(0);
    paintRect(img, 90, 0, 100, 80, 255);
    expect(isLetterboxed(img)).toBe(false);
  });
});
