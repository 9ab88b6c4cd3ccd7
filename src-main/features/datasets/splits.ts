import { createHash } from 'node:crypto';
import type { Split, SplitRatios } from '../../../src-shared/contract/index.js';

export const SPLITS: readonly Split[] = ['train', 'valid', 'test'];

export type SplitCounts = Record<Split, number>;

/** A product's place in the seeded order: the same (seed, id) always sorts the same. */
function rank(seed: number, productId: string): string {
  return createHash('sha256').update(`${seed}:${productId}`).digest('hex');
}

/**
 * Splits for products joining a dataset, without moving anyone already in it. The
 * newcomers are taken in a seeded order (a hash of seed and id, so the order does not
 * depend on how the selection was listed), and each goes to the split furthest below its
 * share of the dataset's size at that moment: 10 products at 80/10/10 give exactly 8/1/1,
 * which a per-product coin toss would not (with 10 products it is 7/3/0 as often as not).
 * Ties go train, then valid, then test.
 */
export function assignSplits(current: Readonly<SplitCounts>, productIds: readonly string[], ratios: SplitRatios, seed: number): Map<string, Split> {
  const counts: SplitCounts = { ...current };
  let total = counts.train + counts.valid + counts.test;
  const out = new Map<string, Split>();
  const ordered = [...new Set(productIds)].map((id) => ({ id, key: rank(seed, id) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { id } of ordered) {
    total++;
    let best: Split = 'train';
    let bestDeficit = -Infinity;
    for (const s of SPLITS) {
      if (ratios[s] <= 0) continue;
      const deficit = ratios[s] * total - counts[s];
      if (deficit > bestDeficit + 1e-9) {
        best = s;
        bestDeficit = deficit;
      }
    }
    counts[best]++;
    out.set(id, best);
  }
  return out;
}
