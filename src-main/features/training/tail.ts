/**
 * Backbone fine-tuning (config.backbone.fineTune): the backbone's last layers trained with
 * the head. The layers are the built-in embedder's last 1×1 convolutions (embeddings'
 * offline-tail.ts: the final one, and block 16's projection when two are unlocked); the
 * input of the deepest one, a map per image, is computed once per run and kept in memory,
 * and the rest of each row's vector (blocks 12 and 15, the colour histogram) is the
 * backbone's cached vector, unchanged. A row's features are then
 *   the cached vector with its `final` slice replaced by
 *   L2(mean over positions of the layers applied to the map) · ‖cached final slice‖,
 * which at nsfwjs' weights is the cached vector itself (to float rounding), so the run
 * starts where the frozen head would. TF.js differentiates through it, so the head's
 * loss reaches every unlocked layer.
 */
import * as tf from '@tensorflow/tfjs';

/** Parameter names of unlocked layer `i`, counted from the top (0: the final convolution), for the optimiser's layer-wise rates. */
export const tailParam = (i: number) => ({ kernel: `backbone/layer${i}/kernel`, bias: `backbone/layer${i}/bias` });
/** The depth from the top of a backbone parameter (0 for the final convolution), or null for a head parameter. */
export function tailDepth(paramName: string): number | null {
  const m = /^backbone\/layer(\d+)\//.exec(paramName);
  return m ? Number(m[1]) : null;
}

export interface TailLayerShape {
  inChannels: number;
  outChannels: number;
  activation: 'relu6' | 'none';
}

export interface TailShape {
  /** In the order they are applied: the deepest unlocked layer first, the final convolution last. */
  layers: TailLayerShape[];
  /** Spatial positions per map (h·w). */
  positions: number;
  /** The slice of the feature vector the layers' pooled output replaces: [start, end). */
  slice: { start: number; end: number };
}

export interface TailWeights {
  /** Row-major [inChannels, outChannels]. */
  kernel: Float32Array;
  bias: Float32Array;
}

/**
 * What the trainer needs to fine-tune: the layers, their initial weights (in the order
 * they are applied), and the map of every row. Maps are stored once per distinct image
 * (and view) and referenced by index from each set's rows, since the gallery repeats the
 * train images.
 */
export interface TrainingTail extends TailShape {
  init: TailWeights[];
  /** Each [positions, layers[0].inChannels] row-major (NHWC of one image). */
  maps: Float32Array[];
  /** For each row of the set, the index of its map. */
  index: { train: Int32Array; valid: Int32Array; gallery?: Int32Array };
}

export function mapSize(shape: TailShape): number {
  return shape.positions * shape.layers[0]!.inChannels;
}

/** Throws when a tail does not fit the data (sizes, indices, slice). */
export function checkTail(tail: TrainingTail, rows: { train: number; valid: number; gallery?: number }, dimension: number): void {
  const size = mapSize(tail);
  const { layers } = tail;
  if (layers.length === 0) throw new Error('the tail has no layer');
  const out = layers.at(-1)!.outChannels;
  if (!(tail.slice.start >= 0 && tail.slice.end <= dimension && tail.slice.end - tail.slice.start === out)) throw new Error(`the tail's slice ${tail.slice.start}…${tail.slice.end} does not fit ${out} channels in ${dimension} features`);
  layers.forEach((l, i) => {
    if (i > 0 && l.inChannels !== layers[i - 1]!.outChannels) throw new Error(`tail layer ${i} reads ${l.inChannels} channels, the one before makes ${layers[i - 1]!.outChannels}`);
    const w = tail.init[i];
    if (!w || w.kernel.length !== l.inChannels * l.outChannels || w.bias.length !== l.outChannels) throw new Error(`the weights of tail layer ${i} do not match its channels`);
  });
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

/** The maps of rows `rows` of a set (through its index) as one [n, positions, channels] tensor. */
export function gatherMaps(tail: TrainingTail, index: Int32Array, rows: ArrayLike<number>): tf.Tensor3D {
  const size = mapSize(tail);
  const out = new Float32Array(rows.length * size);
  for (let r = 0; r < rows.length; r++) out.set(tail.maps[index[rows[r]!]!]!, r * size);
  return tf.tensor3d(out, [rows.length, tail.positions, tail.layers[0]!.inChannels]);
}

/** Feature rows with their `final` slice recomputed from the maps (differentiable in every layer's kernel and bias). */
export function tailForward(shape: TailShape, weights: readonly { kernel: tf.Tensor; bias: tf.Tensor }[], maps: tf.Tensor3D, fixed: tf.Tensor2D): tf.Tensor2D {
  const [n, dimension] = fixed.shape;
  const { positions, layers, slice } = shape;
  let x = tf.reshape(maps, [n * positions, layers[0]!.inChannels]) as tf.Tensor2D;
  layers.forEach((l, i) => {
    const y = tf.add(tf.matMul(x, weights[i]!.kernel as tf.Tensor2D), weights[i]!.bias) as tf.Tensor2D;
    x = l.activation === 'relu6' ? tf.relu6(y) : y;
  });
  const out = layers.at(-1)!.outChannels;
  const pooled = tf.mean(tf.reshape(x, [n, positions, out]), 1) as tf.Tensor2D;
  const unit = tf.div(pooled, tf.maximum(tf.norm(pooled, 2, 1, true), 1e-12));
  // The cached slice's length: the part's weight in the joined vector (1/√6 for the built-ins).
  const scale = tf.norm(tf.slice(fixed, [0, slice.start], [n, out]), 2, 1, true);
  return tf.concat([tf.slice(fixed, [0, 0], [n, slice.start]), tf.mul(unit, scale), tf.slice(fixed, [0, slice.end], [n, dimension - slice.end])], 1) as tf.Tensor2D;
}

/** tailForward over every row of a set, in chunks, with plain arrays in and out. */
export function tailRows(tail: TrainingTail, weights: readonly TailWeights[], features: Float32Array, dimension: number, index: Int32Array, chunkRows = 64): Float32Array {
  const rows = features.length / dimension;
  const out = new Float32Array(features.length);
  const tensors = weights.map((w, i) => ({ kernel: tf.tensor2d(w.kernel, [tail.layers[i]!.inChannels, tail.layers[i]!.outChannels]), bias: tf.tensor1d(w.bias) }));
  try {
    for (let r = 0; r < rows; r += chunkRows) {
      const n = Math.min(chunkRows, rows - r);
      const part = tf.tidy(() => {
        const maps = gatherMaps(tail, index, Int32Array.from({ length: n }, (_, k) => r + k));
        return tailForward(tail, tensors, maps, tf.tensor2d(features.subarray(r * dimension, (r + n) * dimension), [n, dimension])).dataSync();
      });
      out.set(part, r * dimension);
    }
  } finally {
    tf.dispose(tensors.flatMap((t) => [t.kernel, t.bias]));
  }
  return out;
}
