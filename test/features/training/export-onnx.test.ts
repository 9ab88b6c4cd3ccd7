import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendHeadToBackbone, buildHeadModel, HEAD_INPUT, HEAD_OUTPUT } from '../../../src-main/features/training/export-onnx.js';
import * as tf from '@tensorflow/tfjs';
import { embed, embedRows, foldedHeadWeights, initialHeadParams, initialHeadState, inputStandardisation, PARAM, STATE, type HeadWeights } from '../../../src-main/features/training/head.js';
import { Rng } from '../../../src-main/features/training/rng.js';
import { decodeCheckpoint } from '../../../src-main/features/training/checkpoint.js';
import { trainHead } from '../../../src-main/features/training/trainer.js';
import { useTfBackend } from '../../../src-main/features/training/tf-backend.js';
import { clusteredData, maxAbsDiff } from './helpers.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await useTfBackend('wasm');
});

function randomHead(inputDim: number, projectionDim: number, seed: number): HeadWeights {
  const rng = new Rng(seed);
  const p = initialHeadParams({ inputDim, projectionDim, classes: 2, batchNorm: false, hiddenDim: 0 }, rng);
  return { inputDim, projectionDim, kernel: p.get(PARAM.kernel)!.values, bias: Float32Array.from({ length: projectionDim }, () => rng.normal() * 0.1) };
}

async function runOnnx(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** A small stand-in backbone: image [N, 3, 4, 4] → Flatten → MatMul → Relu → `pooled` [N, D]; also emits `logits`. */
function toyBackbone(dim: number, seed: number, opset = 17): Uint8Array {
  const rng = new Rng(seed);
  const w = Float32Array.from({ length: 48 * dim }, () => rng.normal() * 0.2);
  const l = Float32Array.from({ length: dim * 3 }, () => rng.normal());
  const f32 = (name: string, dims: number[], values: Float32Array) => ({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer.slice(0)) });
  const info = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: opset }],
      producerName: 'toy',
      graph: {
        name: 'toy',
        node: [
          { opType: 'Flatten', input: ['image'], output: ['flat'], name: 'flatten', attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
          { opType: 'MatMul', input: ['flat', 'w'], output: ['pre'], name: 'mm' },
          { opType: 'Relu', input: ['pre'], output: ['pooled'], name: 'relu' },
          { opType: 'MatMul', input: ['pooled', 'l'], output: ['logits'], name: 'cls' },
        ],
        initializer: [f32('w', [48, dim], w), f32('l', [dim, 3], l)],
        input: [info('image', ['n', 3, 4, 4])],
        output: [info('pooled', ['n', dim]), info('logits', ['n', 3])],
      },
    }),
  ).finish();
}

describe('ONNX export of the trained head', () => {
  it('the head-only model gives the TF.js embeddings to 1e-5', async () => {
    const data = clusteredData({ classes: 5, perClass: 20, dim: 96, seed: 2 });
    const head = randomHead(96, 32, 1);
    const rows = data.train.labels.length;
    const expected = embedRows(head, data.train.features);
    const out = await runOnnx(buildHeadModel(head), { [HEAD_INPUT]: new ort.Tensor('float32', data.train.features, [rows, 96]) });
    const got = out[HEAD_OUTPUT]!;
    expect(got.dims).toEqual([rows, 32]);
    expect(maxAbsDiff(got.data as Float32Array, expected)).toBeLessThan(1e-5);
    // Unit length rows.
    for (let r = 0; r < rows; r++) expect(Math.hypot(...(got.data as Float32Array).subarray(r * 32, (r + 1) * 32))).toBeCloseTo(1, 5);
  });

  it('folds the input standardisation and a batch norm into the projection: the exported map equals the forward pass', async () => {
    const data = clusteredData({ classes: 5, perClass: 20, dim: 96, seed: 2 });
    const rng = new Rng(6);
    const shape = { inputDim: 96, projectionDim: 32, classes: 5, batchNorm: true, hiddenDim: 0 };
    const standardisation = inputStandardisation(data.train.features, 96);
    const values = new Map([...initialHeadParams(shape, rng), ...initialHeadState(shape, standardisation)].map(([k, v]) => [k, Float32Array.from(v.values)]));
    // Non-trivial statistics and affine terms, as after training.
    for (const name of [PARAM.normGamma, PARAM.normBeta, STATE.movingMean]) values.set(name, Float32Array.from({ length: 32 }, () => rng.normal() * 0.5 + (name === PARAM.normGamma ? 1 : 0)));
    values.set(STATE.movingVariance, Float32Array.from({ length: 32 }, () => 0.05 + rng.next()));
    const rows = data.train.labels.length;
    const direct = tf.tidy(() => {
      const params = new Map([...values].map(([k, v]) => [k, tf.tensor(v, k === PARAM.kernel ? [96, 32] : k === PARAM.classWeights ? [5, 32] : [v.length])]));
      return embed(params, tf.tensor2d(data.train.features, [rows, 96])).dataSync();
    });
    const folded = foldedHeadWeights(values, 96, 32);
    expect(maxAbsDiff(embedRows(folded, data.train.features), direct)).toBeLessThan(1e-5);
    const out = await runOnnx(buildHeadModel(folded), { [HEAD_INPUT]: new ort.Tensor('float32', data.train.features, [rows, 96]) });
    expect(maxAbsDiff(out[HEAD_OUTPUT]!.data as Float32Array, direct)).toBeLessThan(1e-5);
  });

  it('a trained head with a hidden layer, batch norm and standardised inputs exports to the same vectors', async () => {
    const data = clusteredData({ classes: 6, perClass: 8, dim: 48, seed: 12 });
    const result = await trainHead(data, { config: { epochs: 3, batchSize: 14, schedule: { warmupEpochs: 1 }, projection: { dim: 16, hiddenDim: 24, batchNorm: true, standardiseInputs: true } } });
    expect(result.head.hidden?.dim).toBe(24);
    // The unfolded inference pass, from the checkpoint's EMA weights and the standardisation constants.
    const state = decodeCheckpoint(result.checkpoint);
    const values = new Map([...state.ema, ...[...state.weights].filter(([k]) => k.startsWith('input/'))]);
    const rows = data.valid.labels.length;
    const direct = tf.tidy(() => embed(new Map([...values].map(([k, v]) => [k, tf.tensor(v, state.shapes[k]!)])), tf.tensor2d(data.valid.features, [rows, 48])).dataSync());
    expect(maxAbsDiff(embedRows(result.head, data.valid.features), direct)).toBeLessThan(1e-5);
    const out = await runOnnx(buildHeadModel(result.head), { [HEAD_INPUT]: new ort.Tensor('float32', data.valid.features, [rows, 48]) });
    expect(maxAbsDiff(out[HEAD_OUTPUT]!.data as Float32Array, direct)).toBeLessThan(1e-5);
  });

  it('appended to a backbone, one model gives backbone → head, and only the embedding comes out', async () => {
    const head = randomHead(40, 16, 3);
    const backbone = toyBackbone(40, 7);
    const rng = new Rng(4);
    const images = Float32Array.from({ length: 6 * 48 }, () => rng.next());
    const feeds = { image: new ort.Tensor('float32', images, [6, 3, 4, 4]) };
    expect(() => appendHeadToBackbone(backbone, head)).toThrow(/2 outputs/);
    const combined = appendHeadToBackbone(backbone, head, { backboneOutput: 'pooled' });
    const features = (await runOnnx(backbone, feeds)).pooled!.data as Float32Array;
    const out = await runOnnx(combined, feeds);
    expect(Object.keys(out)).toEqual([HEAD_OUTPUT]);
    expect(out[HEAD_OUTPUT]!.dims).toEqual([6, 16]);
    expect(maxAbsDiff(out[HEAD_OUTPUT]!.data as Float32Array, embedRows(head, features))).toBeLessThan(1e-5);
    // The backbone's feature path is carried over; its classifier, which no longer feeds an output, is dropped.
    const decoded = onnx.ModelProto.decode(combined);
    const graph = onnx.GraphProto.create(decoded.graph ?? {});
    expect(graph.node.slice(0, 4).map((n) => n.name)).toEqual(['flatten', 'mm', 'relu', 'trained_head/flat_features']);
    expect(graph.initializer.map((t) => t.name)).not.toContain('l');
    expect(graph.initializer.map((t) => t.name)).toContain('w');
    expect(Number(decoded.opsetImport[0]!.version)).toBe(17);
  });

  it('works with an opset-11 backbone too (no opset-specific ops in the head)', async () => {
    const head = randomHead(40, 16, 3);
    const combined = appendHeadToBackbone(toyBackbone(40, 7, 11), head, { backboneOutput: 'pooled' });
    const out = await runOnnx(combined, { image: new ort.Tensor('float32', new Float32Array(2 * 48).fill(0.5), [2, 3, 4, 4]) });
    expect(out[HEAD_OUTPUT]!.dims).toEqual([2, 16]);
  });

  it('refuses a backbone whose feature width differs, a second append, and broken weights', () => {
    const backbone = toyBackbone(40, 7);
    expect(() => appendHeadToBackbone(backbone, randomHead(41, 16, 3), { backboneOutput: 'pooled' })).toThrow(/40 features per row; the head expects 41/);
    expect(() => appendHeadToBackbone(backbone, randomHead(40, 16, 3), { backboneOutput: 'nope' })).toThrow(/no output named nope/);
    const once = appendHeadToBackbone(backbone, randomHead(40, 16, 3), { backboneOutput: 'pooled' });
    expect(() => appendHeadToBackbone(once, randomHead(16, 8, 3), { outputName: 'embedding2' })).toThrow(/appended to it before/);
    const broken = randomHead(40, 16, 3);
    broken.kernel[5] = Number.NaN;
    expect(() => buildHeadModel(broken)).toThrow(/non-finite/);
  });
});
