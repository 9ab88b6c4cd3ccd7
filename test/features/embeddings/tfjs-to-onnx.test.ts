/**
 * The TF.js → ONNX importer against TF.js itself: nsfwjs' MobileNetV2-1.4 graph model run
 * by TF.js (cpu backend, its reference kernels) and by onnxruntime on the imported
 * graph, on real grocery photos (and a synthetic image, so the check also runs where the
 * photos are absent). Pooled features must agree to 1e-5.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsLiteral } from '../../../src-main/features/embeddings/js-literal.js';
import {
  buildOfflineEmbedderModel,
  MOBILENET_FINAL,
  mobilenetBlock,
  NSFWJS_OUTPUT,
  nsfwjsModelDir,
  OFFLINE_EMBEDDER_IO,
  OFFLINE_EMBEDDER_RECIPE,
  OFFLINE_EMBEDDER_SHA256,
  OFFLINE_NETWORK_DIMENSION,
  offlineNetworkDimension,
} from '../../../src-main/features/embeddings/offline-embedder.js';
import { decodeWeights, literalFromWrapper, readNsfwjsModel, readNsfwjsModelJson, type TfjsGraphModel, type TfjsNode } from '../../../src-main/features/embeddings/tfjs-graph-model.js';
import { tfjsToOnnx, UnsupportedTfjsGraph } from '../../../src-main/features/embeddings/tfjs-to-onnx.js';
import { createHash } from 'node:crypto';

const datasetRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/datasets/grocery-store');
const missing = fs.existsSync(path.join(datasetRoot, 'val.txt')) ? null : `${datasetRoot} is absent (the grocery-store photos live in ../shared beside the checkout)`;
if (missing) console.warn(`importer check on grocery photos skipped (a synthetic image is still checked): ${missing}`);

const PHOTOS = ['val/Fruit/Apple/Granny-Smith/Granny-Smith_001.jpg', 'val/Packages/Milk/Arla-Standard-Milk/Arla-Standard-Milk_001.jpg'];
const OUTPUTS = [mobilenetBlock(12), mobilenetBlock(15), MOBILENET_FINAL, NSFWJS_OUTPUT];
const SIZE = 224;

describe('reading the nsfwjs wrappers without running them', () => {
  it('parses minified literals: unquoted keys, .5, -1e-3, !0/!1, escapes', () => {
    const { value } = parseJsLiteral('{a:.5,"b c":[-1e-3,!0,!1,null],d:"x\\"y\\u0041",e:{}}');
    expect(value).toEqual({ a: 0.5, 'b c': [-0.001, true, false, null], d: 'x"yA', e: {} });
  });

  it('refuses code where a literal should be, and code after it', () => {
    expect(() => parseJsLiteral('{a:require("fs")}')).toThrow(/unexpected 'r'/);
    const wrapper = (tail: string) => `!function(){}({1:[function(t,e,a){e.exports={x:1}${tail}`;
    expect(literalFromWrapper(wrapper('},{}]},{},[1])(1)});'), 'ok')).toEqual({ x: 1 });
    expect(() => literalFromWrapper(wrapper(';process.exit(1)},{}]},{},[1])(1)});'), 'evil')).toThrow(/unexpected code after the exported literal/);
  });

  it('finds MobileNetV2-1.4 in mobilenet_v2_mid: 1792 final channels, 4.3 M dequantised weights', async () => {
    const model = await readNsfwjsModel(nsfwjsModelDir());
    const ops = new Set(model.nodes.map((n) => n.op));
    expect([...ops].sort()).toEqual(['AddV2', 'AvgPool', 'Const', 'FusedDepthwiseConv2dNative', 'Identity', 'Mul', 'Placeholder', 'Softmax', 'Squeeze', 'Sub', '_FusedConv2D', '_FusedMatMul']);
    const params = [...model.weights.values()].reduce((n, w) => n + w.data.length, 0);
    expect(params).toBeGreaterThan(4_200_000);
    expect(params).toBeLessThan(4_400_000);
    expect(offlineNetworkDimension(model)).toBe(OFFLINE_NETWORK_DIMENSION);
  });
});

describe('TF.js graph model → ONNX, against TF.js', () => {
  let model: TfjsGraphModel;
  let graphModel: tf.GraphModel;
  let images: { name: string; x: Float32Array }[];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = await readNsfwjsModel(nsfwjsModelDir());
    const { json, weightData } = await readNsfwjsModelJson(nsfwjsModelDir());
    graphModel = await tf.loadGraphModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology as never, weightSpecs: json.weightsManifest[0]!.weights as never, weightData: weightData.buffer as ArrayBuffer }),
    );
    const sources: { name: string; input: string | Buffer }[] = missing ? [] : PHOTOS.map((p) => ({ name: p, input: path.join(datasetRoot, p) }));
    // A synthetic picture with edges and colour ramps, so the check runs without the photos too.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><defs><linearGradient id="g"><stop offset="0" stop-color="#c33"/><stop offset="1" stop-color="#3c9"/></linearGradient></defs><rect width="300" height="200" fill="url(#g)"/><circle cx="150" cy="100" r="60" fill="#fe2"/><rect x="30" y="20" width="50" height="150" fill="#225"/></svg>`;
    sources.push({ name: 'synthetic', input: Buffer.from(svg) });
    images = await Promise.all(
      sources.map(async (s) => {
        const { data } = await sharp(s.input).removeAlpha().resize(SIZE, SIZE, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
        return { name: s.name, x: Float32Array.from(data, (v) => v / 255) };
      }),
    );
  }, 120_000);

  afterAll(() => graphModel?.dispose());

  /** TF.js's pooled outputs (spatial mean of rank-4 tensors), per image. */
  function tfjsPooled(batch: Float32Array, n: number): Map<string, Float32Array> {
    const input = tf.tensor4d(batch, [n, SIZE, SIZE, 3]);
    const outs = graphModel.execute(input, OUTPUTS) as tf.Tensor[];
    const pooled = outs.map((t) => (t.rank === 4 ? tf.mean(t, [1, 2]) : t));
    const result = new Map(OUTPUTS.map((name, i) => [name, pooled[i]!.dataSync() as Float32Array]));
    tf.dispose([input, ...outs, ...pooled]);
    return result;
  }

  function pooledNhwc(t: ort.Tensor): Float32Array {
    const d = t.data as Float32Array;
    if (t.dims.length !== 4) return d;
    const [n, h, w, c] = t.dims as [number, number, number, number];
    const out = new Float32Array(n * c);
    for (let b = 0; b < n; b++) for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out[b * c + k]! += d[(b * h * w + p) * c + k]! / (h * w);
    return out;
  }

  const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    expect(a.length).toBe(b.length);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
    return m;
  };

  it('the imported graph matches TF.js to 1e-5 on the pooled block 12, block 15 and final features and on the classifier', { timeout: 600_000 }, async () => {
    const n = images.length;
    const batch = new Float32Array(n * SIZE * SIZE * 3);
    images.forEach((im, i) => batch.set(im.x, i * SIZE * SIZE * 3));
    const expected = tfjsPooled(batch, n);

    const session = await ort.InferenceSession.create(tfjsToOnnx(model, { outputs: OUTPUTS }), { intraOpNumThreads: 1 });
    const got = await session.run({ input: new ort.Tensor('float32', batch, [n, SIZE, SIZE, 3]) });
    const report: Record<string, number> = {};
    for (const name of OUTPUTS) {
      const diff = maxAbsDiff(pooledNhwc(got[name]!), expected.get(name)!);
      report[name.split('/').slice(-2).join('/')] = diff;
      expect(diff, name).toBeLessThanOrEqual(1e-5);
    }
    console.log(`importer vs TF.js (cpu), ${images.map((i) => i.name).join(', ')}: max |Δ| of pooled outputs`, report);
    // Not trivially equal: the features differ between images.
    const final = expected.get(MOBILENET_FINAL)!;
    expect(maxAbsDiff(final.subarray(0, 1792), final.subarray(1792, 3584))).toBeGreaterThan(0.05);

    // The offline embedder's graph carries the same pooled features, and a unit network part.
    const embedder = await ort.InferenceSession.create(buildOfflineEmbedderModel(model), { intraOpNumThreads: 1 });
    const e = await embedder.run({ [OFFLINE_EMBEDDER_IO.input]: new ort.Tensor('float32', batch, [n, SIZE, SIZE, 3]) });
    for (const p of OFFLINE_EMBEDDER_RECIPE.pooled) {
      expect(maxAbsDiff(e[OFFLINE_EMBEDDER_IO.pooled(p.name)]!.data as Float32Array, expected.get(p.tensor)!), p.name).toBeLessThanOrEqual(1e-5);
    }
    const network = e[OFFLINE_EMBEDDER_IO.network]!;
    expect(network.dims).toEqual([n, OFFLINE_NETWORK_DIMENSION]);
    for (let b = 0; b < n; b++) {
      const row = (network.data as Float32Array).subarray(b * OFFLINE_NETWORK_DIMENSION, (b + 1) * OFFLINE_NETWORK_DIMENSION);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
    await Promise.all([session.release(), embedder.release()]);
  });

  it('builds the same bytes every time, with the recorded sha256', () => {
    const a = buildOfflineEmbedderModel(model);
    const b = buildOfflineEmbedderModel(model);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(createHash('sha256').update(a).digest('hex')).toBe(OFFLINE_EMBEDDER_SHA256);
  });

  it('names an op it cannot convert instead of producing a wrong graph', () => {
    const nodes = model.nodes.map((n) => (n.name === mobilenetBlock(12) ? { ...n, op: 'Erf' } : n));
    expect(() => tfjsToOnnx({ nodes, weights: model.weights }, { outputs: [MOBILENET_FINAL] })).toThrow(UnsupportedTfjsGraph);
    expect(() => tfjsToOnnx({ nodes, weights: model.weights }, { outputs: [MOBILENET_FINAL] })).toThrow(/expanded_conv_12\/add: op Erf is not supported/);
  });
});

describe('the ops beyond MobileNet, on a small hand-made graph', () => {
  it('Conv2D (VALID, EXPLICIT), BiasAdd, Relu/Relu6/Sigmoid/Tanh, fused LeakyRelu, pools, reductions, Concat, Reshape, MatMul, arithmetic and Softmax match TF.js', async () => {
    await tf.setBackend('cpu');
    let seed = 7;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647 - 0.5;
    };
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const list = (...v: number[]) => ({ list: { i: v.map(String) } });
    const nodes: TfjsNode[] = [{ name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '8' }, { size: '8' }, { size: '3' }] } } } }];
    const weights: { name: string; shape: number[]; dtype: 'float32' | 'int32'; values: number[] }[] = [];
    const konst = (name: string, shape: number[], values?: number[], dtype: 'float32' | 'int32' = 'float32') => {
      const type = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
      weights.push({ name, shape, dtype, values: values ?? Array.from({ length: shape.reduce((a, b) => a * b, 1) }, rnd) });
      nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype: type, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } }, dtype: { type } } });
      return name;
    };
    const node = (name: string, op: string, input: string[], attr: TfjsNode['attr'] = {}) => nodes.push({ name, op, input, attr: { T: { type: 'DT_FLOAT' }, ...attr } });
    const nhwc = { data_format: { s: b64('NHWC') } };
    const conv = { ...nhwc, strides: list(1, 1, 1, 1), dilations: list(1, 1, 1, 1) };
    node('c1', 'Conv2D', ['input', konst('w1', [3, 3, 3, 4])], { ...conv, padding: { s: b64('VALID') } });
    node('b1', 'BiasAdd', ['c1', konst('bias1', [4])], nhwc);
    node('r1', 'Relu', ['b1']);
    node('p1', 'MaxPool', ['r1'], { ...nhwc, ksize: list(1, 2, 2, 1), strides: list(1, 2, 2, 1), padding: { s: b64('SAME') } });
    node('d1', 'DepthwiseConv2dNative', ['p1', konst('dw', [3, 3, 4, 2])], { ...conv, padding: { s: b64('SAME') } });
    node('r6', 'Relu6', ['d1']);
    node('s1', 'Sigmoid', ['d1']);
    node('m1', 'Mean', ['s1', konst('axes', [2], [1, 2], 'int32')], { keep_dims: { b: true } });
    node('mul', 'Mul', ['s1', 'm1']);
    node('cat', 'ConcatV2', ['mul', 'r6', konst('axis', [], [-1], 'int32')], { N: { i: '2' } });
    node('ap', 'AvgPool', ['cat'], { ...nhwc, ksize: list(1, 2, 2, 1), strides: list(1, 1, 1, 1), padding: { s: b64('SAME') } });
    node('rs', 'Reshape', ['ap', konst('shape', [2], [-1, 144], 'int32')]);
    node('mm', 'MatMul', ['rs', konst('w2', [144, 5])], { transpose_a: { b: false }, transpose_b: { b: false } });
    node('dv', 'RealDiv', ['mm', konst('two', [], [2])]);
    node('add', 'AddV2', ['dv', konst('bias2', [5])]);
    node('mx', 'Maximum', ['add', konst('floor', [], [0.1])]);
    node('out', 'Softmax', ['mx']);
    node('mxr', 'Max', ['s1', konst('axes2', [2], [1, 2], 'int32')], { keep_dims: { b: false } });
    node('tn', 'Tanh', ['mxr']);
    node('mi', 'Minimum', ['tn', konst('half', [], [0.5])]);
    node('sg', 'StopGradient', ['mi']);
    node('sum', 'Sum', ['r1', konst('axes3', [2], [1, 2], 'int32')], { keep_dims: { b: true } });
    node('sq', 'Squeeze', ['sum'], { squeeze_dims: list(1, 2) });
    node('sub', 'Sub', ['sq', konst('bias3', [4])]);
    node('ex', 'Conv2D', ['input', konst('w3', [2, 2, 3, 2])], { ...conv, padding: { s: b64('EXPLICIT') }, explicit_paddings: list(0, 0, 1, 0, 2, 1, 0, 0) });
    node('fl', '_FusedConv2D', ['input', konst('w4', [1, 1, 3, 3]), konst('bias4', [3])], {
      ...conv,
      strides: list(1, 2, 2, 1),
      padding: { s: b64('SAME') },
      num_args: { i: '1' },
      fused_ops: { list: { s: [b64('BiasAdd'), b64('LeakyRelu')] } },
      leakyrelu_alpha: { f: 0.3 },
    });
    const bytes = new Uint8Array(Buffer.concat(weights.map((w) => Buffer.from((w.dtype === 'float32' ? Float32Array.from(w.values) : Int32Array.from(w.values)).buffer))));
    const specs = weights.map(({ name, shape, dtype }) => ({ name, shape, dtype }));
    const reference = await tf.loadGraphModel(
      tf.io.fromMemory({ modelTopology: { node: nodes, versions: { producer: 1, minConsumer: 0 } } as never, weightSpecs: specs as never, weightData: bytes.slice().buffer as ArrayBuffer }),
    );
    const outputs = ['cat', 'm1', 'out', 'ap', 'sg', 'sub', 'ex', 'fl'];
    const x = Float32Array.from({ length: 2 * 8 * 8 * 3 }, () => rnd() * 4);
    const input = tf.tensor4d(x, [2, 8, 8, 3]);
    const expected = reference.execute(input, outputs) as tf.Tensor[];
    const session = await ort.InferenceSession.create(tfjsToOnnx({ nodes, weights: decodeWeights(bytes, specs) }, { outputs }));
    const got = await session.run({ input: new ort.Tensor('float32', x, [2, 8, 8, 3]) });
    outputs.forEach((name, i) => {
      expect(got[name]!.dims, name).toEqual(expected[i]!.shape);
      const want = expected[i]!.dataSync();
      const have = got[name]!.data as Float32Array;
      let diff = 0;
      for (let k = 0; k < want.length; k++) diff = Math.max(diff, Math.abs(want[k]! - have[k]!));
      expect(diff, name).toBeLessThanOrEqual(1e-5);
    });
    tf.dispose([input, ...expected]);
    reference.dispose();
    await session.release();
  });
});
