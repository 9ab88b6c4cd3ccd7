/**
 * Backbone fine-tuning (config.backbone.fineTune): the backbone's last layer trained with
 * the head. The layer is the built-in embedder's final 1×1 convolution (embeddings'
 * offline-tail.ts); its input, the block-16 map of each image, is computed once per run
 * and kept in memory, and the rest of each row's vector (blocks 12 and 15, the colour
 * histogram) is the backbone's cached vector, unchanged. A row's features are then
 *   the cached vector with its `final` slice replaced by
 *   L2(mean over positions of ReLU6(map · kernel + bias)) · ‖cached final slice‖,
 * which at nsfwjs' weights is the cached vector itself (to float rounding), so the run
 * starts where the frozen head would. TF.js differentiates through it, so the head's
 * loss reaches the convolution.
 */
import * as tf from '@tensorflow/tfjs';

export const TAIL_PARAM = { kernel: 'backbone/conv_1/kernel', bias: 'backbone/conv_1/bias' } as const;

export interface TailShape {
  inChannels: number;
  outChannels: number;
  /** Spatial positions per map (h·w). */
  positions: number;
  /** The slice of the feature vector the layer's pooled output replaces: [start, end). */
  slice: { start: number; end: number };
}

export interface TailWeights {
  /** Row-major [inChannels, outChannels]. */
  kernel: Float32Array;
  bias: Float32Array;
}

/**
 * What the trainer needs to fine-tune: the layer, its initial weights, and the map of
 * every row. Maps are stored once per distinct image (and view) and referenced by index
 * from each set's rows, since the gallery repeats the train images.
 */
export interface TrainingTail extends TailShape {
  init: TailWeights;
  /** Each [positions, inChannels] row-major (NHWC of one image). */
  maps: Float32Array[];
  /** For each row of the set, the index of its map. */
  index: { train: Int32Array; valid: Int32Array; gallery?: Int32Array };
}

export function mapSize(shape: TailShape): number {
  return shape.positions * shape.inChannels;
}

/** Throws when a tail does not fit the data (sizes, indices, slice). */
export function checkTail(tail: TrainingTail, rows: { train: number; valid: number; gallery?: number }, dimension: number): void {
  const size = mapSize(tail);
  if (!(tail.slice.start >= 0 && tail.slice.end <= dimension && tail.slice.end - tail.slice.start === tail.outChannels)) throw new Error(`the tail's slice ${tail.slice.start}…${tail.slice.end} does not fit ${tail.outChannels} channels in ${dimension} features`);
  if (tail.init.kernel.length !== tail.inChannels * tail.outChannels || tail.init.bias.length !== tail.outChannels) throw new Error('the tail weights do not match its channels');
  tail.maps.forEach((m, i) => {
    if (m.length !== size) throw new Error(`map ${i} has ${m.length} values, expected ${size}`);
  });
  for (const name of ['train', 'valid', 'gallery'] as const) {
    const index = tail.index[name];
    const expected = rows[name];
    if (expected === undefined) continue;
    if (!index || index.length !== expected) throw new Error(`the tail indexes ${index?.length ?? 0} ${name} rows, the data has ${expected}`);
    for (const i of index) if (!(i >= 0 && i < tail.maps.length)) throw new Error(`${name}: map index ${i} is outside 0…${tail.maps.length - 1}`);
  }
}

/** The maps of rows `rows` of a set (through its index) as one [n, positions, inChannels] tensor. */
export function gatherMaps(tail: TrainingTail, index: Int32Array, rows: ArrayLike<number>): tf.Tensor3D {
  const size = mapSize(tail);
  const out = new Float32Array(rows.length * size);
  for (let r = 0; r < rows.length; r++) out.set(tail.maps[index[rows[r]!]!]!, r * size);
  return tf.tensor3d(out, [rows.length, tail.positions, tail.inChannels]);
}

/** Feature rows with their `final` slice recomputed from the maps (differentiable in kernel and bias). */
export function tailForward(shape: TailShape, kernel: tf.Tensor, bias: tf.Tensor, maps: tf.Tensor3D, fixed: tf.Tensor2D): tf.Tensor2D {
  const [n, dimension] = fixed.shape;
  const { positions, inChannels, outChannels, slice } = shape;
  const activated = tf.relu6(tf.add(tf.matMul(tf.reshape(maps, [n * positions, inChannels]) as tf.Tensor2D, kernel as tf.Tensor2D), bias));
  const pooled = tf.mean(tf.reshape(activated, [n, positions, outChannels]), 1) as tf.Tensor2D;
  const unit = tf.div(pooled, tf.maximum(tf.norm(pooled, 2, 1, true), 1e-12));
  // The cached slice's length: the part's weight in the joined vector (1/√6 for the built-ins).
  const scale = tf.norm(tf.slice(fixed, [0, slice.start], [n, outChannels]), 2, 1, true);
  return tf.concat([tf.slice(fixed, [0, 0], [n, slice.start]), tf.mul(unit, scale), tf.slice(fixed, [0, slice.end], [n, dimension - slice.end])], 1) as tf.Tensor2D;
}

/** tailForward over every row of a set, in chunks, with plain arrays in and out. */
export function tailRows(tail: TrainingTail, weights: TailWeights, features: Float32Array, dimension: number, index: Int32Array, chunkRows = 64): Float32Array {
  const rows = features.length / dimension;
  const out = new Float32Array(features.length);
  const kernel = tf.tensor2d(weights.kernel, [tail.inChannels, tail.outChannels]);
  const bias = tf.tensor1d(weights.bias);
  try {
    for (let r = 0; r < rows; r += chunkRows) {
      const n = Math.min(chunkRows, rows - r);
      const part = tf.tidy(() => {
        const maps = gatherMaps(tail, index, Int32Array.from({ length: n }, (_, k) => r + k));
        return tailForward(tail, kernel, bias, maps, tf.tensor2d(features.subarray(r * dimension, (r + n) * dimension), [n, dimension])).dataSync();
      });
      out.set(part, r * dimension);
    }
  } finally {
    tf.dispose([kernel, bias]);
  }
  return out;
}
