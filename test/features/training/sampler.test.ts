import { describe, expect, it } from 'vitest';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { DOMAIN, type LabelledFeatures } from '../../../src-main/features/training/dataset.js';
import { Rng } from '../../../src-main/features/training/rng.js';
import { DomainAwareSampler, neighbourPools, ProductIndex } from '../../../src-main/features/training/sampler.js';

/**
 * 12 products on a circle at p·10° + p²·0.1° (unequal gaps, so no ties), rows spread
 * symmetrically around it; products 0–9 have 4 real + 2 synthetic rows, 10 and 11 real rows only.
 */
function circleSet(): LabelledFeatures {
  const features: number[] = [];
  const labels: number[] = [];
  const domains: number[] = [];
  for (let p = 0; p < 12; p++) {
    const rows = p < 10 ? [0, 0, 0, 0, 1, 1] : [0, 0, 0];
    rows.forEach((domain, i) => {
      const a = ((p * 10 + p * p * 0.1 + (i - (rows.length - 1) / 2) * 0.5) * Math.PI) / 180;
      features.push(Math.cos(a), Math.sin(a));
      labels.push(p);
      domains.push(domain === 0 ? DOMAIN.real : DOMAIN.synthetic);
    });
  }
  return { dimension: 2, features: Float32Array.from(features), labels: Int32Array.from(labels), domains: Uint8Array.from(domains) };
}

describe('domain-aware sampler', () => {
  const set = circleSet();
  const index = new ProductIndex(set, 12);
  const config = parseTrainingConfig().sampler;
  const pools = neighbourPools(set.features, 2, index, config.neighbourPool);

  it('orders neighbour products by centroid similarity', () => {
    // Product 6 sits at 63.6°: 5 (52.5°) and 7 (74.9°) are nearest, then 4 (41.6°), 8 (86.4°), 3 (30.9°), 9 (98.1°).
    expect(pools[6]!.slice(0, 6)).toEqual([5, 7, 4, 8, 3, 9]);
    expect(pools[0]!.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(pools[6]).toHaveLength(11);
  });

  it('pairs a real anchor with a synthetic positive with probability ≈ 0.57', () => {
    const sampler = new DomainAwareSampler(index, config);
    const rng = new Rng(7);
    let realSynthetic = 0;
    const wrong: string[] = [];
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const g = sampler.group(i % 10, pools, rng);
      if (g.kind === 'real-synthetic') {
        realSynthetic++;
        if (set.domains[g.anchor] !== DOMAIN.real || set.domains[g.positive] !== DOMAIN.synthetic) wrong.push(`draw ${i}: domains`);
      } else if (g.positive === g.anchor) wrong.push(`draw ${i}: positive is the anchor`);
      if (set.labels[g.anchor] !== i % 10 || set.labels[g.positive] !== i % 10) wrong.push(`draw ${i}: pair from another product`);
    }
    expect(wrong).toEqual([]);
    // Binomial(20000, 0.57): σ ≈ 0.0035; 4σ.
    expect(realSynthetic / draws).toBeGreaterThan(0.556);
    expect(realSynthetic / draws).toBeLessThan(0.584);
  });

  it('never makes a real→synthetic pair for a product without synthetic rows', () => {
    const sampler = new DomainAwareSampler(index, config);
    const rng = new Rng(3);
    for (let i = 0; i < 500; i++) expect(sampler.group(10 + (i % 2), pools, rng).kind).toBe('same-product');
  });

  it('draws one negative from each of the 5 nearest products ("hardest")', () => {
    const sampler = new DomainAwareSampler(index, config);
    const rng = new Rng(11);
    for (let i = 0; i < 200; i++) {
      const g = sampler.group(6, pools, rng);
      expect(g.negatives.map((r) => set.labels[r])).toEqual([5, 7, 4, 8, 3]);
    }
  });

  it('"random" draws 5 distinct products from the top-k pool', () => {
    const sampler = new DomainAwareSampler(index, { ...config, negativeSelection: 'random', neighbourPool: 8 });
    const smallPools = neighbourPools(set.features, 2, index, 8);
    const rng = new Rng(5);
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const products = sampler.group(6, smallPools, rng).negatives.map((r) => set.labels[r]!);
      expect(new Set(products).size).toBe(5);
      for (const p of products) {
        expect(smallPools[6]).toContain(p);
        seen.add(p);
      }
    }
    expect(seen.size).toBe(8);
  });

  it('plans whole groups per batch, balanced over products, and the same plan for the same seed', () => {
    const sampler = new DomainAwareSampler(index, config);
    const a = sampler.planEpoch(66, 21, pools, new Rng(42));
    const b = sampler.planEpoch(66, 21, pools, new Rng(42));
    expect(a.batches.map((x) => Array.from(x))).toEqual(b.batches.map((x) => Array.from(x)));
    // 21 rows = 3 groups of 7; 66 rows → 4 batches.
    expect(a.batches).toHaveLength(4);
    for (const batch of a.batches) expect(batch).toHaveLength(21);
    // 12 groups over 12 products: each product anchors exactly once.
    expect(new Set(a.groups.map((g) => g.product)).size).toBe(12);
    const c = sampler.planEpoch(66, 21, pools, new Rng(43));
    expect(c.batches.map((x) => Array.from(x))).not.toEqual(a.batches.map((x) => Array.from(x)));
  });
});
