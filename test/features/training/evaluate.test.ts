import { describe, expect, it } from 'vitest';
import { DOMAIN } from '../../../src-main/features/training/dataset.js';
import { RetrievalEvaluation } from '../../../src-main/features/training/evaluate.js';

/** Unit vectors on axes: a row of label L points along axis L, so retrieval is exact by label. */
function axes(labels: number[], dim: number): Float32Array {
  const v = new Float32Array(labels.length * dim);
  labels.forEach((l, i) => (v[i * dim + l] = 1));
  return v;
}

describe('RetrievalEvaluation', () => {
  it('asks synthetic→real only of products that have a real photo in the gallery', () => {
    // Train: products 0 and 1, real and synthetic. Valid: product 2 (held out), one real photo and one synthetic frame.
    const train = { labels: Int32Array.from([0, 0, 1, 1]), domains: Uint8Array.from([DOMAIN.real, DOMAIN.synthetic, DOMAIN.real, DOMAIN.synthetic]) };
    const valid = { labels: Int32Array.from([2, 2]), domains: Uint8Array.from([DOMAIN.real, DOMAIN.synthetic]) };
    const dim = 3;
    const evaluation = new RetrievalEvaluation({ train, valid }, [DOMAIN.real, DOMAIN.synthetic], [1], DOMAIN.real, DOMAIN.synthetic);
    const scores = evaluation.measure((s) => axes([...(s === 'train' ? train : valid).labels], dim), dim);
    // Product 2's frame has no real photo to find: it is left out, not counted as a miss (which gave 2/3).
    expect(scores.syntheticToReal).toEqual({ '1': 1 });
    // The valid real photo's product is not in the gallery either: a miss (the gallery is the train rows).
    expect(scores.recall['1']).toBe(0);
  });

  it('has no synthetic→real figure when no synthetic row can be answered', () => {
    const train = { labels: Int32Array.from([0, 1]), domains: Uint8Array.from([DOMAIN.real, DOMAIN.real]) };
    const valid = { labels: Int32Array.from([2, 2]), domains: Uint8Array.from([DOMAIN.real, DOMAIN.synthetic]) };
    const evaluation = new RetrievalEvaluation({ train, valid }, [DOMAIN.real], [1], DOMAIN.real, DOMAIN.synthetic);
    expect(evaluation.measure((s) => axes([...(s === 'train' ? train : valid).labels], 3), 3).syntheticToReal).toBeNull();
  });
});
