/**
 * The primary image of a product from its video: the kept frame that would make the best
 * catalog picture. Each part scores 0…1; the total is their weighted sum:
 *   sharpness   against the sharpest kept frame of the same video (0.30)
 *   area        the subject fills a comfortable share of the frame: 1 between 20% and
 *               60%, down to 0 at 2% and at 95% (0.20)
 *   centred     the subject's centroid near the frame's centre (0.15)
 *   border      the subject does not run off the frame's edges (0.20)
 *   confidence  the mask is decisive: few half-transparent pixels in the subject's box (0.15)
 * Only frames whose mask passed the consistency check (status ok) can be primary: a
 * needs_review frame is never chosen silently. With none, there is no primary and the
 * caller asks for review.
 */
import type { MaskShape, MaskStatus } from './mask-consistency.js';

export interface PrimaryCandidate {
  id: number;
  sharpness: number;
  shape: MaskShape;
  status: MaskStatus;
}

export interface PrimaryScore {
  id: number;
  score: number;
  parts: { sharpness: number; area: number; centred: number; border: number; confidence: number };
}

export const PRIMARY_WEIGHTS = { sharpness: 0.3, area: 0.2, centred: 0.15, border: 0.2, confidence: 0.15 } as const;

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

export function areaScore(area: number): number {
  if (area >= 0.2 && area <= 0.6) return 1;
  if (area < 0.2) return clamp01((area - 0.02) / (0.2 - 0.02));
  return clamp01((0.95 - area) / (0.95 - 0.6));
}

export function scorePrimary(c: PrimaryCandidate, sharpest: number): PrimaryScore {
  const s = c.shape;
  const parts = {
    sharpness: sharpest > 0 ? clamp01(c.sharpness / sharpest) : 0,
    area: areaScore(s.area),
    // Distance from the centre, 0 at the centre and 1 at a corner.
    centred: clamp01(1 - Math.hypot(s.cx - 0.5, s.cy - 0.5) / Math.SQRT1_2),
    // Any edge contact costs: 5% of the border on the subject already halves the score.
    border: clamp01(1 - s.border * 10),
    confidence: clamp01((s.decisive - 0.7) / 0.3),
  };
  const score = (Object.keys(PRIMARY_WEIGHTS) as Array<keyof typeof PRIMARY_WEIGHTS>).reduce((sum, k) => sum + PRIMARY_WEIGHTS[k] * parts[k], 0);
  return { id: c.id, score, parts };
}

/** Every candidate scored, best first; `primary` is the best ok frame, or null when none is ok. */
export function choosePrimary(candidates: readonly PrimaryCandidate[]): { primary: number | null; ranking: PrimaryScore[] } {
  const sharpest = Math.max(0, ...candidates.map((c) => c.sharpness));
  const ranking = candidates.map((c) => scorePrimary(c, sharpest)).sort((a, b) => b.score - a.score || a.id - b.id);
  const ok = new Set(candidates.filter((c) => c.status === 'ok').map((c) => c.id));
  return { primary: ranking.find((r) => ok.has(r.id))?.id ?? null, ranking };
}
