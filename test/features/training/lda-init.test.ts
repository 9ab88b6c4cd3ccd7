import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { recallAtK } from '../../../src-main/features/training/evaluate.js';
import { embedRows, initialHeadParams, PARAM } from '../../../src-main/features/training/head.js';
import { fitLda, ldaInitialisation, ldaProject } from '../../../src-main/features/training/lda.js';
import { Rng } from '../../../src-main/features/training/rng.js';
import { useTfBackend } from '../../../src-main/features/training/tf-backend.js';
import { trainHead } from '../../../src-main/features/training/trainer.js';
import { clusteredData, maxAbsDiff } from './helpers.js';

// Noisy clusters where a random projection loses much of what LDA finds.
const classes = 10;
const dim = 64;
const projectionDim = 32;
const data = clusteredData({ classes, perClass: 30, dim, seed: 8, noise: 3, valid: 10 });
const recall1 = (gallery: Float32Array, queries: Float32Array, d: number) => recallAtK({ vectors: gallery, labels: data.train.labels }, { vectors: queries, labels: data.valid.labels }, d, [1])[1]!;
let lda: ReturnType<typeof fitLda>;
let ldaRecall: number;
beforeAll(async () => {
  await useTfBackend('wasm');
  lda = fitLda(data.train, classes, 0.1);
  ldaRecall = recall1(ldaProject(lda, data.train.features), ldaProject(lda, data.valid.features), lda.outputDim);
});
const random = () => {
  const p = initialHeadParams({ inputDim: dim, projectionDim, classes, batchNorm: false, hiddenDim: 0 }, new Rng(4));
  return { kernel: p.get(PARAM.kernel)!.values, classWeights: p.get(PARAM.classWeights)!.values };
};

describe('LDA-initialised projection', () => {
  it('embeds exactly as the LDA projection when the other columns are zero, far above a random projection', () => {
    const init = ldaInitialisation(data.train, classes, projectionDim, random(), { shrinkage: 0.1, residualScale: 0 });
    expect(init.ldaColumns).toBe(classes - 1);
    const head = { inputDim: dim, projectionDim, kernel: init.kernel, bias: init.bias };
    const embedded = embedRows(head, data.valid.features);
    const projected = ldaProject(lda, data.valid.features);
    const firstColumns = Float32Array.from({ length: projected.length }, (_, i) => embedded[Math.floor(i / lda.outputDim) * projectionDim + (i % lda.outputDim)]!);
    expect(maxAbsDiff(firstColumns, projected)).toBeLessThan(1e-4);
    expect(recall1(embedRows(head, data.train.features), embedded, projectionDim)).toBe(ldaRecall);
    const r = random();
    const randomRecall = recall1(embedRows({ inputDim: dim, projectionDim, kernel: r.kernel, bias: new Float32Array(projectionDim) }, data.train.features), embedRows({ inputDim: dim, projectionDim, kernel: r.kernel, bias: new Float32Array(projectionDim) }, data.valid.features), projectionDim);
    expect(ldaRecall).toBeGreaterThan(randomRecall + 0.1);
  });

  it('imprints each class weight as its normalised centroid of the initial embeddings', () => {
    const init = ldaInitialisation(data.train, classes, projectionDim, random(), { shrinkage: 0.1, residualScale: 0.1 });
    const embedded = embedRows({ inputDim: dim, projectionDim, kernel: init.kernel, bias: init.bias }, data.train.features);
    for (const c of [0, 7]) {
      const centroid = new Float64Array(projectionDim);
      data.train.labels.forEach((l, i) => {
        if (l === c) for (let o = 0; o < projectionDim; o++) centroid[o]! += embedded[i * projectionDim + o]!;
      });
      const norm = Math.hypot(...centroid);
      const weight = init.classWeights.subarray(c * projectionDim, (c + 1) * projectionDim);
      expect(maxAbsDiff(weight, Float32Array.from(centroid, (v) => v / norm))).toBeLessThan(1e-5);
    }
  });

  it('starts training at the LDA floor: recall after a first, nearly still epoch ≥ LDA, a random start far below', async () => {
    const base = { seed: 3, epochs: 2, batchSize: 14, projection: { dim: projectionDim }, schedule: { warmupEpochs: 1 }, optimizer: { headLr: 1e-7 }, evaluation: { galleryDomains: ['real' as const] } };
    const ldaStart = await trainHead(data, { config: { ...base, projection: { dim: projectionDim, init: 'lda' } } });
    const randomStart = await trainHead(data, { config: base });
    // The LDA's own figure against the same gallery (the real train rows).
    const real = [...data.train.domains.keys()].filter((i) => data.train.domains[i] === 0);
    const gallery = ldaProject(lda, data.train.features);
    const realGallery = { vectors: Float32Array.from(real.flatMap((i) => [...gallery.subarray(i * lda.outputDim, (i + 1) * lda.outputDim)])), labels: Int32Array.from(real, (i) => data.train.labels[i]!) };
    const floor = recallAtK(realGallery, { vectors: ldaProject(lda, data.valid.features), labels: data.valid.labels }, lda.outputDim, [1])[1]!;
    expect(ldaStart.history[0]!.recall['1']!).toBeGreaterThanOrEqual(floor);
    expect(randomStart.history[0]!.recall['1']!).toBeLessThan(floor - 0.1);
  });

  it('is refused on a head with a hidden layer', () => {
    expect(() => parseTrainingConfig({ projection: { init: 'lda', hiddenDim: 64 } })).toThrow(/projection\.init: the LDA initialisation needs a linear projection/);
  });
});
