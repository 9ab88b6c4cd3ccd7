/**
 * Backbone fine-tuning in the trainer (tail.ts): a small known layer on synthetic maps
 * whose rows' `final` slice is that layer's output, as the built-ins' cached vectors are.
 * The rows it starts from are the cached ones; the layer trains at its own learning rate;
 * its EMA weights come back; a cancelled run resumes to the same weights exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src-main/features/training/checkpoint.js';
import type { TrainingConfigInput } from '../../../src-main/features/training/config.js';
import type { TrainingData } from '../../../src-main/features/training/dataset.js';
import { Rng } from '../../../src-main/features/training/rng.js';
import { TAIL_PARAM, tailForward, tailRows, type TailShape, type TrainingTail } from '../../../src-main/features/training/tail.js';
import { useTfBackend } from '../../../src-main/features/training/tf-backend.js';
import { trainHead, type TrainingResult } from '../../../src-main/features/training/trainer.js';
import { clusteredData, maxAbsDiff } from './helpers.js';

const SHAPE: TailShape = { inChannels: 6, outChannels: 8, positions: 3, slice: { start: 16, end: 24 } };
const DIM = 32;

/** clusteredData with each row's slice [16, 24) replaced by the layer's output on a map drawn around its class's map. */
function dataWithTail(): { data: TrainingData; tail: TrainingTail } {
  const base = clusteredData({ classes: 6, perClass: 6, dim: DIM, seed: 5, noise: 1.2 });
  const rng = new Rng(11);
  const init = { kernel: Float32Array.from({ length: SHAPE.inChannels * SHAPE.outChannels }, () => rng.normal() * 0.5), bias: Float32Array.from({ length: SHAPE.outChannels }, () => 0.2 + rng.next()) };
  const size = SHAPE.positions * SHAPE.inChannels;
  const classMaps = Array.from({ length: 6 }, () => Float32Array.from({ length: size }, () => rng.normal()));
  const maps: Float32Array[] = [];
  const index = (set: TrainingData['train']) =>
    Int32Array.from(set.labels, (label) => {
      maps.push(Float32Array.from(classMaps[label]!, (x) => x + rng.normal() * 0.8));
      return maps.length - 1;
    });
  const train = index(base.train);
  const valid = index(base.valid);
  const tail: TrainingTail = { ...SHAPE, init, maps, index: { train, valid } };
  const rewrite = (features: Float32Array, idx: Int32Array) => {
    const rows = features.length / DIM;
    // The slice gets the layer's output at a fixed part length (0.4), as the built-ins' vectors have theirs (1/√6).
    for (let r = 0; r < rows; r++) for (let k = SHAPE.slice.start; k < SHAPE.slice.end; k++) features[r * DIM + k] = 0.4 / Math.sqrt(SHAPE.outChannels);
    features.set(tailRows(tail, init, features, DIM, idx));
  };
  rewrite(base.train.features, train);
  rewrite(base.valid.features, valid);
  return { data: { ...base, tail }, tail };
}

const config: TrainingConfigInput = { seed: 3, epochs: 4, batchSize: 12, projection: { dim: 12 }, schedule: { warmupEpochs: 1 }, optimizer: { headLr: 3e-3, backboneLr: 3e-3 }, sampler: { hardNegativeProducts: 2, neighbourPool: 3 }, backbone: { fineTune: true } };

describe('backbone fine-tuning in the trainer', () => {
  let data: TrainingData;
  let tail: TrainingTail;
  beforeAll(async () => {
    await useTfBackend('wasm');
    ({ data, tail } = dataWithTail());
  });
  let full: TrainingResult;
  const checkpoints: { epoch: number; step: number; bytes: Uint8Array }[] = [];

  it('starts from the cached rows: the layer at its initial weights remakes them', () => {
    expect(maxAbsDiff(tailRows(tail, tail.init, data.train.features, DIM, tail.index.train), data.train.features)).toBeLessThan(1e-6);
    // And the slice is the only part it touches: another layer changes nothing outside it.
    const other = { kernel: tail.init.kernel.map((x) => -x), bias: tail.init.bias };
    const changed = tailRows(tail, other, data.train.features, DIM, tail.index.train);
    for (let r = 0; r < 5; r++) {
      for (let k = 0; k < DIM; k++) {
        const inside = k >= SHAPE.slice.start && k < SHAPE.slice.end;
        if (!inside) expect(changed[r * DIM + k]).toBe(data.train.features[r * DIM + k]);
      }
    }
  });

  it('the loss reaches the layer: TF.js gives it a gradient', () => {
    const grads = tf.tidy(() => {
      const kernel = tf.variable(tf.tensor2d(tail.init.kernel, [SHAPE.inChannels, SHAPE.outChannels]));
      const bias = tf.variable(tf.tensor1d(tail.init.bias));
      const maps = tf.tensor3d(Float32Array.from(tail.maps.slice(0, 4).flatMap((m) => [...m])), [4, SHAPE.positions, SHAPE.inChannels]);
      const fixed = tf.tensor2d(data.train.features.subarray(0, 4 * DIM), [4, DIM]);
      const target = tf.randomNormal([4, DIM], 0, 1, 'float32', 1);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tailForward(SHAPE, kernel, bias, maps, fixed), target)) as tf.Scalar, [kernel, bias]);
      return Object.values(grads).map((g) => tf.max(tf.abs(g)).dataSync()[0]!);
    });
    for (const g of grads) expect(g).toBeGreaterThan(0);
  });

  it('trains the layer with the head and returns its EMA weights', async () => {
    full = await trainHead(data, { config, onEvent: (e) => (e.type === 'checkpoint' ? checkpoints.push(e) : undefined) });
    expect(full.status).toBe('completed');
    expect(full.tail).not.toBeNull();
    expect(maxAbsDiff(full.tail!.kernel, tail.init.kernel)).toBeGreaterThan(1e-3);
    // The checkpoint carries the layer (weights, optimiser state, EMA) like the head's parameters.
    const state = decodeCheckpoint(checkpoints.at(-1)!.bytes);
    expect(state.weights.get(TAIL_PARAM.kernel)?.length).toBe(SHAPE.inChannels * SHAPE.outChannels);
    expect(state.adamM.has(TAIL_PARAM.bias)).toBe(true);
    expect(maxAbsDiff(state.ema.get(TAIL_PARAM.kernel)!, full.tail!.kernel)).toBe(0);
  });

  it('the layer learns at optimizer.backboneLr, not the head rate', async () => {
    const slow = await trainHead(data, { config: { ...config, epochs: 2, optimizer: { headLr: 3e-3, backboneLr: 1e-9 } } });
    const fast = await trainHead(data, { config: { ...config, epochs: 2 } });
    expect(maxAbsDiff(slow.tail!.kernel, tail.init.kernel)).toBeLessThan(1e-6);
    expect(maxAbsDiff(fast.tail!.kernel, tail.init.kernel)).toBeGreaterThan(1e-4);
    // The head trained either way.
    expect(maxAbsDiff(slow.head.kernel, fast.head.kernel)).toBeGreaterThan(0);
  });

  it('a run resumed from an epoch checkpoint ends with the same layer and head, bit for bit', async () => {
    const afterEpoch2 = checkpoints.find((c) => c.epoch === 2 && c.step === 0)!;
    const resumed = await trainHead(data, { resumeFrom: afterEpoch2.bytes });
    expect(resumed.epochsCompleted).toBe(4);
    expect(Buffer.from(resumed.tail!.kernel.buffer).equals(Buffer.from(full.tail!.kernel.buffer))).toBe(true);
    expect(Buffer.from(resumed.head.kernel.buffer).equals(Buffer.from(full.head.kernel.buffer))).toBe(true);
    expect(resumed.history.map((h) => h.recall)).toEqual(full.history.map((h) => h.recall));
  });

  it('refuses a config and data that disagree, and maps that do not fit', async () => {
    await expect(trainHead(data, { config: { ...config, backbone: { fineTune: false } } })).rejects.toThrow(/does not fine-tune/);
    const { tail: _tail, ...frozen } = data;
    await expect(trainHead(frozen, { config })).rejects.toThrow(/needs the backbone maps/);
    const short = { ...data, tail: { ...tail, index: { ...tail.index, valid: tail.index.valid.subarray(1) } } };
    await expect(trainHead(short, { config })).rejects.toThrow(/indexes/);
    const bad = { ...data, tail: { ...tail, maps: [new Float32Array(3), ...tail.maps.slice(1)] } };
    await expect(trainHead(bad, { config })).rejects.toThrow(/map 0 has 3 values/);
  });
});
