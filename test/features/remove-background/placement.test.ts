/**
 * A result's placement lines it up over its original (the viewer's before/after): on a real
 * grocery photo with a known subject mask, each crop and square result pixel inside the
 * subject, mapped back through the recorded placement, lands on the same colour in the
 * photo; the old way (the result fitted into the photo's frame) does not.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoveBackgroundOptions } from '../../../src-shared/contract/index.js';
import { BlobStore } from '../../../src-main/engine/store/blob-store.js';
import { renderOutput, type Placement } from '../../../src-main/features/remove-background/render.js';
import { tempDir } from '../../helpers/tmp.js';

const DATASET = path.resolve(import.meta.dirname, '../../../../shared/datasets/grocery-store');
const PHOTO = path.join(DATASET, 'train/Packages/Juice/Bravo-Apple-Juice/Bravo-Apple-Juice_001.jpg');
const available = existsSync(PHOTO);
if (!available) console.warn(`placement.test: skipped, ${PHOTO} is absent (the grocery-store dataset lives beside the repository)`);

interface Raw {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

async function raw(file: string): Promise<Raw> {
  const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function rgbAt(img: Raw, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * img.width + Math.round(x)) * img.channels;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

/** Mean absolute RGB difference between the photo and the result over points inside the subject, mapped by `place`. */
function meanDifference(photo: Raw, result: Raw, points: [number, number][], place: Placement): number {
  let sum = 0;
  for (const [x, y] of points) {
    const rx = ((x - place.x) / place.width) * result.width;
    const ry = ((y - place.y) / place.height) * result.height;
    const a = rgbAt(photo, x, y);
    const b = rgbAt(result, Math.min(result.width - 1, Math.max(0, rx)), Math.min(result.height - 1, Math.max(0, ry)));
    sum += (Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2])) / 3;
  }
  return sum / points.length;
}

/** How a result filled the photo's frame before placements: scaled to fit, centred. */
function containFit(photo: Raw, result: Raw): Placement {
  const k = Math.min(photo.width / result.width, photo.height / result.height);
  const width = result.width * k;
  const height = result.height * k;
  return { x: (photo.width - width) / 2, y: (photo.height - height) / 2, width, height };
}

describe.skipIf(!available)('result placement', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: BlobStore;
  let photo: Raw;
  let mask: { data: Uint8Array; width: number; height: number };
  const points: [number, number][] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    store = new BlobStore(dir);
    await store.init();
    photo = await raw(PHOTO);
    const { width: W, height: H } = photo;
    // An off-centre subject, so a square canvas moves it and a crop cuts around it.
    const cx = W * 0.4;
    const cy = H * 0.55;
    const rx = W * 0.17;
    const ry = H * 0.25;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="#000"/><ellipse cx="${cx}" cy="${cy}" rx="${rx}" ry="${ry}" fill="#fff"/></svg>`;
    const m = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
    mask = { data: new Uint8Array(m.data.buffer, m.data.byteOffset, m.info.width * m.info.height), width: m.info.width, height: m.info.height };
    // Points well inside the subject (the edge band is refined and decontaminated).
    for (let i = 0; i < 240; i++) {
      const a = (i * 2.399963) % (2 * Math.PI);
      const r = 0.7 * Math.sqrt((i + 0.5) / 240);
      points.push([cx + Math.cos(a) * rx * r, cy + Math.sin(a) * ry * r]);
    }
  });

  afterAll(async () => {
    await cleanup?.();
  });

  for (const preset of ['crop', 'square', 'cutout'] as const) {
    it(`${preset}: the recorded placement maps the result onto the photo`, async () => {
      const options = RemoveBackgroundOptions.parse({ preset, format: 'png' });
      const out = await renderOutput(PHOTO, mask, options, store);
      expect(out.placement).not.toBeNull();
      const result = await raw(store.pathOf(out.sha256));
      expect([result.width, result.height]).toEqual([out.width, out.height]);
      const aligned = meanDifference(photo, result, points, out.placement!);
      expect(aligned).toBeLessThan(6);
      if (preset === 'cutout') {
        expect(out.placement).toEqual({ x: 0, y: 0, width: photo.width, height: photo.height });
      } else {
        // The result fitted into the photo's frame (what the viewer did before) puts other pixels there.
        expect(meanDifference(photo, result, points, containFit(photo, result))).toBeGreaterThan(aligned + 15);
      }
      if (preset === 'square') {
        // The canvas is square and reaches past the photo's edges around the off-centre subject.
        expect(out.placement!.width).toBeCloseTo(out.placement!.height, 1);
        expect(out.placement!.x).toBeLessThan(photo.width * 0.4 - photo.width * 0.17);
      }
    });
  }
});
