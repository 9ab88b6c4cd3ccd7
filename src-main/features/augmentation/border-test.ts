import type { AugmentConfig } from './config.js';
import { DEFAULT_AUGMENT_CONFIG } from './config.js';
import { decode, type Box, type RawImage } from './raw-image.js';

/**
 * The border test that tells a raw, letterboxed shelf photo (padded with black to a
 * square) from a clean product photo: the four edge strips (top, bottom, left, right),
 * `strip` pixels wide, all have a mean grey below `maxMeanGrey`.
 *
 * All four must be dark, as specified: a photo padded on two sides only (top and bottom,
 * say) has image content in its other two strips and counts as clean.
 */
export interface BorderReading {
  letterboxed: boolean;
  /** Mean grey (Rec. 601 luma, 0–255) of each strip. */
  strips: { top: number; bottom: number; left: number; right: number };
}

export function readBorders(img: RawImage, cfg: AugmentConfig['letterbox'] = DEFAULT_AUGMENT_CONFIG.letterbox): BorderReading {
  const s = Math.min(cfg.strip, img.width, img.height);
  const { width, height } = img;
  const strips = {
    top: meanGrey(img, { x: 0, y: 0, width, height: s }),
    bottom: meanGrey(img, { x: 0, y: height - s, width, height: s }),
    left: meanGrey(img, { x: 0, y: 0, width: s, height }),
    right: meanGrey(img, { x: width - s, y: 0, width: s, height }),
  };
  const letterboxed = Object.values(strips).every((m) => m < cfg.maxMeanGrey);
  return { letterboxed, strips };
}

/** True for a raw, letterboxed photo (see readBorders). */
export function isLetterboxed(img: RawImage, cfg?: AugmentConfig['letterbox']): boolean {
  return readBorders(img, cfg).letterboxed;
}

/** The border test on encoded bytes (JPEG, PNG, WebP…), EXIF orientation applied. */
export async function readBordersOf(bytes: Uint8Array, cfg?: AugmentConfig['letterbox']): Promise<BorderReading> {
  return readBorders(await decode(bytes, false), cfg);
}

/** Rec. 601 luma, as PIL's convert('L') and OpenCV's RGB2GRAY weigh the channels. */
export function greyAt(data: Uint8Array, i: number, channels: number): number {
  if (channels < 3) return data[i]!;
  // Integer weights, as PIL does: a grey pixel's luma is exactly its value.
  return (299 * data[i]! + 587 * data[i + 1]! + 114 * data[i + 2]!) / 1000;
}

function meanGrey(img: RawImage, box: Box): number {
  let sum = 0;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) sum += greyAt(img.data, (y * img.width + x) * img.channels, img.channels);
  }
  return sum / (box.width * box.height);
}

/**
 * The photo inside its black bars: the first to last row and column whose mean grey
 * reaches `maxMeanGrey`. The whole image when nothing is dark.
 */
export function contentBox(img: RawImage, cfg: AugmentConfig['letterbox'] = DEFAULT_AUGMENT_CONFIG.letterbox): Box {
  const { width, height, channels, data } = img;
  const rows = new Float64Array(height);
  const cols = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = greyAt(data, (y * width + x) * channels, channels);
      rows[y]! += g;
      cols[x]! += g;
    }
  }
  const lit = (sums: Float64Array, n: number) => {
    let first = sums.findIndex((v) => v / n >= cfg.maxMeanGrey);
    let last = sums.length - 1;
    while (last > 0 && sums[last]! / n < cfg.maxMeanGrey) last--;
    if (first < 0) [first, last] = [0, sums.length - 1];
    return [first, last] as const;
  };
  const [y0, y1] = lit(rows, width);
  const [x0, x1] = lit(cols, height);
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}
