/** The default candidate score: the centroid cosine, lowered by 3× a shortfall behind the best other product. */
import { describe, expect, it } from 'vitest';
import { CONTRAST_WEIGHT, contrast, unitMean } from '../../../src-main/features/matching/candidates.js';

const unit = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};

describe('contrast score', () => {
  const own = unitMean([unit(1, 0, 0), unit(1, 0.2, 0)]);
  const other = unit(0, 1, 0);

  it('is the centroid cosine when no other product explains the photo better', () => {
    const photo = unit(1, 0.1, 0.05);
    const cos = own.reduce((s, v, i) => s + v * photo[i]!, 0);
    expect(contrast(own, [other], photo)).toBeCloseTo(cos, 6);
    expect(contrast(own, [], photo)).toBeCloseTo(cos, 6);
  });

  it('falls by the weight times the shortfall when another product is closer, never below 0', () => {
    const photo = unit(0.6, 0.8, 0);
    const cosOwn = own.reduce((s, v, i) => s + v * photo[i]!, 0);
    const cosOther = other.reduce((s, v, i) => s + v * photo[i]!, 0);
    expect(cosOther).toBeGreaterThan(cosOwn);
    expect(contrast(own, [other], photo)).toBeCloseTo(Math.max(0, cosOwn - CONTRAST_WEIGHT * (cosOther - cosOwn)), 6);
    expect(contrast(own, [other], unit(0.1, 1, 0))).toBe(0);
  });

  it('leaves a photo already under the floor unscored against the others', () => {
    const photo = unit(0.3, 1, 0);
    expect(contrast(own, [other], photo, 0.9)).toBeCloseTo(own.reduce((s, v, i) => s + v * photo[i]!, 0), 6);
  });
});
