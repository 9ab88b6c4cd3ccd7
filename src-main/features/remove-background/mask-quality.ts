/**
 * Is this cut-out shippable? A score of the model's mask with a verdict: `ok`, or
 * `needs_review` with machine-readable reasons and the values that tripped them, so a
 * batch never reports an empty canvas, a see-through ghost or a pile of fragments as done.
 *
 * Score the model's raw mask (before refineMask): refinement hides the uncertainty
 * that this measures. Thresholds were calibrated on grocery-store photos labelled by
 * eye (see test/features/remove-background/quality-labels.json and calibrate-quality.ts).
 */

import { blockIndex } from './refine-box.js';

export type QualityCode =
  /** Almost nothing is subject: value = subject share, below threshold. */
  | 'empty'
  /** The subject is a speck of the frame: value = subject share, below threshold. */
  | 'tiny_subject'
  /** Much of what the model half-believes is subject is neither solid nor clear: value = uncertain share, above threshold. */
  | 'mostly_uncertain'
  /** The subject runs off the frame on several sides (a shelf, a pile, the whole photo): value = share of the border that is subject, above threshold. */
  | 'touches_border'
  /** The subject covers most of the frame and runs off it (a heap, a crate): value = subject share, above threshold (checked only when some of the border is subject). */
  | 'fills_frame'
  /** The subject is several separate pieces: value = the largest piece's share of the subject, below threshold. */
  | 'fragmented';

export interface QualityReason {
  code: QualityCode;
  value: number;
  threshold: number;
}

export interface MaskMetrics {
  /** Pixels with alpha ≥ 128, over all pixels. */
  subjectShare: number;
  /** Of the pixels with alpha ≥ 32, those below 224 (neither solid nor clear). */
  uncertainShare: number;
  /** Mean of |2·alpha/255 − 1| over pixels with alpha ≥ 32: 1 when the model is sure everywhere it sees something. */
  meanConfidence: number;
  /** Image border pixels with alpha ≥ 128, over all border pixels. */
  borderShare: number;
  /** Sides of the frame on which at least a tenth of the pixels are subject. */
  sidesTouched: number;
  /** Separate pieces of subject holding at least 2% of it each (on a grid of at most 256 px). */
  pieces: number;
  /** The largest piece's share of the subject. */
  largestShare: number;
  maxAlpha: number;
}

export interface MaskQuality {
  verdict: 'ok' | 'needs_review';
  reasons: QualityReason[];
  metrics: MaskMetrics;
}

export interface QualityThresholds {
  empty: number;
  tinySubject: number;
  mostlyUncertain: number;
  touchesBorder: number;
  fillsFrame: number;
  /** The share of the border that must be subject before fills_frame is considered. */
  fillsFrameBorder: number;
  fragmented: number;
}

/** Calibrated on 84 grocery-store photos labelled by eye (calibrate-quality.ts prints the agreement). */
export const QUALITY_THRESHOLDS: QualityThresholds = {
  empty: 0.002,
  tinySubject: 0.03,
  mostlyUncertain: 0.35,
  touchesBorder: 0.2,
  fillsFrame: 0.45,
  fillsFrameBorder: 0.05,
  fragmented: 0.8,
};

const SUBJECT = 128;
const CANDIDATE = 32;
const SOLID = 224;
const GRID = 256;
const PIECE = 0.02;
const SIDE = 0.1;

/** The verdict for one mask (8-bit alpha, width × height). */
export function scoreMask(alpha: Uint8Array, width: number, height: number, thresholds: QualityThresholds = QUALITY_THRESHOLDS): MaskQuality {
  const metrics = maskMetrics(alpha, width, height);
  const reasons: QualityReason[] = [];
  const below = (code: QualityCode, value: number, threshold: number) => value < threshold && reasons.push({ code, value, threshold });
  const above = (code: QualityCode, value: number, threshold: number) => value > threshold && reasons.push({ code, value, threshold });
  if (!below('empty', metrics.subjectShare, thresholds.empty)) {
    below('tiny_subject', metrics.subjectShare, thresholds.tinySubject);
    above('mostly_uncertain', metrics.uncertainShare, thresholds.mostlyUncertain);
    above('touches_border', metrics.borderShare, thresholds.touchesBorder);
    if (metrics.borderShare > thresholds.fillsFrameBorder) above('fills_frame', metrics.subjectShare, thresholds.fillsFrame);
    below('fragmented', metrics.largestShare, thresholds.fragmented);
  }
  return { verdict: reasons.length ? 'needs_review' : 'ok', reasons, metrics };
}

export function maskMetrics(alpha: Uint8Array, width: number, height: number): MaskMetrics {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`bad size ${width}×${height}`);
  if (alpha.length !== width * height) throw new RangeError(`alpha holds ${alpha.length} bytes; ${width}×${height} needs ${width * height}`);
  // The pieces are counted on a grid of blocks (a block is subject when most of it is):
  // speckle smaller than a block is not a piece, and 12 MP costs no more than 0.3 MP.
  const block = Math.max(1, Math.ceil(Math.max(width, height) / GRID));
  const gw = Math.ceil(width / block);
  const gh = Math.ceil(height / block);
  const gridSum = new Float64Array(gw * gh);
  const blockOf = blockIndex(width, block);
  // One pass over the pixels; a histogram carries everything but the grid.
  const histogram = new Float64Array(256);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / block) * gw;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const a = alpha[i]!;
      histogram[a]!++;
      if (a >= SUBJECT) gridSum[row + blockOf[x]!]!++;
    }
  }
  let subject = 0;
  let candidate = 0;
  let uncertain = 0;
  let confidence = 0;
  let maxAlpha = 0;
  for (let a = 0; a < 256; a++) {
    const count = histogram[a]!;
    if (!count) continue;
    maxAlpha = a;
    if (a >= SUBJECT) subject += count;
    if (a >= CANDIDATE) {
      candidate += count;
      if (a < SOLID) uncertain += count;
      confidence += (count * Math.abs(2 * a - 255)) / 255;
    }
  }
  const sides = [0, 0, 0, 0];
  for (let x = 0; x < width; x++) {
    if (alpha[x]! >= SUBJECT) sides[0]!++;
    if (alpha[(height - 1) * width + x]! >= SUBJECT) sides[1]!++;
  }
  for (let y = 0; y < height; y++) {
    if (alpha[y * width]! >= SUBJECT) sides[2]!++;
    if (alpha[y * width + width - 1]! >= SUBJECT) sides[3]!++;
  }
  const border = sides[0]! + sides[1]! + sides[2]! + sides[3]!;
  const sideLengths = [width, width, height, height];
  const grid = new Uint8Array(gw * gh);
  for (let gy = 0; gy < gh; gy++)
    for (let gx = 0; gx < gw; gx++) {
      const area = (Math.min(height, (gy + 1) * block) - gy * block) * (Math.min(width, (gx + 1) * block) - gx * block);
      grid[gy * gw + gx] = gridSum[gy * gw + gx]! * 2 >= area ? 1 : 0;
    }
  const areas = pieceAreas(grid, gw, gh);
  const total = areas.reduce((s, a) => s + a, 0);
  const largest = areas.reduce((m, a) => Math.max(m, a), 0);
  return {
    subjectShare: subject / (width * height),
    uncertainShare: candidate ? uncertain / candidate : 0,
    meanConfidence: candidate ? confidence / candidate : 0,
    borderShare: border / (2 * width + 2 * height),
    sidesTouched: sides.filter((s, i) => s >= SIDE * sideLengths[i]!).length,
    pieces: areas.filter((a) => a >= PIECE * total).length,
    largestShare: total ? largest / total : 0,
    maxAlpha,
  };
}

/**
 * Areas of the 8-connected pieces of a 0/1 grid: one scan with union-find. Hand-written:
 * the one library here that labels components (OpenCV's wasm build) is megabytes of
 * asynchronously initialised code for what is thirty lines on a ≤256 px grid.
 */
function pieceAreas(grid: Uint8Array, w: number, h: number): number[] {
  const parent = new Int32Array(w * h).fill(-1);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const join = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!grid[i]) continue;
      parent[i] = i;
      // Neighbours already visited: left, and the three above.
      if (x > 0 && grid[i - 1]) join(i, i - 1);
      if (y > 0) {
        if (grid[i - w]) join(i, i - w);
        if (x > 0 && grid[i - w - 1]) join(i, i - w - 1);
        if (x < w - 1 && grid[i - w + 1]) join(i, i - w + 1);
      }
    }
  }
  const area = new Map<number, number>();
  for (let i = 0; i < grid.length; i++) if (grid[i]) area.set(find(i), (area.get(find(i)) ?? 0) + 1);
  return [...area.values()];
}
