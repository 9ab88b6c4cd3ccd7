/**
 * The trained head on frozen features: dropout (training only) → linear projection →
 * L2 normalisation, and the ArcFace classifier used only to train it. Forward passes are
 * TF.js ops, so TF.js's autodiff gives every gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from './config.js';
import type { Rng } from './rng.js';

export const PARAM = {
  kernel: 'projection/kernel',
  bias: 'projection/bias',
  classWeights: 'arcface/weight',
} as const;

/** The parameters that map a feature vector to an embedding (what is exported). */
export const EMBEDDING_PARAMS = [PARAM.kernel, PARAM.bias] as const;

export interface HeadShape {
  inputDim: number;
  projectionDim: number;
  classes: number;
}

export interface NamedArray {
  shape: number[];
  values: Float32Array;
}

/** The embedding part of a head as plain arrays: what the exporter and the manifest need. */
export interface HeadWeights {
  inputDim: number;
  projectionDim: number;
  /** Row-major [inputDim, projectionDim]. */
  kernel: Float32Array;
  bias: Float32Array;
}

/** Xavier/Glorot-uniform, as PyTorch's nn.init.xavier_uniform_ (and arcface-pytorch's class weights). */
function glorotUniform(fanIn: number, fanOut: number, count: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

/** Initial parameter values, drawn from `rng` only (not TF.js's generator) so a seed fixes them. */
export function initialHeadParams(shape: HeadShape, rng: Rng): Map<string, NamedArray> {
  const { inputDim, projectionDim, classes } = shape;
  return new Map<string, NamedArray>([
    [PARAM.kernel, { shape: [inputDim, projectionDim], values: glorotUniform(inputDim, projectionDim, inputDim * projectionDim, rng) }],
    [PARAM.bias, { shape: [projectionDim], values: new Float32Array(projectionDim) }],
    [PARAM.classWeights, { shape: [classes, projectionDim], values: glorotUniform(projectionDim, classes, classes * projectionDim, rng) }],
  ]);
}

/** Rows divided by their L2 norm (the norm floored at 1e-12, as F.normalize does). */
export function l2NormaliseRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), 1e-12));
}

/** A dropout mask (0 or 1/(1−p)) drawn from `rng`, so dropout is reproducible and resumable. */
export function dropoutMask(rows: number, cols: number, rate: number, rng: Rng): Float32Array {
  const mask = new Float32Array(rows * cols);
  if (rate <= 0) return mask.fill(1);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < rate ? 0 : keep;
  return mask;
}

/** L2-normalised embeddings of feature rows `x` [n, inputDim]; `mask` applies dropout. */
export function embed(params: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor2D {
  const kernel = params.get(PARAM.kernel) as tf.Tensor2D;
  const bias = params.get(PARAM.bias) as tf.Tensor1D;
  const input = mask ? tf.mul(x, mask) : x;
  return l2NormaliseRows(tf.add(tf.matMul(input, kernel), bias));
}

/**
 * ArcFace logits (Deng et al. 2019; margin handling as in ronghuaiyang/arcface-pytorch
 * metrics.py): cos θ against the L2-normalised class weights; the target class's logit
 * becomes cos(θ + m) — with the easy margin only where cos θ > 0 (cos θ elsewhere),
 * otherwise where cos θ > cos(π − m) (cos θ − m·sin m elsewhere) — and all are scaled by s.
 */
export function arcFaceLogits(embeddings: tf.Tensor2D, classWeights: tf.Tensor2D, labels: tf.Tensor1D, cfg: TrainingConfig['arcface']): tf.Tensor2D {
  const { scale, margin, easyMargin } = cfg;
  const cosine = tf.clipByValue(tf.matMul(embeddings, l2NormaliseRows(classWeights), false, true), -1 + 1e-6, 1 - 1e-6);
  // Clipped above so sin θ stays away from 0, where √ has an infinite slope (a NaN source).
  const sine = tf.sqrt(tf.sub(1, tf.square(cosine)));
  const phi = tf.sub(tf.mul(cosine, Math.cos(margin)), tf.mul(sine, Math.sin(margin)));
  // tf.step (1 where x > 0, else 0; zero gradient) selects, because TF.js cannot
  // differentiate through the boolean of tf.greater + tf.where.
  const threshold = easyMargin ? 0 : Math.cos(Math.PI - margin);
  const useMargin = tf.step(tf.sub(cosine, threshold));
  const fallback = easyMargin ? cosine : tf.sub(cosine, Math.sin(Math.PI - margin) * margin);
  const shifted = tf.add(tf.mul(useMargin, phi), tf.mul(tf.sub(1, useMargin), fallback));
  const oneHot = tf.oneHot(labels, classWeights.shape[0]).toFloat();
  return tf.mul(tf.add(tf.mul(oneHot, shifted), tf.mul(tf.sub(1, oneHot), cosine)), scale) as tf.Tensor2D;
}

/** Mean cross-entropy of the ArcFace logits with label smoothing ε (targets (1−ε)·onehot + ε/C). */
export function arcFaceLoss(embeddings: tf.Tensor2D, classWeights: tf.Tensor2D, labels: tf.Tensor1D, config: Pick<TrainingConfig, 'arcface' | 'labelSmoothing'>): tf.Scalar {
  const logits = arcFaceLogits(embeddings, classWeights, labels, config.arcface);
  const oneHot = tf.oneHot(labels, classWeights.shape[0]).toFloat();
  return tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, config.labelSmoothing) as tf.Scalar;
}

/** Embeds rows in chunks with plain arrays in and out (evaluation, centroids, export checks). */
export function embedRows(weights: HeadWeights, features: Float32Array, chunkRows = 1024): Float32Array {
  const { inputDim, projectionDim } = weights;
  const rows = features.length / inputDim;
  const out = new Float32Array(rows * projectionDim);
  const kernel = tf.tensor2d(weights.kernel, [inputDim, projectionDim]);
  const bias = tf.tensor1d(weights.bias);
  const params = new Map<string, tf.Tensor>([
    [PARAM.kernel, kernel],
    [PARAM.bias, bias],
  ]);
  try {
    for (let r = 0; r < rows; r += chunkRows) {
      const n = Math.min(chunkRows, rows - r);
      const part = tf.tidy(() => embed(params, tf.tensor2d(features.subarray(r * inputDim, (r + n) * inputDim), [n, inputDim])).dataSync());
      out.set(part, r * projectionDim);
    }
  } finally {
    kernel.dispose();
    bias.dispose();
  }
  return out;
}
