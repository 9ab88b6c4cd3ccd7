/**
 * The inference runtime's embedding task, through the real worker thread: input
 * normalisation from the spec (colour order, mean/std, layout), each pooling, weights
 * and normalisation, batching, several models side by side, and refusals. The models
 * are small real ONNX graphs whose outputs are the normalised input itself (as a map,
 * as tokens, as a pooled row), so every expected vector is computed here independently.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingModelRef, EmbeddingOutputRef } from '../../../src-main/engine/inference/protocol.js';
import { InferenceRuntime, ModelFileError } from '../../../src-main/engine/inference/runtime.js';
import { EMBED_MAX_BATCH } from '../../../src-main/engine/inference/sessions.js';
import { ElemType, OnnxGraphBuilder } from '../../../src-main/features/embeddings/onnx-builder.js';
import { tempDir } from '../../helpers/tmp.js';

const W = 5;
const H = 4;

/**
 * input [N, 3, H, W] (or NHWC) → map: the input as is; tokens: [N, 1 + H·W, 3] with a
 * first "class" token of 2·pixel 0; row: the spatial mean, [N, 3].
 */
function probeModel(layout: 'NCHW' | 'NHWC', batch: number | string = 'n'): Uint8Array {
  const b = new OnnxGraphBuilder('probe');
  const x = b.input('pixels', ElemType.FLOAT, layout === 'NCHW' ? [batch, 3, H, W] : [batch, H, W, 3]);
  const nchw = layout === 'NCHW' ? x : b.op('Transpose', [x], { perm: [0, 3, 1, 2] });
  b.output(b.op('Identity', [x], {}, 'map'), ElemType.FLOAT, layout === 'NCHW' ? ['n', 3, H, W] : ['n', H, W, 3]);
  const patches = b.op('Transpose', [b.op('Reshape', [nchw, b.int64s('s', [0, 3, H * W])])], { perm: [0, 2, 1] });
  const first = b.op('Slice', [patches, b.int64s('st', [0]), b.int64s('en', [1]), b.int64s('ax', [1])]);
  const cls = b.op('Mul', [first, b.scalar(2)]);
  b.output(b.op('Concat', [cls, patches], { axis: 1 }, 'tokens'), ElemType.FLOAT, ['n', 1 + H * W, 3]);
  b.output(b.op('ReduceMean', [nchw], { axes: [2, 3], keepdims: 0 }, 'row'), ElemType.FLOAT, ['n', 3]);
  return b.encode();
}

async function install(dir: string, name: string, bytes: Uint8Array): Promise<{ path: string; sha256: string; bytes: number }> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  return { path: file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

const out = (name: string, pooling: EmbeddingOutputRef['pooling'], extra: Partial<EmbeddingOutputRef> = {}): EmbeddingOutputRef => ({
  name,
  pooling,
  gemP: null,
  layout: 'NCHW',
  normalize: true,
  weight: 1,
  dimension: 3,
  ...extra,
});

/** Deterministic pixels, RGB, n × H × W × 3. */
function pixels(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n * H * W * 3 }, (_, i) => (i * 7919 + seed * 104729 + ((i * i) % 13)) % 256);
}

/** The normalised input of image b as [channel][pixel] in the model's colour order. */
function normalised(px: Uint8Array, b: number, input: EmbeddingModelRef['input']): number[][] {
  const order = input.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  return [0, 1, 2].map((c) => Array.from({ length: H * W }, (_, p) => (px[(b * H * W + p) * 3 + order[c]!]! - input.mean[c]!) / input.std[c]!));
}

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `at ${i}: ${got[i]} vs ${want[i]}`).toBeLessThan(tol);
}

describe('embedding task of the inference runtime', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let runtime: InferenceRuntime;
  let nchwFile: { path: string; sha256: string; bytes: number };
  let nhwcFile: { path: string; sha256: string; bytes: number };
  let batchOneFile: { path: string; sha256: string; bytes: number };

  const ref = (id: string, file: typeof nchwFile, input: Partial<EmbeddingModelRef['input']>, outputs: EmbeddingOutputRef[]): EmbeddingModelRef => ({
    id,
    ...file,
    input: { name: null, size: [W, H], layout: 'NCHW', colorOrder: 'RGB', mean: [0, 0, 0], std: [255, 255, 255], ...input },
    outputs,
    dimension: outputs.reduce((n, o) => n + o.dimension, 0),
  });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-embed-runtime-'));
    nchwFile = await install(dir, 'probe-nchw.onnx', probeModel('NCHW'));
    nhwcFile = await install(dir, 'probe-nhwc.onnx', probeModel('NHWC'));
    batchOneFile = await install(dir, 'probe-batch-1.onnx', probeModel('NCHW', 1));
    runtime = new InferenceRuntime({ providers: ['cpu'], intraOpThreads: 1 });
  });

  afterAll(async () => {
    await runtime?.close();
    await cleanup?.();
  });

  it('normalises from the spec (BGR, mean, std) and mean-pools an NCHW map into a unit vector', async () => {
    const model = ref('probe-bgr', nchwFile, { colorOrder: 'BGR', mean: [10, 100, 200], std: [50, 60, 70] }, [out('map', 'mean')]);
    const px = pixels(2);
    const res = await runtime.embed(model, px.slice(), 2);
    expect(res).toMatchObject({ count: 2, dimension: 3, provider: 'cpu' });
    for (let b = 0; b < 2; b++) {
      const chans = normalised(px, b, model.input);
      expectClose(res.vectors.subarray(b * 3, b * 3 + 3), unit(chans.map((c) => c.reduce((s, v) => s + v, 0) / c.length)));
    }
  });

  it('max and GeM pooling, NHWC maps, class token, patch-token mean and ready rows', async () => {
    const input = { mean: [128, 128, 128] as [number, number, number], std: [64, 64, 64] as [number, number, number] };
    const px = pixels(3, 7);
    const cases: { model: EmbeddingModelRef; expected: (ch: number[][]) => number[] }[] = [
      { model: ref('max', nchwFile, input, [out('map', 'max')]), expected: (ch) => ch.map((c) => Math.max(...c)) },
      {
        model: ref('gem', nchwFile, { mean: [0, 0, 0], std: [255, 255, 255] }, [out('map', 'gem', { gemP: 3 })]),
        expected: (ch) => ch.map((c) => Math.cbrt(c.reduce((s, v) => s + Math.max(v, 1e-6) ** 3, 0) / c.length)),
      },
      { model: ref('nhwc-mean', nhwcFile, { ...input, layout: 'NHWC' }, [out('map', 'mean', { layout: 'NHWC' })]), expected: (ch) => ch.map((c) => c.reduce((s, v) => s + v, 0) / c.length) },
      { model: ref('cls', nchwFile, input, [out('tokens', 'cls')]), expected: (ch) => ch.map((c) => 2 * c[0]!) },
      { model: ref('tokens', nchwFile, input, [out('tokens', 'tokens')]), expected: (ch) => ch.map((c) => c.reduce((s, v) => s + v, 0) / c.length) },
      { model: ref('row', nchwFile, input, [out('row', 'none')]), expected: (ch) => ch.map((c) => c.reduce((s, v) => s + v, 0) / c.length) },
    ];
    for (const { model, expected } of cases) {
      const res = await runtime.embed(model, px.slice(), 3);
      for (let b = 0; b < 3; b++) {
        const want = unit(expected(normalised(px, b, { ...model.input, colorOrder: 'RGB' })));
        expectClose(res.vectors.subarray(b * 3, b * 3 + 3), want, 2e-5);
      }
    }
  });

  it('joins several outputs, each normalised and weighted, then normalises the whole', async () => {
    const input = { mean: [128, 128, 128] as [number, number, number], std: [64, 64, 64] as [number, number, number] };
    const model = ref('joined', nchwFile, input, [out('map', 'max', { weight: 2 }), out('tokens', 'cls', { weight: 0.5 }), out('row', 'none', { normalize: false })]);
    const px = pixels(1, 3);
    const ch = normalised(px, 0, model.input);
    const max = unit(ch.map((c) => Math.max(...c))).map((v) => 2 * v);
    const cls = unit(ch.map((c) => 2 * c[0]!)).map((v) => 0.5 * v);
    const row = ch.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
    const res = await runtime.embed(model, px.slice(), 1);
    expect(res.dimension).toBe(9);
    expectClose(res.vectors, unit([...max, ...cls, ...row]));
  });

  it(`splits a large request into runs of ${EMBED_MAX_BATCH} with the same results as one image at a time, and keeps models side by side`, async () => {
    const a = ref('side-a', nchwFile, { mean: [128, 128, 128], std: [64, 64, 64] }, [out('map', 'max')]);
    const b = ref('side-b', nhwcFile, { layout: 'NHWC', mean: [128, 128, 128], std: [64, 64, 64] }, [out('tokens', 'tokens')]);
    const n = EMBED_MAX_BATCH + 5;
    const px = pixels(n, 11);
    const [all, allB] = await Promise.all([runtime.embed(a, px.slice(), n), runtime.embed(b, px.slice(), n)]);
    for (let i = 0; i < n; i += 4) {
      const one = await runtime.embed(a, px.slice(i * H * W * 3, (i + 1) * H * W * 3), 1);
      expectClose(all.vectors.subarray(i * 3, i * 3 + 3), one.vectors, 1e-6);
    }
    expect(allB.vectors.length).toBe(n * 3);
    const ids = (await runtime.status()).sessions.map((s) => s.modelId);
    expect(ids).toEqual(expect.arrayContaining(['side-a', 'side-b']));
  });

  it('runs a model whose graph fixes the batch at 1 one image at a time', async () => {
    const input = { mean: [128, 128, 128] as [number, number, number], std: [64, 64, 64] as [number, number, number] };
    const fixed = ref('batch-one', batchOneFile, input, [out('map', 'max')]);
    const free = ref('batch-free', nchwFile, input, [out('map', 'max')]);
    const px = pixels(5, 5);
    const [a, b] = [await runtime.embed(fixed, px.slice(), 5), await runtime.embed(free, px.slice(), 5)];
    expectClose(a.vectors, b.vectors, 1e-6);
  });

  it('refuses a zero vector, a wrong pixel count and a model without the named output', async () => {
    // Every pixel at the mean: the normalised input, and so every pooled output, is zero.
    const grey = ref('grey', nchwFile, { mean: [77, 77, 77], std: [1, 1, 1] }, [out('map', 'mean')]);
    await expect(runtime.embed(grey, new Uint8Array(H * W * 3).fill(77), 1)).rejects.toThrow(/zero vector/);
    const fine = ref('fine', nchwFile, {}, [out('map', 'mean')]);
    await expect(runtime.embed(fine, new Uint8Array(H * W * 3 - 1), 1)).rejects.toThrow(/expected 1×5×4×3/);
    const wrong = ref('wrong-output', nchwFile, {}, [out('features', 'none')]);
    const err = await runtime.embed(wrong, pixels(1), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as ModelFileError).message).toMatch(/no output named features/);
    const badDim = ref('bad-dim', nchwFile, {}, [out('map', 'mean', { dimension: 4 })]);
    await expect(runtime.embed(badDim, pixels(1), 1)).rejects.toThrow(/expected 4 channels/);
  });
});
