/**
 * The trained head on frozen features: dropout (training only) → linear projection →
 * optional batch normalisation → L2 normalisation, and the ArcFace classifier used only
 * to train it. Forward passes are TF.js ops, so TF.js's autodiff gives every gradient.
 * At inference the batch norm is an affine map with its moving statistics, folded into
 * the projection, so what is exported is one MatMul + Add + L2 normalisation.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from './config.js';
import type { Rng } from './rng.js';

export const PARAM = {
  hiddenKernel: 'hidden/kernel',
  hiddenBias: 'hidden/bias',
  kernel: 'projection/kernel',
  bias: 'projection/bias',
  normGamma: 'projection/norm/gamma',
  normBeta: 'projection/norm/beta',
  classWeights: 'arcface/weight',
} as const;

/** State, not trained by the optimiser (PyTorch's buffers): batch-norm moving statistics, input standardisation. */
export const STATE = {
  movingMean: 'projection/norm/moving_mean',
  movingVariance: 'projection/norm/moving_variance',
  inputMean: 'input/mean',
  inputInvStd: 'input/inv_std',
} as const;

/** PyTorch BatchNorm1d's defaults. */
const BN_EPSILON = 1e-5;
const BN_MOMENTUM = 0.1;

export interface HeadShape {
  inputDim: number;
  projectionDim: number;
  classes: number;
  batchNorm: boolean;
  /** Width of an optional hidden ReLU layer before the projection; 0 for a linear head. */
  hiddenDim: number;
}

/**
 * Per-feature standardisation of the frozen inputs, fitted on the training rows:
 * (x − mean) / √(var + ε), with ε a hundredth of the mean variance so that features
 * (nearly) constant on the training rows are not blown up on new images.
 */
export function inputStandardisation(features: Float32Array, dim: number): { mean: Float32Array; invStd: Float32Array } {
  const rows = features.length / dim;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < dim; k++) {
      const x = features[r * dim + k]!;
      mean[k]! += x;
      sq[k]! += x * x;
    }
  }
  let meanVariance = 0;
  const variance = new Float64Array(dim);
  for (let k = 0; k < dim; k++) {
    mean[k]! /= rows;
    variance[k] = Math.max(0, sq[k]! / rows - mean[k]! ** 2);
    meanVariance += variance[k]! / dim;
  }
  const eps = 0.01 * meanVariance || 1e-12;
  return { mean: Float32Array.from(mean), invStd: Float32Array.from(variance, (v) => 1 / Math.sqrt(v + eps)) };
}

function standardised(params: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor2D): tf.Tensor2D {
  const mean = params.get(STATE.inputMean);
  const invStd = params.get(STATE.inputInvStd);
  return mean && invStd ? tf.mul(tf.sub(x, mean), invStd) : x;
}

/** The projection before any batch norm: [hidden ReLU layer →] x·kernel + bias. */
function project(params: ReadonlyMap<string, tf.Tensor>, input: tf.Tensor2D): tf.Tensor2D {
  const hiddenKernel = params.get(PARAM.hiddenKernel) as tf.Tensor2D | undefined;
  const h = hiddenKernel ? tf.relu(tf.add(tf.matMul(input, hiddenKernel), params.get(PARAM.hiddenBias)!)) : input;
  return tf.add(tf.matMul(h, params.get(PARAM.kernel) as tf.Tensor2D), params.get(PARAM.bias)!);
}

export interface NamedArray {
  shape: number[];
  values: Float32Array;
}

/** The embedding part of a head as plain arrays: what the exporter and the manifest need. */
export interface HeadWeights {
  inputDim: number;
  projectionDim: number;
  /** An optional first layer, input → ReLU(x·kernel + bias), row-major [inputDim, dim]. */
  hidden?: { dim: number; kernel: Float32Array; bias: Float32Array };
  /** Row-major [hidden.dim or inputDim, projectionDim]. */
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

/** Names of the trainable parameters of a head (the rest of its weights are state). */
export function trainableParamNames(shape: Pick<HeadShape, 'batchNorm' | 'hiddenDim'>): string[] {
  return [
    ...(shape.hiddenDim > 0 ? [PARAM.hiddenKernel, PARAM.hiddenBias] : []),
    PARAM.kernel,
    PARAM.bias,
    PARAM.classWeights,
    ...(shape.batchNorm ? [PARAM.normGamma, PARAM.normBeta] : []),
  ];
}

/** Initial trainable parameters, drawn from `rng` only (not TF.js's generator) so a seed fixes them. */
export function initialHeadParams(shape: HeadShape, rng: Rng): Map<string, NamedArray> {
  const { inputDim, projectionDim, classes, hiddenDim } = shape;
  const params = new Map<string, NamedArray>();
  if (hiddenDim > 0) {
    params.set(PARAM.hiddenKernel, { shape: [inputDim, hiddenDim], values: glorotUniform(inputDim, hiddenDim, inputDim * hiddenDim, rng) });
    params.set(PARAM.hiddenBias, { shape: [hiddenDim], values: new Float32Array(hiddenDim) });
  }
  const fanIn = hiddenDim > 0 ? hiddenDim : inputDim;
  params.set(PARAM.kernel, { shape: [fanIn, projectionDim], values: glorotUniform(fanIn, projectionDim, fanIn * projectionDim, rng) });
  params.set(PARAM.bias, { shape: [projectionDim], values: new Float32Array(projectionDim) });
  params.set(PARAM.classWeights, { shape: [classes, projectionDim], values: glorotUniform(projectionDim, classes, classes * projectionDim, rng) });
  if (shape.batchNorm) {
    params.set(PARAM.normGamma, { shape: [projectionDim], values: new Float32Array(projectionDim).fill(1) });
    params.set(PARAM.normBeta, { shape: [projectionDim], values: new Float32Array(projectionDim) });
  }
  return params;
}

/** Initial non-trainable state: batch-norm moving mean 0 and variance 1, the input standardisation when given. */
export function initialHeadState(shape: HeadShape, standardisation?: { mean: Float32Array; invStd: Float32Array }): Map<string, NamedArray> {
  const state = new Map<string, NamedArray>();
  if (shape.batchNorm) {
    state.set(STATE.movingMean, { shape: [shape.projectionDim], values: new Float32Array(shape.projectionDim) });
    state.set(STATE.movingVariance, { shape: [shape.projectionDim], values: new Float32Array(shape.projectionDim).fill(1) });
  }
  if (standardisation) {
    state.set(STATE.inputMean, { shape: [shape.inputDim], values: standardisation.mean });
    state.set(STATE.inputInvStd, { shape: [shape.inputDim], values: standardisation.invStd });
  }
  return state;
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

/**
 * L2-normalised embeddings of feature rows `x` [n, inputDim] as in inference: the
 * projection, and the batch norm (when the head has one) with its moving statistics.
 */
export function embed(params: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor2D {
  const z = standardised(params, x);
  let y = project(params, mask ? tf.mul(z, mask) : z);
  const gamma = params.get(PARAM.normGamma);
  if (gamma) {
    const mean = params.get(STATE.movingMean)!;
    const variance = params.get(STATE.movingVariance)!;
    y = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, BN_EPSILON))), gamma), params.get(PARAM.normBeta)!);
  }
  return l2NormaliseRows(y);
}

export interface TrainingForward {
  embeddings: tf.Tensor2D;
  /** The batch's mean and (biased) variance of the projection, when the head has a batch norm. */
  moments: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null;
}

/** The training-mode forward pass: dropout, and batch norm with the batch's own statistics. */
export function embedForTraining(params: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor2D, mask: tf.Tensor2D): TrainingForward {
  const y = project(params, tf.mul(standardised(params, x), mask));
  const gamma = params.get(PARAM.normGamma);
  if (!gamma) return { embeddings: l2NormaliseRows(y), moments: null };
  const { mean, variance } = tf.moments(y, 0);
  const normalised = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, BN_EPSILON))), gamma), params.get(PARAM.normBeta)!);
  return { embeddings: l2NormaliseRows(normalised as tf.Tensor2D), moments: { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D } };
}

/** Moves the batch-norm statistics towards a batch's, as PyTorch does (unbiased variance, momentum 0.1). */
export function updateMovingStatistics(state: ReadonlyMap<string, tf.Variable>, moments: { mean: tf.Tensor1D; variance: tf.Tensor1D }, batchRows: number): void {
  const mean = state.get(STATE.movingMean);
  const variance = state.get(STATE.movingVariance);
  if (!mean || !variance) return;
  tf.tidy(() => {
    const unbiased = tf.mul(moments.variance, batchRows / Math.max(1, batchRows - 1));
    mean.assign(tf.add(tf.mul(mean, 1 - BN_MOMENTUM), tf.mul(moments.mean, BN_MOMENTUM)));
    variance.assign(tf.add(tf.mul(variance, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
  });
}

/**
 * The inference map as one projection: the input standardisation and the batch norm
 * (when the head has them) folded into the kernel and bias, in float64.
 */
export function foldedHeadWeights(values: ReadonlyMap<string, Float32Array>, inputDim: number, projectionDim: number): HeadWeights {
  const kernel = values.get(PARAM.kernel);
  const bias = values.get(PARAM.bias);
  if (!kernel || !bias) throw new Error('head weights lack the projection');
  const hiddenKernel = values.get(PARAM.hiddenKernel);
  const hiddenBias = values.get(PARAM.hiddenBias);
  const gamma = values.get(PARAM.normGamma);
  // The batch norm is an affine map per output: scale and shift the last layer.
  const outScale = new Float64Array(projectionDim).fill(1);
  const outShift = new Float64Array(projectionDim);
  if (gamma) {
    const beta = values.get(PARAM.normBeta)!;
    const mean = values.get(STATE.movingMean)!;
    const variance = values.get(STATE.movingVariance)!;
    for (let j = 0; j < projectionDim; j++) {
      outScale[j] = gamma[j]! / Math.sqrt(variance[j]! + BN_EPSILON);
      outShift[j] = beta[j]! - mean[j]! * outScale[j]!;
    }
  }
  const fanIn = kernel.length / projectionDim;
  const lastKernel = new Float32Array(kernel.length);
  for (let i = 0; i < fanIn; i++) for (let j = 0; j < projectionDim; j++) lastKernel[i * projectionDim + j] = kernel[i * projectionDim + j]! * outScale[j]!;
  const lastBias = Float32Array.from(bias, (b, j) => b * outScale[j]! + outShift[j]!);
  // The input standardisation is an affine map per input: fold it into the first layer.
  const first = hiddenKernel ? { kernel: hiddenKernel, bias: hiddenBias!, width: hiddenBias!.length } : { kernel: lastKernel, bias: lastBias, width: projectionDim };
  const folded = foldInputStandardisation(first.kernel, first.bias, inputDim, first.width, values.get(STATE.inputMean), values.get(STATE.inputInvStd));
  if (!hiddenKernel) return { inputDim, projectionDim, kernel: folded.kernel, bias: folded.bias };
  return { inputDim, projectionDim, hidden: { dim: first.width, kernel: folded.kernel, bias: folded.bias }, kernel: lastKernel, bias: lastBias };
}

/** x ↦ ((x − mean)·invStd)·K + b rewritten as x·K' + b' (float64 sums). */
function foldInputStandardisation(kernel: Float32Array, bias: Float32Array, inputDim: number, width: number, mean?: Float32Array, invStd?: Float32Array): { kernel: Float32Array; bias: Float32Array } {
  if (!mean || !invStd) return { kernel: Float32Array.from(kernel), bias: Float32Array.from(bias) };
  const out = new Float32Array(kernel.length);
  const shifted = Float64Array.from(bias);
  for (let i = 0; i < inputDim; i++) {
    const inv = invStd[i]!;
    const shift = mean[i]! * inv;
    for (let j = 0; j < width; j++) {
      const k = kernel[i * width + j]!;
      out[i * width + j] = k * inv;
      shifted[j]! -= shift * k;
    }
  }
  return { kernel: out, bias: Float32Array.from(shifted) };
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
  const { inputDim, projectionDim, hidden } = weights;
  const rows = features.length / inputDim;
  const out = new Float32Array(rows * projectionDim);
  const params = new Map<string, tf.Tensor>([
    [PARAM.kernel, tf.tensor2d(weights.kernel, [hidden ? hidden.dim : inputDim, projectionDim])],
    [PARAM.bias, tf.tensor1d(weights.bias)],
  ]);
  if (hidden) {
    params.set(PARAM.hiddenKernel, tf.tensor2d(hidden.kernel, [inputDim, hidden.dim]));
    params.set(PARAM.hiddenBias, tf.tensor1d(hidden.bias));
  }
  try {
    for (let r = 0; r < rows; r += chunkRows) {
      const n = Math.min(chunkRows, rows - r);
      const part = tf.tidy(() => embed(params, tf.tensor2d(features.subarray(r * inputDim, (r + n) * inputDim), [n, inputDim])).dataSync());
      out.set(part, r * projectionDim);
    }
  } finally {
    tf.dispose([...params.values()]);
  }
  return out;
}
