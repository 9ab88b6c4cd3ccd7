/**
 * The random draws of the pipelines, without pixels: each step's rate over many seeds is
 * near its probability (binomial tolerance, 4.5 sd), and every sampled parameter stays in
 * its configured range. The seeds are fixed, so these results are the same every run.
 */
import { describe, expect, it } from 'vitest';
import { planShadow } from '../../../src-main/features/augmentation/compose.js';
import { DEFAULT_AUGMENT_CONFIG, resolveConfig } from '../../../src-main/features/augmentation/config.js';
import type { Op, Step } from '../../../src-main/features/augmentation/ops.js';
import { chooseSyntheticPipeline, planReal, planSynthetic, samplePerspective } from '../../../src-main/features/augmentation/pipelines.js';
import { Rng } from '../../../src-main/features/augmentation/rng.js';
import { binomialSlack } from './patterns.js';

const cfg = DEFAULT_AUGMENT_CONFIG;
const N = 4000;
/** Range checks make many assertions each; fewer seeds keep them quick and still cover every value. */
const N_RANGE = 1500;
const size = { width: 400, height: 300 };

function rate(n: number, count: number, p: number): void {
  expect(Math.abs(count - n * p), `count ${count} of ${n} for p ${p}`).toBeLessThanOrEqual(binomialSlack(n, p));
}

const applied = (steps: Step[], name: string): Op | undefined => {
  const s = steps.find((x) => x.name === name);
  return s?.applied ? s.params : undefined;
};

describe('probabilities', () => {
  it('light or heavy 50/50, shadow 0.7', () => {
    let light = 0;
    let shadow = 0;
    for (let i = 0; i < N; i++) {
      const root = Rng.from('rates', i);
      if (chooseSyntheticPipeline(root, cfg) === 'light') light++;
      if (planShadow(root.fork('shadow'), cfg.synthetic.shadow).applied) shadow++;
    }
    rate(N, light, 0.5);
    rate(N, shadow, 0.7);
  });

  it('light pipeline: affine 0.4; heavy: perspective 0.5, grid 0.2, optical 0.2, affine 0.5, blur 0.5 (motion or Gaussian 50/50)', () => {
    let lightAffine = 0;
    const heavy: Record<string, number> = {};
    let motion = 0;
    for (let i = 0; i < N; i++) {
      if (applied(planSynthetic('light', Rng.from('light', i), cfg), 'affine')) lightAffine++;
      const steps = planSynthetic('heavy', Rng.from('heavy', i), cfg);
      for (const s of steps) if (s.applied) heavy[s.name] = (heavy[s.name] ?? 0) + 1;
      if (applied(steps, 'blur')?.op === 'motion-blur') motion++;
    }
    rate(N, lightAffine, 0.4);
    rate(N, heavy['perspective']!, 0.5);
    rate(N, heavy['grid-distortion']!, 0.2);
    rate(N, heavy['optical-distortion']!, 0.2);
    rate(N, heavy['affine']!, 0.5);
    rate(N, heavy['blur']!, 0.5);
    rate(heavy['blur']!, motion, 0.5);
    expect(heavy['resize']).toBe(N);
  });

  it('real pipeline: geometric 0.8 split 0.6 : 0.4 : 0.2 : 0.2, and each photometric step at its p', () => {
    const counts: Record<string, number> = {};
    const geometric: Record<string, number> = {};
    let motion = 0;
    for (let i = 0; i < N; i++) {
      const steps = planReal(Rng.from('real', i), cfg, size, true);
      for (const s of steps) if (s.applied) counts[s.name] = (counts[s.name] ?? 0) + 1;
      const g = applied(steps, 'geometric');
      if (g) geometric[g.op] = (geometric[g.op] ?? 0) + 1;
      if (applied(steps, 'blur')?.op === 'motion-blur') motion++;
    }
    rate(N, counts['geometric']!, 0.8);
    const g = counts['geometric']!;
    rate(g, geometric['affine']!, 0.6 / 1.4);
    rate(g, geometric['perspective']!, 0.4 / 1.4);
    rate(g, geometric['grid-distortion']!, 0.2 / 1.4);
    rate(g, geometric['optical-distortion']!, 0.2 / 1.4);
    rate(N, counts['brightness-contrast']!, 0.7);
    rate(N, counts['color-jitter']!, 0.6);
    rate(N, counts['rgb-shift']!, 0.4);
    rate(N, counts['iso-noise']!, 0.4);
    rate(N, counts['blur']!, 0.5);
    rate(counts['blur']!, motion, 0.5);
    rate(N, counts['coarse-dropout']!, 0.3);
  });

  it('a probability of 0 or 1 in the config is obeyed exactly', () => {
    const never = resolveConfig({ synthetic: { shadow: { p: 0 }, heavy: { perspective: { p: 0 }, blur: { p: 1 } } } });
    for (let i = 0; i < 500; i++) {
      expect(planShadow(Rng.from('p', i), never.synthetic.shadow).applied).toBe(false);
      const steps = planSynthetic('heavy', Rng.from('p', i), never);
      expect(applied(steps, 'perspective')).toBeUndefined();
      expect(applied(steps, 'blur')).toBeDefined();
    }
  });
});

describe('sampled parameters stay in their ranges', () => {
  it('synthetic: affine ±3° (light) and ±7° (heavy), perspective 0.01–0.05, grid and optical 0.2, odd blur kernels 3–7 (all of them), shadow 80–140 / 5–8 / (5, 5)', () => {
    const kernels = new Set<number>();
    const passes = new Set<number>();
    for (let i = 0; i < N_RANGE; i++) {
      const light = applied(planSynthetic('light', Rng.from('range-l', i), cfg), 'affine');
      if (light?.op === 'affine') {
        for (const v of [light.rotate, light.shearX, light.shearY]) expect(Math.abs(v)).toBeLessThanOrEqual(3);
      }
      const heavy = planSynthetic('heavy', Rng.from('range-h', i), cfg);
      for (const s of heavy) {
        if (!s.applied) continue;
        const p = s.params;
        if (p.op === 'affine') for (const v of [p.rotate, p.shearX, p.shearY]) expect(Math.abs(v)).toBeLessThanOrEqual(7);
        if (p.op === 'perspective') {
          expect(p.scale).toBeGreaterThanOrEqual(0.01);
          expect(p.scale).toBeLessThanOrEqual(0.05);
        }
        if (p.op === 'grid-distortion') for (const v of [...p.stepsX, ...p.stepsY]) expect(Math.abs(v - 1)).toBeLessThanOrEqual(0.2);
        if (p.op === 'optical-distortion') expect(Math.abs(p.k)).toBeLessThanOrEqual(0.2);
        if (p.op === 'motion-blur' || p.op === 'gaussian-blur') kernels.add(p.kernel);
      }
      const shadow = planShadow(Rng.from('range-s', i), cfg.synthetic.shadow);
      if (shadow.applied) {
        expect(shadow.alpha).toBeGreaterThanOrEqual(80);
        expect(shadow.alpha).toBeLessThanOrEqual(140);
        passes.add(shadow.blurPasses);
        expect(shadow.offset).toEqual([5, 5]);
      }
    }
    expect([...kernels].sort()).toEqual([3, 5, 7]);
    expect([...passes].sort()).toEqual([5, 6, 7, 8]);
  });

  it('real: affine ±5°, perspective 0.01–0.06, brightness ±0.3·255, contrast ±0.15, jitter factors, RGB shift ±12, ISO noise ranges, dropout 1–6 holes of at most 30×30 inside the image', () => {
    const holeCounts = new Set<number>();
    for (let i = 0; i < N_RANGE; i++) {
      for (const s of planReal(Rng.from('range-r', i), cfg, size, true)) {
        if (!s.applied) continue;
        const p = s.params;
        switch (p.op) {
          case 'affine':
            for (const v of [p.rotate, p.shearX, p.shearY]) expect(Math.abs(v)).toBeLessThanOrEqual(5);
            break;
          case 'perspective':
            expect(p.scale).toBeGreaterThanOrEqual(0.01);
            expect(p.scale).toBeLessThanOrEqual(0.06);
            break;
          case 'brightness-contrast':
            expect(Math.abs(p.beta)).toBeLessThanOrEqual(0.3 * 255);
            expect(Math.abs(p.alpha - 1)).toBeLessThanOrEqual(0.15);
            break;
          case 'color-jitter':
            expect(Math.abs(p.brightness - 1)).toBeLessThanOrEqual(0.1);
            expect(Math.abs(p.contrast - 1)).toBeLessThanOrEqual(0.1);
            expect(Math.abs(p.saturation - 1)).toBeLessThanOrEqual(0.15);
            expect(Math.abs(p.hue)).toBeLessThanOrEqual(0.03);
            expect([...p.order].sort()).toEqual(['brightness', 'contrast', 'hue', 'saturation']);
            break;
          case 'rgb-shift':
            for (const v of [p.r, p.g, p.b]) expect(Math.abs(v)).toBeLessThanOrEqual(12);
            break;
          case 'iso-noise':
            expect(p.colorShift).toBeGreaterThanOrEqual(0.01);
            expect(p.colorShift).toBeLessThanOrEqual(0.03);
            expect(p.intensity).toBeGreaterThanOrEqual(0.1);
            expect(p.intensity).toBeLessThanOrEqual(0.3);
            break;
          case 'coarse-dropout':
            holeCounts.add(p.holes.length);
            expect(p.fill).toBe(220);
            for (const [x, y, w, h] of p.holes) {
              expect(w).toBeGreaterThanOrEqual(10);
              expect(w).toBeLessThanOrEqual(30);
              expect(h).toBeGreaterThanOrEqual(10);
              expect(h).toBeLessThanOrEqual(30);
              expect(x).toBeGreaterThanOrEqual(0);
              expect(y).toBeGreaterThanOrEqual(0);
              expect(x + w).toBeLessThanOrEqual(size.width);
              expect(y + h).toBeLessThanOrEqual(size.height);
            }
            break;
        }
      }
    }
    expect([...holeCounts].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('perspective corners move inwards by |N(0, scale)| mod 0.32: mean offset / scale ≈ √(2/π)', () => {
    const offsets: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const p = samplePerspective(Rng.from('persp', i), { scale: [0.05, 0.05] });
      if (p.op !== 'perspective') throw new Error('not a perspective');
      const [tl, tr, br, bl] = p.corners as [[number, number], [number, number], [number, number], [number, number]];
      offsets.push(tl[0], tl[1], 1 - tr[0], tr[1], 1 - br[0], 1 - br[1], bl[0], 1 - bl[1]);
    }
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(0.32);
    const mean = offsets.reduce((s, v) => s + v, 0) / offsets.length;
    // sd of the mean of 16,000 half-normals: 0.05·0.60/√16000 ≈ 0.00024
    expect(mean / 0.05).toBeCloseTo(Math.sqrt(2 / Math.PI), 1);
    expect(Math.abs(mean - 0.05 * Math.sqrt(2 / Math.PI))).toBeLessThan(0.0012);
  });

  it('plans are functions of the stream: same stream, same plan; another index, another plan', () => {
    const a = planReal(Rng.from('x', 1), cfg, size, true);
    expect(planReal(Rng.from('x', 1), cfg, size, true)).toEqual(a);
    expect(planReal(Rng.from('x', 2), cfg, size, true)).not.toEqual(a);
  });
});

describe('config', () => {
  it('rejects a bad range or probability with a readable message', () => {
    expect(() => resolveConfig({ real: { rgbShift: { p: 1.5 } } })).toThrow(/real\.rgbShift\.p/);
    expect(() => resolveConfig({ synthetic: { heavy: { blur: { kernel: [7, 3] } } } })).toThrow(/synthetic\.heavy\.blur\.kernel/);
    expect(() => resolveConfig({ synthetic: { shadow: { alpha: [80, 300] } } })).toThrow(/shadow\.alpha/);
  });

  it('merges overrides into the defaults, leaving the rest as specified', () => {
    const c = resolveConfig({ synthetic: { shadow: { p: 1 } } });
    expect(c.synthetic.shadow).toEqual({ p: 1, alpha: [80, 140], blurPasses: [5, 8], offset: [5, 5] });
    expect(c.output).toEqual({ size: 384, quality: 95 });
    expect(c.real.coarseDropout.holes).toEqual([1, 6]);
  });
});

describe('rng', () => {
  it('is uniform enough: 20 bins of 100,000 draws within chi-square bounds, ints cover both ends', () => {
    const rng = Rng.from('uniform');
    const bins = new Array<number>(20).fill(0);
    for (let i = 0; i < 100_000; i++) bins[Math.floor(rng.next() * 20)]!++;
    const chi = bins.reduce((s, c) => s + (c - 5000) ** 2 / 5000, 0);
    expect(chi).toBeLessThan(45); // 19 degrees of freedom: p < 0.001 above 43.8
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(3, 7));
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('normal draws have mean 0 and sd 1', () => {
    const rng = Rng.from('normal');
    const xs = Array.from({ length: 50_000 }, () => rng.normal());
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sd - 1)).toBeLessThan(0.02);
  });

  it('forks are reproducible and independent of the parent position', () => {
    const a = Rng.from('fork');
    const b = Rng.from('fork');
    b.next();
    expect(a.fork('x').nextUint32()).toBe(b.fork('x').nextUint32());
    expect(a.fork('x').nextUint32()).not.toBe(a.fork('y').nextUint32());
  });
});
