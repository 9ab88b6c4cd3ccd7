import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src-main/engine/engine.js';
import { openEngine } from '../../src-main/features/index.js';
import { buildPostprocessModel, buildPreprocessModel, POST_SIZE } from '../../src-main/engine/inference/onnx-graph.js';
import { candidateProviders, providersFromEnv } from '../../src-main/engine/inference/providers.js';
import { InferenceRuntime } from '../../src-main/engine/inference/runtime.js';
import type { ModelRef } from '../../src-main/engine/inference/protocol.js';
import { tempDir } from '../helpers/tmp.js';
import { api } from '../support/engine.js';

/** The resampler img.ly runs IS-Net with: bilinear, x_in = x_out · in/out, 8-bit result. */
function referenceResize(src: Uint8Array, sw: number, sh: number, ch: number, nw: number, nh: number): Uint8Array {
  const out = new Uint8Array(nw * nh * ch);
  for (let y = 0; y < nh; y++)
    for (let x = 0; x < nw; x++) {
      const sx = (x * sw) / nw;
      const sy = (y * sh) / nh;
      const x1 = Math.floor(sx);
      const x2 = Math.min(Math.ceil(sx), sw - 1);
      const y1 = Math.floor(sy);
      const y2 = Math.min(Math.ceil(sy), sh - 1);
      const dx = sx - x1;
      const dy = sy - y1;
      for (let c = 0; c < ch; c++) {
        const g = (yy: number, xx: number) => src[(yy * sw + xx) * ch + c]!;
        out[(y * nw + x) * ch + c] = Math.round((1 - dx) * (1 - dy) * g(y1, x1) + dx * (1 - dy) * g(y1, x2) + (1 - dx) * dy * g(y2, x1) + dx * dy * g(y2, x2));
      }
    }
  return out;
}

describe('wrapper graphs', () => {
  it('preprocess: resizes like the reference resampler, normalises, reorders to BGR and NCHW', async () => {
    const [sw, sh, W, H] = [37, 23, 64, 48];
    const src = Uint8Array.from({ length: sw * sh * 3 }, (_, i) => (i * 7919) % 256);
    const session = await ort.InferenceSession.create(
      buildPreprocessModel({ width: W, height: H, resize: 'asymmetric', colorOrder: 'BGR', mean: [10, 20, 30], std: [2, 4, 8], layout: 'NCHW' }),
    );
    const out = await session.run({ pixels: new ort.Tensor('uint8', src, [1, sh, sw, 3]) });
    expect(out.tensor!.dims).toEqual([1, 3, H, W]);
    const got = out.tensor!.data as Float32Array;
    const ref = referenceResize(src, sw, sh, 3, W, H);
    let worst = 0;
    let off = 0;
    for (let c = 0; c < 3; c++) {
      const from = 2 - c; // BGR: channel 0 of the tensor is blue
      const [mean, std] = [[10, 20, 30][c]!, [2, 4, 8][c]!];
      for (let i = 0; i < W * H; i++) {
        const level = got[c * W * H + i]! * std + mean; // back to 0–255
        const d = Math.abs(level - ref[i * 3 + from]!);
        worst = Math.max(worst, d);
        if (d > 1e-3) off++;
      }
    }
    // float32 weights against a float64 reference: a value exactly between two levels may round the other way.
    expect(worst).toBeLessThanOrEqual(1 + 1e-3);
    expect(off).toBeLessThan(W * H * 3 * 0.01);
    await session.release();
  });

  it('postprocess: activation, min-max stretch, 8-bit levels, resize to the image and rounding', async () => {
    const plain = await ort.InferenceSession.create(buildPostprocessModel({ activation: 'none', normalize: 'none', resize: 'asymmetric' }));
    const pred = Float32Array.from([0, 0.5, 1, 1.2, -0.1, 0.999]);
    const same = await plain.run({ prediction: new ort.Tensor('float32', pred, [1, 1, 2, 3]), [POST_SIZE]: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 2n, 3n]), [4]) });
    // Truncated to 8-bit levels, as a Uint8Array store of v·255 would.
    expect(Array.from(same.mask!.data as Uint8Array)).toEqual([0, 127, 255, 255, 0, 254]);
    const up = await plain.run({ prediction: new ort.Tensor('float32', Float32Array.from([0, 1]), [1, 2]), [POST_SIZE]: new ort.Tensor('int64', BigInt64Array.from([1n, 4n]), [2]) });
    expect(Array.from(up.mask!.data as Uint8Array)).toEqual(Array.from(referenceResize(Uint8Array.from([0, 255]), 2, 1, 1, 4, 1)));

    const logits = await ort.InferenceSession.create(buildPostprocessModel({ activation: 'sigmoid', normalize: 'minmax', resize: 'half_pixel' }));
    const s = await logits.run({ prediction: new ort.Tensor('float32', Float32Array.from([-4, 0, 4]), [1, 3]), [POST_SIZE]: new ort.Tensor('int64', BigInt64Array.from([1n, 3n]), [2]) });
    expect(Array.from(s.mask!.data as Uint8Array)).toEqual([0, 127, 255]);
  });
});

describe('execution providers', () => {
  it('tries CUDA, then the platform provider, then the CPU', () => {
    expect(candidateProviders('linux', 'x64')).toEqual(['cuda', 'cpu']);
    expect(candidateProviders('win32', 'x64')).toEqual(['cuda', 'dml', 'cpu']);
    expect(candidateProviders('darwin', 'arm64')).toEqual(['coreml', 'cpu']);
    expect(candidateProviders('linux', 'arm64')).toEqual(['cpu']);
    expect(providersFromEnv('cuda, cpu')).toEqual(['cuda', 'cpu']);
    expect(() => providersFromEnv('tpu')).toThrow(/unknown provider/);
  });
});

describe('inference runtime', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let small: ModelRef;
  let medium: ModelRef;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
    small = await api(engine).models.resolve('isnet-imgly-small');
    medium = await api(engine).models.resolve('isnet-imgly-medium');
  });
  afterAll(async () => {
    await engine.close().catch(() => {});
    await cleanup();
  });

  it('falls back from a provider that fails to initialise and reports the one used', async () => {
    // CUDA first, as on a machine with an NVIDIA card; here its libraries are absent.
    const runtime = new InferenceRuntime({ providers: ['cuda', 'cpu'], idleUnloadMs: 60_000 });
    try {
      const out = await runtime.segment(small, new Uint8Array(40 * 30 * 3), 40, 30);
      expect(out).toMatchObject({ provider: 'cpu', width: 40, height: 30 });
      expect(out.mask).toHaveLength(40 * 30);
      expect(runtime.provider).toBe('cpu');
      const status = await runtime.status();
      const cuda = status.providers.find((p) => p.name === 'cuda')!;
      if (cuda.state === 'unavailable') expect(cuda.detail).toBeTruthy();
      expect(status.providers.find((p) => p.name === 'cpu')).toMatchObject({ state: 'available' });
      expect(status.sessions).toEqual([expect.objectContaining({ modelId: 'isnet-imgly-small', provider: 'cpu', runs: 1 })]);
    } finally {
      await runtime.close();
    }
  }, 120_000);

  it('keeps sessions under the memory budget (least recently used leaves) and unloads idle ones', async () => {
    // Room for one model: loading the second evicts the first.
    const runtime = new InferenceRuntime({ providers: ['cpu'], memoryBudgetBytes: small.bytes * 4, idleUnloadMs: 1_500 });
    try {
      await runtime.segment(small, new Uint8Array(8 * 8 * 3), 8, 8);
      expect((await runtime.status()).sessions.map((s) => s.modelId)).toEqual(['isnet-imgly-small']);
      await runtime.segment(medium, new Uint8Array(8 * 8 * 3), 8, 8);
      expect((await runtime.status()).sessions.map((s) => s.modelId)).toEqual(['isnet-imgly-medium']);
      // One loaded model serves many requests.
      await runtime.segment(medium, new Uint8Array(8 * 8 * 3), 8, 8);
      expect((await runtime.status()).sessions).toEqual([expect.objectContaining({ modelId: 'isnet-imgly-medium', runs: 2 })]);
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await runtime.status()).sessions).toEqual([]);
    } finally {
      await runtime.close();
    }
  }, 240_000);

  it('engine info lists the providers that can run here and the one last used', async () => {
    const info = engine.info();
    expect(info.executionProviders.at(-1)).toBe('cpu');
    expect(info.executionProviders).not.toContain('dml');
  });
});
