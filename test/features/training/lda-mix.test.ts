import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { recallAtK } from '../../../src-main/features/training/evaluate.js';
import { embedRows, initialHeadParams, PARAM, type HeadWeights } from '../../../src-main/features/training/head.js';
import { fitLda, headWithLdaPart, ldaProject } from '../../../src-main/features/training/lda.js';
import { Rng } from '../../../src-main/features/training/rng.js';
import { useTfBackend } from '../../../src-main/features/training/tf-backend.js';
import { trainHead } from '../../../src-main/features/training/trainer.js';
import { clusteredData, maxAbsDiff } from './helpers.js';

const classes = 10;
const dim = 64;
const projectionDim = 32;
const data = clusteredData({ classes, perClass: 30, dim, seed: 8, noise: 3, valid: 10 });
let lda: ReturnType<typeof fitLda>;
beforeAll(async () => {
  await useTfBackend('wasm');
  lda = fitLda(data.train, classes, 0.1);
});

function randomHead(seed: number): HeadWeights {
  const p = initialHeadParams({ inputDim: dim, projectionDim, classes, batchNorm: false, hiddenDim: 0 }, new Rng(seed));
  return { inputDim: dim, projectionDim, kernel: p.get(PARAM.kernel)!.values, bias: Float32Array.from({ length: projectionDim }, (_, i) => 0.01 * i) };
}

/** Cosine similarities of every valid row against every train row. */
function similarities(vectors: { train: Float32Array; valid: Float32Array }, d: number): Float32Array {
  const n = data.train.labels.length;
  const q = data.valid.labels.length;
  const out = new Float32Array(q * n);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += vectors.valid[i * d + k]! * vectors.train[j * d + k]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

describe('LDA part of the served embedding (projection.ldaMix)', () => {
  it('weight 1 embeds as the LDA, weight 0 as the head, in one linear map of LDA + head width', () => {
    const head = randomHead(4);
    const onlyLda = headWithLdaPart(head, lda, 1, data.train.features);
    expect(onlyLda.projectionDim).toBe(lda.outputDim + projectionDim);
    expect(onlyLda.kernel.length).toBe(dim * (lda.outputDim + projectionDim));
    const ldaSims = similarities({ train: ldaProject(lda, data.train.features), valid: ldaProject(lda, data.valid.features) }, lda.outputDim);
    const mixedSims = similarities({ train: embedRows(onlyLda, data.train.features), valid: embedRows(onlyLda, data.valid.features) }, onlyLda.projectionDim);
    expect(maxAbsDiff(mixedSims, ldaSims)).toBeLessThan(1e-4);
    const onlyHead = headWithLdaPart(head, lda, 0, data.train.features);
    const headSims = similarities({ train: embedRows(head, data.train.features), valid: embedRows(head, data.valid.features) }, projectionDim);
    expect(maxAbsDiff(similarities({ train: embedRows(onlyHead, data.train.features), valid: embedRows(onlyHead, data.valid.features) }, onlyHead.projectionDim), headSims)).toBeLessThan(1e-4);
  });

  it('weight w brings the parts’ mean row norms on the train rows to √w and √(1 − w)', () => {
    const mixed = headWithLdaPart(randomHead(5), lda, 0.3, data.train.features);
    const width = mixed.projectionDim;
    const n = data.train.labels.length;
    let ldaNorm = 0;
    let headNorm = 0;
    for (let r = 0; r < n; r++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < width; j++) {
        let y = mixed.bias[j]!;
        for (let k = 0; k < dim; k++) y += data.train.features[r * dim + k]! * mixed.kernel[k * width + j]!;
        if (j < lda.outputDim) a += y * y;
        else b += y * y;
      }
      ldaNorm += Math.sqrt(a) / n;
      headNorm += Math.sqrt(b) / n;
    }
    expect(ldaNorm).toBeCloseTo(Math.sqrt(0.3), 4);
    expect(headNorm).toBeCloseTo(Math.sqrt(0.7), 4);
  });

  it('the trainer evaluates and returns the mixed head, deterministically for a seed', async () => {
    const config = { seed: 2, epochs: 3, batchSize: 14, projection: { dim: projectionDim, ldaMix: 0.5 }, schedule: { warmupEpochs: 1 }, evaluation: { galleryDomains: ['real' as const] } };
    const a = await trainHead(data, { config });
    const b = await trainHead(data, { config });
    expect(a.head.projectionDim).toBe(lda.outputDim + projectionDim);
    expect(maxAbsDiff(a.head.kernel, b.head.kernel)).toBe(0);
    // The last epoch's record is the returned head's recall, measured the same way.
    const real = [...data.train.domains.keys()].filter((i) => data.train.domains[i] === 0);
    const embedded = embedRows(a.head, data.train.features);
    const d = a.head.projectionDim;
    const gallery = { vectors: Float32Array.from(real.flatMap((i) => [...embedded.subarray(i * d, (i + 1) * d)])), labels: Int32Array.from(real, (i) => data.train.labels[i]!) };
    const recall = recallAtK(gallery, { vectors: embedRows(a.head, data.valid.features), labels: data.valid.labels }, d, [1])[1]!;
    expect(a.history[a.history.length - 1]!.recall['1']).toBe(recall);
    // Without the LDA part the same seed gives the plain head's width.
    const plain = await trainHead(data, { config: { ...config, projection: { dim: projectionDim } } });
    expect(plain.head.projectionDim).toBe(projectionDim);
  });

  it('works with one row per product (no within-class scatter): the LDA becomes the class means’ PCA', () => {
    const one = clusteredData({ classes: 5, perClass: 1, dim: 16, seed: 3, synthetic: 0, valid: 2 });
    const model = fitLda(one.train, 5, 0.1);
    expect(model.outputDim).toBe(4);
    const projected = ldaProject(model, one.train.features);
    const same = recallAtK({ vectors: projected, labels: one.train.labels }, { vectors: ldaProject(model, one.valid.features), labels: one.valid.labels }, 4, [1])[1]!;
    expect(same).toBeGreaterThan(0.5);
  });

  it('is refused on a head with a hidden layer', () => {
    expect(() => parseTrainingConfig({ projection: { ldaMix: 0.5, hiddenDim: 64 } })).toThrow(/projection\.ldaMix: an LDA part needs a linear projection/);
    expect(() => headWithLdaPart({ ...randomHead(1), hidden: { dim: 4, kernel: new Float32Array(dim * 4), bias: new Float32Array(4) } }, lda, 0.5, data.train.features)).toThrow(/linear head/);
  });
});
