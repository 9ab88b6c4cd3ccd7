/**
 * Backbone fine-tuning in the trainer (tail.ts): small known layers on synthetic maps
 * whose rows' `final` slice is those layers' output, as the built-ins' cached vectors are.
 * The rows it starts from are the cached ones; the layers train at their own learning
 * rates (layer-wise decay below the top one); their EMA weights come back; a run resumed
 * from a checkpoint ends with the same weights exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src-main/features/training/checkpoint.js';
import type { TrainingConfigInput } from '../../../src-main/features/training/config.js';
import type { TrainingData } from '../../../src-main/features/training/dataset.js';
import { Rng } from '../../../src-main/features/training/rng.js';
import { tailDepth, tailForward, tailParam, tailRows, type TailShape, type TrainingTail } from '../../../src-main/features/training/tail.js';
import { useTfBackend } from '../../../src-main/features/training/tf-backend.js';
import { trainHead, type TrainingResult } from '../../../src-main/features/training/trainer.js';
import { clusteredData, maxAbsDiff } from './helpers.js';

const DIM = 32;
/** As the built-ins' two unlocked layers: a linear projection, then a ReLU6 convolution whose pooled output is the slice. */
const SHAPE: TailShape = {
  layers: [
    { inChannels: 6, outChannels: 5, activation: 'none' },
    { inChannels: 5, outChannels: 8, activation: 'relu6' },
  ],
  positions: 3,
  slice: { start: 16, end: 24 },
};

/** clusteredData with each row's slice [16, 24) replaced by the layers' output on a map drawn around its class's map. */
function dataWithTail(shape: TailShape): { data: TrainingData; tail: TrainingTail } {
  const base = clusteredData({ classes: 6, perClass: 6, dim: DIM, seed: 5, noise: 1.2 });
  const rng = new Rng(11);
  const init = shape.layers.map((l) => ({ kernel: Float32Array.from({ length: l.inChannels * l.outChannels }, () => rng.normal() * 0.5), bias: Float32Array.from({ length: l.outChannels }, () => 0.2 + rng.next()) }));
  const size = shape.positions * shape.layers[0]!.inChannels;
  const classMaps = Array.from({ length: 6 }, () => Float32Array.from({ length: size }, () => rng.normal()));
  const maps: Float32Array[] = [];
  const index = (set: TrainingData['train']) =>
    Int32Array.from(set.labels, (label) => {
      maps.push(Float32Array.from(classMaps[label]!, (x) => x + rng.normal() * 0.8));
      return maps.length - 1;
    });
  const train = index(base.train);
  const valid = index(base.valid);
  const tail: TrainingTail = { ...shape, init, maps, index: { train, valid } };
  const out = shape.layers.at(-1)!.outChannels;
  const rewrite = (features: Float32Array, idx: Int32Array) => {
    const rows = features.length / DIM;
    // The slice gets the layers' output at a fixed part length (0.4), as the built-ins' vectors have theirs (1/√6).
    for (let r = 0; r < rows; r++) for (let k = shape.slice.start; k < shape.slice.end; k++) features[r * DIM + k] = 0.4 / Math.sqrt(out);
    features.set(tailRows(tail, init, features, DIM, idx));
  };
  rewrite(base.train.features, train);
  rewrite(base.valid.features, valid);
  return { data: { ...base, tail }, tail };
}

const config: TrainingConfigInput = {
  seed: 3,
  epochs: 4,
  batchSize: 12,
  projection: { dim: 12 },
  schedule: { warmupEpochs: 1 },
  optimizer: { headLr: 3e-3, backboneLr: 3e-3 },
  sampler: { hardNegativeProducts: 2, neighbourPool: 3 },
  backbone: { fineTune: true, layers: 2 },
};

describe('backbone fine-tuning in the trainer', () => {
  let data: TrainingData;
  let tail: TrainingTail;
  beforeAll(async () => {
    await useTfBackend('wasm');
    ({ data, tail } = dataWithTail(SHAPE));
  });
  let full: TrainingResult;
  const checkpoints: { epoch: number; step: number; bytes: Uint8Array }[] = [];

  it('starts from the cached rows: the layers at their initial weights remake them, and touch nothing else', () => {
    expect(maxAbsDiff(tailRows(tail, tail.init, data.train.features, DIM, tail.index.train), data.train.features)).toBeLessThan(1e-6);
    const other = tail.init.map((w) => ({ kernel: w.kernel.map((x) => -x), bias: w.bias }));
    const changed = tailRows(tail, other, data.train.features, DIM, tail.index.train);
    let inside = 0;
    for (let r = 0; r < 5; r++) {
      for (let k = 0; k < DIM; k++) {
        if (k >= SHAPE.slice.start && k < SHAPE.slice.end) inside = Math.max(inside, Math.abs(changed[r * DIM + k]! - data.train.features[r * DIM + k]!));
        else expect(changed[r * DIM + k]).toBe(data.train.features[r * DIM + k]);
      }
    }
    expect(inside).toBeGreaterThan(1e-3);
  });

  it('the loss reaches every layer: TF.js gives each a gradient', () => {
    const grads = tf.tidy(() => {
      const vars = SHAPE.layers.map((l, i) => ({ kernel: tf.variable(tf.tensor2d(tail.init[i]!.kernel, [l.inChannels, l.outChannels])), bias: tf.variable(tf.tensor1d(tail.init[i]!.bias)) }));
      const maps = tf.tensor3d(Float32Array.from(tail.maps.slice(0, 4).flatMap((m) => [...m])), [4, SHAPE.positions, SHAPE.layers[0]!.inChannels]);
      const fixed = tf.tensor2d(data.train.features.subarray(0, 4 * DIM), [4, DIM]);
      const target = tf.randomNormal([4, DIM], 0, 1, 'float32', 1);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tailForward(SHAPE, vars, maps, fixed), target)) as tf.Scalar, vars.flatMap((v) => [v.kernel, v.bias]));
      return Object.values(grads).map((g) => tf.max(tf.abs(g)).dataSync()[0]!);
    });
    expect(grads).toHaveLength(4);
    for (const g of grads) expect(g).toBeGreaterThan(0);
  });

  it('trains the layers with the head and returns their EMA weights; the checkpoint carries them', async () => {
    full = await trainHead(data, { config, onEvent: (e) => (e.type === 'checkpoint' ? checkpoints.push(e) : undefined) });
    expect(full.status).toBe('completed');
    expect(full.tail).toHaveLength(2);
    for (const [i, w] of full.tail!.entries()) expect(maxAbsDiff(w.kernel, tail.init[i]!.kernel)).toBeGreaterThan(1e-4);
    const state = decodeCheckpoint(checkpoints.at(-1)!.bytes);
    // Named by depth from the top: layer0 is the last applied (the ReLU6 one), layer1 the one below.
    expect(state.weights.get(tailParam(0).kernel)?.length).toBe(5 * 8);
    expect(state.weights.get(tailParam(1).kernel)?.length).toBe(6 * 5);
    expect(state.adamM.has(tailParam(1).bias)).toBe(true);
    expect(maxAbsDiff(state.ema.get(tailParam(0).kernel)!, full.tail![1]!.kernel)).toBe(0);
    expect(tailDepth(tailParam(1).bias)).toBe(1);
    expect(tailDepth('projection/kernel')).toBeNull();
  });

  it('the layers learn at optimizer.backboneLr, each deeper one layerDecay times slower', async () => {
    const frozenBackbone = await trainHead(data, { config: { ...config, epochs: 2, optimizer: { headLr: 3e-3, backboneLr: 1e-9 } } });
    for (const [i, w] of frozenBackbone.tail!.entries()) expect(maxAbsDiff(w.kernel, tail.init[i]!.kernel)).toBeLessThan(1e-6);
    // A decay of ~0 leaves the deeper layer where it started while the top one trains.
    const decayed = await trainHead(data, { config: { ...config, epochs: 2, backbone: { fineTune: true, layers: 2, layerDecay: 1e-9 } } });
    expect(maxAbsDiff(decayed.tail![0]!.kernel, tail.init[0]!.kernel)).toBeLessThan(1e-6);
    expect(maxAbsDiff(decayed.tail![1]!.kernel, tail.init[1]!.kernel)).toBeGreaterThan(1e-4);
    // The head trained either way.
    expect(maxAbsDiff(frozenBackbone.head.kernel, decayed.head.kernel)).toBeGreaterThan(0);
  });

  it('a run resumed from an epoch checkpoint ends with the same layers and head, bit for bit', async () => {
    const afterEpoch2 = checkpoints.find((c) => c.epoch === 2 && c.step === 0)!;
    const resumed = await trainHead(data, { resumeFrom: afterEpoch2.bytes });
    expect(resumed.epochsCompleted).toBe(4);
    for (const [i, w] of resumed.tail!.entries()) expect(maxAbsDiff(w.kernel, full.tail![i]!.kernel)).toBe(0);
    expect(maxAbsDiff(resumed.head.kernel, full.head.kernel)).toBe(0);
    expect(resumed.history.map((h) => h.recall)).toEqual(full.history.map((h) => h.recall));
  });

  it('refuses a config and data that disagree, and maps that do not fit', async () => {
    await expect(trainHead(data, { config: { ...config, backbone: { fineTune: false } } })).rejects.toThrow(/does not fine-tune/);
    await expect(trainHead(data, { config: { ...config, backbone: { fineTune: true, layers: 1 } } })).rejects.toThrow(/for 2 layer\(s\), the config unlocks 1/);
    const { tail: _tail, ...frozen } = data;
    await expect(trainHead(frozen, { config })).rejects.toThrow(/needs the backbone maps/);
    const short = { ...data, tail: { ...tail, index: { ...tail.index, valid: tail.index.valid.subarray(1) } } };
    await expect(trainHead(short, { config })).rejects.toThrow(/indexes/);
    const bad = { ...data, tail: { ...tail, maps: [new Float32Array(3), ...tail.maps.slice(1)] } };
    await expect(trainHead(bad, { config })).rejects.toThrow(/map 0 has 3 values/);
    const broken = { ...data, tail: { ...tail, layers: [tail.layers[0]!, { ...tail.layers[1]!, inChannels: 4 }] } };
    await expect(trainHead(broken, { config })).rejects.toThrow(/reads 4 channels/);
  });
});
