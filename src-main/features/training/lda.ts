/**
 * Linear discriminant analysis as the reference a trained head must beat: fitted on
 * the train labels, it projects features onto the C−1 directions that best separate
 * the classes relative to their spread within classes.
 *
 * Regulariser: the within-class scatter is shrunk towards a scaled identity,
 *   Sw' = (1 − α)·Sw + α·(tr Sw / D)·I      (α = `shrinkage`, default 0.1),
 * which keeps it well conditioned when D (≈2,400) is close to the number of rows.
 *
 * Hand-written Cholesky and Jacobi eigen-solver because TF.js has neither (its linalg
 * offers QR and Gram–Schmidt only); the D×D scatter product itself runs in TF.js.
 * The generalised problem Sb·v = λ·Sw'·v is reduced to a C×C symmetric one:
 * with Mb the weighted, centred class means (Sb = Mb·Mbᵀ) and Z = Sw'⁻¹·Mb,
 * the eigenvectors a of Mbᵀ·Z give v = Z·a/√λ (so vᵀ·Sw'·v = 1).
 */
import * as tf from '@tensorflow/tfjs';
import { rowCount, type LabelledFeatures } from './dataset.js';
import type { HeadWeights } from './head.js';

export interface LdaModel {
  inputDim: number;
  outputDim: number;
  mean: Float64Array;
  /** Row-major [inputDim, outputDim]. */
  directions: Float32Array;
}

/** In-place lower Cholesky factor of a symmetric positive-definite row-major n×n matrix. */
export function choleskyInPlace(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error(`matrix is not positive definite (pivot ${i}: ${s})`);
        a[ri + i] = Math.sqrt(s);
      } else {
        a[ri + j] = s / a[rj + j]!;
      }
    }
    for (let j = i + 1; j < n; j++) a[ri + j] = 0;
  }
}

/** Solves L·Lᵀ·X = B for X (B row-major n×m, overwritten). */
function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k]!;
      if (lik === 0) continue;
      for (let c = 0; c < m; c++) b[i * m + c]! -= lik * b[k * m + c]!;
    }
    const d = l[i * n + i]!;
    for (let c = 0; c < m; c++) b[i * m + c]! /= d;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i]!;
      if (lki === 0) continue;
      for (let c = 0; c < m; c++) b[i * m + c]! -= lki * b[k * m + c]!;
    }
    const d = l[i * n + i]!;
    for (let c = 0; c < m; c++) b[i * m + c]! /= d;
  }
}

/** Eigenpairs of a symmetric n×n matrix by cyclic Jacobi rotations, sorted by decreasing eigenvalue. */
export function symmetricEigen(input: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = [...Array(n).keys()].sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

export function fitLda(set: LabelledFeatures, classCount: number, shrinkage = 0.1): LdaModel {
  const d = set.dimension;
  const n = rowCount(set);
  const counts = new Float64Array(classCount);
  const means = new Float64Array(classCount * d);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = set.labels[i]!;
    counts[c]! += 1;
    for (let k = 0; k < d; k++) {
      const x = set.features[i * d + k]!;
      means[c * d + k]! += x;
      mean[k]! += x;
    }
  }
  for (let k = 0; k < d; k++) mean[k]! /= n;
  const present = [...counts.keys()].filter((c) => counts[c]! > 0);
  for (const c of present) for (let k = 0; k < d; k++) means[c * d + k]! /= counts[c]!;

  // Within-class scatter Sw = Xcᵀ·Xc / N, Xc the rows minus their class mean (TF.js: the D×D product is the heavy part).
  const centred = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = set.labels[i]!;
    for (let k = 0; k < d; k++) centred[i * d + k] = set.features[i * d + k]! - means[c * d + k]!;
  }
  const sw32 = tf.tidy(() => {
    const xc = tf.tensor2d(centred, [n, d]);
    return tf.div(tf.matMul(tf.transpose(xc), xc), n).dataSync();
  });
  const sw = Float64Array.from(sw32);
  let trace = 0;
  for (let k = 0; k < d; k++) trace += sw[k * d + k]!;
  // One row per class leaves no within-class scatter: a tiny ridge keeps Sw' invertible (LDA is then the class means' PCA).
  const ridge = (shrinkage * trace) / d || 1e-6;
  for (let i = 0; i < d * d; i++) sw[i]! *= 1 - shrinkage;
  for (let k = 0; k < d; k++) sw[k * d + k]! += ridge;

  const m = present.length;
  const mb = new Float64Array(d * m);
  present.forEach((c, j) => {
    const w = Math.sqrt(counts[c]! / n);
    for (let k = 0; k < d; k++) mb[k * m + j] = w * (means[c * d + k]! - mean[k]!);
  });
  choleskyInPlace(sw, d);
  const z = Float64Array.from(mb);
  choleskySolve(sw, d, z, m);
  // S = Mbᵀ·Z, symmetric m×m.
  const s = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let acc = 0;
    for (let k = 0; k < d; k++) acc += mb[k * m + i]! * z[k * m + j]!;
    s[i * m + j] = acc;
  }
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) s[i * m + j] = s[j * m + i] = (s[i * m + j]! + s[j * m + i]!) / 2;
  const { values, vectors } = symmetricEigen(s, m);
  const out = Math.max(1, m - 1);
  const directions = new Float32Array(d * out);
  for (let o = 0; o < out; o++) {
    const scale = 1 / Math.sqrt(Math.max(values[o]!, 1e-12));
    for (let k = 0; k < d; k++) {
      let acc = 0;
      for (let j = 0; j < m; j++) acc += z[k * m + j]! * vectors[j * m + o]!;
      directions[k * out + o] = acc * scale;
    }
  }
  return { inputDim: d, outputDim: out, mean, directions };
}

/** L2-normalised LDA projections of feature rows. */
export function ldaProject(model: LdaModel, features: Float32Array): Float32Array {
  const { inputDim: d, outputDim: o } = model;
  const rows = features.length / d;
  const centred = new Float32Array(features.length);
  for (let i = 0; i < rows; i++) for (let k = 0; k < d; k++) centred[i * d + k] = features[i * d + k]! - model.mean[k]!;
  return tf.tidy(() => {
    const y = tf.matMul(tf.tensor2d(centred, [rows, d]), tf.tensor2d(model.directions, [d, o]));
    return tf.div(y, tf.maximum(tf.norm(y, 2, 1, true), 1e-12)).dataSync() as Float32Array;
  });
}

export interface LdaInitialisation {
  /** Row-major [inputDim, projectionDim]: the LDA directions first, then the random columns scaled down. */
  kernel: Float32Array;
  bias: Float32Array;
  /** Row-major [classes, projectionDim]: each class's normalised centroid of the initial embeddings (imprinting). */
  classWeights: Float32Array;
  /** How many projection columns hold LDA directions. */
  ldaColumns: number;
}

/**
 * A projection head that starts where the LDA floor is: its first columns are the LDA
 * directions (the most discriminative first), centred by the bias, so the head's
 * embeddings at step 0 rank the gallery as LDA does; ArcFace then fine-tunes from there
 * instead of from a random projection. The directions are rescaled to the random
 * columns' entry size (Glorot), which keeps AdamW's step size meaningful against them.
 * The remaining columns keep their random values times `residualScale`: exactly zero
 * columns would stay zero (with imprinted class weights their gradient is zero too).
 * The class weights are imprinted: ArcFace starts with each class's centroid, so the
 * first steps refine the space instead of undoing it to fit random class weights.
 *
 * `set` holds the rows the head sees (standardised when the head standardises inputs);
 * `random` the Glorot weights the head would otherwise start with (kernel [inputDim,
 * projectionDim], class weights [classes, projectionDim]).
 */
export function ldaInitialisation(
  set: LabelledFeatures,
  classCount: number,
  projectionDim: number,
  random: { kernel: Float32Array; classWeights: Float32Array },
  opts: { shrinkage: number; residualScale: number },
): LdaInitialisation {
  const d = set.dimension;
  if (random.kernel.length !== d * projectionDim) throw new Error(`the random kernel has ${random.kernel.length} values, not ${d}×${projectionDim}`);
  const model = fitLda(set, classCount, opts.shrinkage);
  const cols = Math.min(model.outputDim, projectionDim);
  let randomSq = 0;
  for (const v of random.kernel) randomSq += v * v;
  const randomRms = Math.sqrt(randomSq / random.kernel.length);
  let ldaSq = 0;
  for (let k = 0; k < d; k++) for (let o = 0; o < cols; o++) ldaSq += model.directions[k * model.outputDim + o]! ** 2;
  const scale = randomRms / Math.sqrt(ldaSq / (d * cols) || 1);
  const kernel = new Float32Array(d * projectionDim);
  for (let k = 0; k < d; k++) {
    for (let o = 0; o < projectionDim; o++) {
      kernel[k * projectionDim + o] = o < cols ? model.directions[k * model.outputDim + o]! * scale : random.kernel[k * projectionDim + o]! * opts.residualScale;
    }
  }
  // bias = −mean·kernel, so y = (x − mean)·kernel as ldaProject computes it (float64 sums).
  const bias = new Float32Array(projectionDim);
  for (let o = 0; o < projectionDim; o++) {
    let acc = 0;
    for (let k = 0; k < d; k++) acc += model.mean[k]! * kernel[k * projectionDim + o]!;
    bias[o] = -acc;
  }
  const n = rowCount(set);
  const embedded = tf.tidy(() => {
    const y = tf.add(tf.matMul(tf.tensor2d(set.features, [n, d]), tf.tensor2d(kernel, [d, projectionDim])), tf.tensor1d(bias));
    return tf.div(y, tf.maximum(tf.norm(y, 2, 1, true), 1e-12)).dataSync() as Float32Array;
  });
  const centroids = new Float64Array(classCount * projectionDim);
  for (let i = 0; i < n; i++) {
    const c = set.labels[i]!;
    for (let o = 0; o < projectionDim; o++) centroids[c * projectionDim + o]! += embedded[i * projectionDim + o]!;
  }
  const classWeights = new Float32Array(classCount * projectionDim);
  for (let c = 0; c < classCount; c++) {
    let norm = 0;
    for (let o = 0; o < projectionDim; o++) norm += centroids[c * projectionDim + o]! ** 2;
    // A class without train rows has no centroid: it keeps its random weight (a zero one would have an infinite normalisation slope).
    for (let o = 0; o < projectionDim; o++) classWeights[c * projectionDim + o] = norm > 0 ? centroids[c * projectionDim + o]! / Math.sqrt(norm) : random.classWeights[c * projectionDim + o]!;
  }
  return { kernel, bias, classWeights, ldaColumns: cols };
}

/**
 * The served embedding as one affine map: the LDA projection and the trained projection
 * side by side, [a·(x − mean)·D | b·(x·K + bias)], then L2-normalised as any head. The
 * cosine of two such rows is about ldaWeight·cos_LDA + (1 − ldaWeight)·cos_head: a and b
 * bring each part's mean row norm on `rows` (the train rows) to √ldaWeight and
 * √(1 − ldaWeight). Kept linear (not each part normalised on its own) so the exported
 * ONNX head stays one MatMul + Add. Linear heads only.
 */
export function headWithLdaPart(head: HeadWeights, lda: LdaModel, ldaWeight: number, rows: Float32Array): HeadWeights {
  if (head.hidden) throw new Error('an LDA part needs a linear head (no hidden layer)');
  if (lda.inputDim !== head.inputDim) throw new Error(`the LDA reads ${lda.inputDim} features, the head ${head.inputDim}`);
  if (!(ldaWeight >= 0 && ldaWeight <= 1)) throw new Error(`LDA weight ${ldaWeight} is outside 0…1`);
  const d = head.inputDim;
  const p = head.projectionDim;
  const o = lda.outputDim;
  const n = rows.length / d;
  const ldaBias = new Float32Array(o);
  for (let j = 0; j < o; j++) {
    let acc = 0;
    for (let k = 0; k < d; k++) acc -= lda.mean[k]! * lda.directions[k * o + j]!;
    ldaBias[j] = acc;
  }
  const meanNorm = (kernel: Float32Array, bias: Float32Array, width: number) =>
    tf.tidy(() => {
      const y = tf.add(tf.matMul(tf.tensor2d(rows, [n, d]), tf.tensor2d(kernel, [d, width])), tf.tensor1d(bias));
      return tf.mean(tf.norm(y, 2, 1)).dataSync()[0]!;
    });
  const a = Math.sqrt(ldaWeight) / Math.max(meanNorm(lda.directions, ldaBias, o), 1e-12);
  const b = Math.sqrt(1 - ldaWeight) / Math.max(meanNorm(head.kernel, head.bias, p), 1e-12);
  const width = o + p;
  const kernel = new Float32Array(d * width);
  for (let k = 0; k < d; k++) {
    for (let j = 0; j < o; j++) kernel[k * width + j] = a * lda.directions[k * o + j]!;
    for (let j = 0; j < p; j++) kernel[k * width + o + j] = b * head.kernel[k * p + j]!;
  }
  const bias = new Float32Array(width);
  for (let j = 0; j < o; j++) bias[j] = a * ldaBias[j]!;
  for (let j = 0; j < p; j++) bias[o + j] = b * head.bias[j]!;
  return { inputDim: d, projectionDim: width, kernel, bias };
}
