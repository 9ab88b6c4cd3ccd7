import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { WeightEma } from '../../../src-main/features/training/ema.js';
import { clipByGlobalNorm } from '../../../src-main/features/training/gradients.js';
import { AdamW, decays } from '../../../src-main/features/training/optimizer.js';
import { useTfBackend } from '../../../src-main/features/training/tf-backend.js';

beforeAll(async () => {
  await useTfBackend('wasm');
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('AdamW', () => {
  it('decays weights but not biases or normalisation weights', () => {
    expect(decays('projection/kernel')).toBe(true);
    expect(decays('arcface/weight')).toBe(true);
    expect(decays('projection/bias')).toBe(false);
    expect(decays('norm/gamma')).toBe(false);
    expect(decays('norm/beta')).toBe(false);
    expect(decays('neck/norm/scale')).toBe(false);
  });

  it('with zero gradients only the decayed parameters shrink, by lr·wd', () => {
    const cfg = parseTrainingConfig().optimizer;
    const params = new Map([
      ['projection/kernel', tf.variable(tf.tensor1d([2, -4]))],
      ['projection/bias', tf.variable(tf.tensor1d([2, -4]))],
      ['norm/gamma', tf.variable(tf.tensor1d([2, -4]))],
    ]);
    const opt = new AdamW(params, cfg);
    const zero = new Map([...params].map(([k, p]) => [k, tf.zerosLike(p)]));
    opt.apply(zero, 0.5);
    const shrink = 1 - 0.5 * 0.01;
    expect(values(params.get('projection/kernel')!)).toEqual([2 * shrink, -4 * shrink].map((v) => expect.closeTo(v, 6)));
    expect(values(params.get('projection/bias')!)).toEqual([2, -4]);
    expect(values(params.get('norm/gamma')!)).toEqual([2, -4]);
  });

  it('matches torch.optim.AdamW for two steps computed by hand', () => {
    const cfg = parseTrainingConfig().optimizer;
    const params = new Map([
      ['projection/kernel', tf.variable(tf.tensor1d([1]))],
      ['projection/bias', tf.variable(tf.tensor1d([1]))],
    ]);
    const opt = new AdamW(params, cfg);
    const g = new Map([...params].map(([k]) => [k, tf.tensor1d([0.5])]));
    opt.apply(g, 0.1);
    // m̂ = 0.5, v̂ = 0.25 → step of lr·0.5/(0.5 + ε) ≈ lr; the kernel is first decayed by (1 − lr·wd).
    expect(values(params.get('projection/kernel')!)[0]).toBeCloseTo(0.999 - 0.1, 6);
    expect(values(params.get('projection/bias')!)[0]).toBeCloseTo(0.9, 6);
    opt.apply(g, 0.1);
    expect(values(params.get('projection/kernel')!)[0]).toBeCloseTo(0.899 * 0.999 - 0.1, 6);
    expect(values(params.get('projection/bias')!)[0]).toBeCloseTo(0.8, 6);
    expect(opt.step).toBe(2);
    // The state round-trips.
    const state = opt.state();
    const again = new AdamW(params, cfg);
    again.restore(state);
    expect(again.step).toBe(2);
    expect(Array.from(again.state().m.get('projection/bias')!)).toEqual(Array.from(state.m.get('projection/bias')!));
  });
});

describe('EMA of the weights', () => {
  it('starts at the weights and moves by (1 − d) towards them after each update', () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const params = new Map([['projection/kernel', p]]);
    const ema = new WeightEma(params, 0.995);
    expect(Array.from(ema.values().get('projection/kernel')!)).toEqual([1, 2]);
    p.assign(tf.tensor1d([3, 0]));
    ema.update(params);
    expect(Array.from(ema.values().get('projection/kernel')!)).toEqual([0.995 * 1 + 0.005 * 3, 0.995 * 2].map((v) => expect.closeTo(v, 6)));
    p.assign(tf.tensor1d([5, 5]));
    ema.update(params);
    const first = [1.01, 1.99];
    expect(Array.from(ema.values().get('projection/kernel')!)).toEqual(first.map((v) => expect.closeTo(0.995 * v + 0.005 * 5, 6)));
  });
});

describe('gradient clipping', () => {
  it('scales all gradients by one factor so the global norm is at most 0.5', () => {
    const grads = new Map([
      ['a', tf.tensor1d([3, 4])],
      ['b', tf.tensor1d([12])],
    ]);
    const { grads: out, norm } = clipByGlobalNorm(grads, 0.5);
    expect(norm).toBeCloseTo(13, 5);
    const coef = 0.5 / (13 + 1e-6);
    expect(values(out.get('a')!)).toEqual([3 * coef, 4 * coef].map((v) => expect.closeTo(v, 6)));
    expect(values(out.get('b')!)).toEqual([expect.closeTo(12 * coef, 6)]);
    const total = Math.hypot(...values(out.get('a')!), ...values(out.get('b')!));
    expect(total).toBeCloseTo(0.5, 5);
  });

  it('leaves gradients under the limit alone and reports a NaN norm', () => {
    const small = clipByGlobalNorm(new Map([['a', tf.tensor1d([0.1, 0.2])]]), 0.5);
    expect(values(small.grads.get('a')!)).toEqual([expect.closeTo(0.1, 7), expect.closeTo(0.2, 7)]);
    const broken = clipByGlobalNorm(new Map([['a', tf.tensor1d([Number.NaN, 1])]]), 0.5);
    expect(broken.norm).toBeNaN();
  });
});
