import { describe, expect, it } from 'vitest';
import { maskShape, type MaskStatus } from '../../../src-main/features/videos/mask-consistency.js';
import { areaScore, choosePrimary } from '../../../src-main/features/videos/primary.js';

const W = 160;
const H = 90;

/** A filled ellipse mask: centre and radii as shares of the frame; `soft` makes its inside half-transparent. */
function ellipse(cx: number, cy: number, rx: number, ry: number, soft = false) {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (((x + 0.5 - cx * W) / (rx * W)) ** 2 + ((y + 0.5 - cy * H) / (ry * H)) ** 2 <= 1) m[y * W + x] = soft ? 150 : 255;
  return maskShape(m, W, H);
}

const candidate = (id: number, shape: ReturnType<typeof ellipse>, sharpness = 100, status: MaskStatus = 'ok') => ({ id, sharpness, shape, status });

describe('primary image choice', () => {
  it('prefers a centred, whole, sharp subject of a comfortable size', () => {
    const { primary, ranking } = choosePrimary([
      candidate(1, ellipse(0.15, 0.5, 0.2, 0.35)), // cut off at the left edge
      candidate(2, ellipse(0.5, 0.5, 0.25, 0.4)), // the good one
      candidate(3, ellipse(0.5, 0.5, 0.06, 0.1)), // far away, tiny
      candidate(4, ellipse(0.5, 0.5, 0.25, 0.4), 30), // same framing, shaken
      candidate(5, ellipse(0.5, 0.5, 0.25, 0.4, true)), // a mask the model was unsure of
    ]);
    expect(primary).toBe(2);
    expect(ranking[0]!.id).toBe(2);
    const by = new Map(ranking.map((r) => [r.id, r]));
    expect(by.get(1)!.parts.border).toBeLessThan(0.5);
    expect(by.get(3)!.parts.area).toBeLessThan(0.3);
    expect(by.get(4)!.parts.sharpness).toBeCloseTo(0.3, 5);
    expect(by.get(5)!.parts.confidence).toBe(0);
    for (const id of [1, 3, 4, 5]) expect(by.get(id)!.score).toBeLessThan(by.get(2)!.score);
  });

  it('never picks a frame held for review, and gives none when no frame is ok', () => {
    const good = ellipse(0.5, 0.5, 0.25, 0.4);
    const worse = ellipse(0.3, 0.5, 0.1, 0.2);
    expect(choosePrimary([candidate(1, good, 100, 'needs_review'), candidate(2, worse)]).primary).toBe(2);
    expect(choosePrimary([candidate(1, good, 100, 'needs_review'), candidate(2, worse, 100, 'dropped')]).primary).toBeNull();
    expect(choosePrimary([]).primary).toBeNull();
  });

  it('scores the subject area: full marks between 20% and 60%, nothing at the extremes', () => {
    expect(areaScore(0.01)).toBe(0);
    expect(areaScore(0.11)).toBeCloseTo(0.5, 5);
    expect(areaScore(0.2)).toBe(1);
    expect(areaScore(0.6)).toBe(1);
    expect(areaScore(0.775)).toBeCloseTo(0.5, 5);
    expect(areaScore(0.99)).toBe(0);
  });
});
