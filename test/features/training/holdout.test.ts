import { describe, expect, it } from 'vitest';
import { DOMAIN } from '../../../src-main/features/training/dataset.js';
import { smallerCluster, trainHoldout } from '../../../src-main/features/training/dev/holdout.js';
import { clusteredData } from './helpers.js';

describe('train holdouts (recipe search without the val photos)', () => {
  it('2-means holds out the smaller of two capture conditions', () => {
    // Two tight groups of one product: 6 rows near e0, 3 rows near e1.
    const dim = 4;
    const rows = [...Array(6).fill([1, 0.05, 0, 0]), ...Array(3).fill([0.05, 1, 0, 0])].map((r: number[], i) => r.map((x, k) => x + (k === 2 ? 0.01 * i : 0)));
    const f = Float32Array.from(rows.flatMap((r) => r.map((x) => x / Math.hypot(...r))));
    expect(smallerCluster(f, dim, [...Array(9).keys()])).toEqual([6, 7, 8]);
    expect(smallerCluster(f, dim, [0, 1, 6])).toEqual([]);
  });

  it('keeps the views of kept rows only, and every synthetic row in training', () => {
    const data = clusteredData({ classes: 3, perClass: 10, dim: 8, seed: 5, synthetic: 2 });
    const view = Float32Array.from(data.train.features, (_, i) => Math.floor(i / 8));
    for (const kind of ['interleaved', 'block', 'cluster'] as const) {
      const { data: split, viewFeatures } = trainHoldout(data, [view], kind);
      const held = split.valid.labels.length;
      expect(held).toBeGreaterThan(0);
      expect(split.train.labels.length + held).toBe(data.train.labels.length);
      expect([...split.valid.domains].every((d) => d === DOMAIN.real)).toBe(true);
      expect([...split.train.domains].filter((d) => d === DOMAIN.synthetic).length).toBe(6);
      // The view row i holds the source row's index: the kept views are the kept rows', in order.
      const keptSources = [...viewFeatures[0]!].filter((_, i) => i % 8 === 0);
      const keptRows = keptSources.map((r) => data.train.features.subarray(r * 8, r * 8 + 8));
      keptRows.forEach((r, i) => expect([...split.train.features.subarray(i * 8, i * 8 + 8)]).toEqual([...r]));
    }
  });
});
