import { beforeAll, describe, expect, it } from 'vitest';
import { choleskyInPlace, fitLda, ldaProject, symmetricEigen } from '../../../src-main/features/training/lda.js';
import { recallAtK } from '../../../src-main/features/training/evaluate.js';
import { useTfBackend } from '../../../src-main/features/training/tf-backend.js';
import { clusteredData } from './helpers.js';

beforeAll(async () => {
  await useTfBackend('wasm');
});

describe('LDA reference', () => {
  it('Cholesky factors a known SPD matrix', () => {
    // A = L·Lᵀ with L = [[2,0,0],[1,3,0],[−1,2,1]].
    const a = Float64Array.from([4, 2, -2, 2, 10, 5, -2, 5, 6]);
    choleskyInPlace(a, 3);
    expect(Array.from(a)).toEqual([2, 0, 0, 1, 3, 0, -1, 2, 1].map((v) => expect.closeTo(v, 12)));
    expect(() => choleskyInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });

  it('Jacobi eigen-decomposition recovers eigenpairs, largest first', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(Array.from(values)).toEqual([5, 3, 1].map((v) => expect.closeTo(v, 10)));
    // The eigenvector of 3 is (1, 1, 0)/√2 up to sign.
    expect(Math.abs(vectors[0 * 3 + 1]!)).toBeCloseTo(Math.SQRT1_2, 10);
    expect(Math.abs(vectors[1 * 3 + 1]!)).toBeCloseTo(Math.SQRT1_2, 10);
  });

  it('separates noisy clusters better than the raw features', () => {
    const data = clusteredData({ classes: 10, perClass: 30, dim: 64, seed: 8, noise: 3, valid: 10 });
    const raw = recallAtK({ vectors: data.train.features, labels: data.train.labels }, { vectors: data.valid.features, labels: data.valid.labels }, 64, [1])[1]!;
    const model = fitLda(data.train, 10, 0.1);
    expect(model.outputDim).toBe(9);
    const projected = recallAtK({ vectors: ldaProject(model, data.train.features), labels: data.train.labels }, { vectors: ldaProject(model, data.valid.features), labels: data.valid.labels }, 9, [1])[1]!;
    expect(projected).toBeGreaterThan(raw + 0.1);
  });
});
