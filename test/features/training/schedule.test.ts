import { describe, expect, it } from 'vitest';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { learningRateAt } from '../../../src-main/features/training/schedule.js';

describe('learning-rate schedule', () => {
  const config = parseTrainingConfig({ epochs: 20 });
  const lr = 1e-3;
  const at = (e: number) => learningRateAt(e, config, lr);

  it('warms up linearly over 5 epochs to the full rate', () => {
    expect(config.schedule.warmupEpochs).toBe(5);
    expect([0, 1, 2, 3, 4].map(at)).toEqual([0.2e-3, 0.4e-3, 0.6e-3, 0.8e-3, 1e-3].map((v) => expect.closeTo(v, 12)));
  });

  it('then follows a half cosine down to 1% of the rate on the last epoch', () => {
    expect(at(5)).toBeCloseTo(1e-3, 12);
    expect(at(19)).toBeCloseTo(1e-5, 12);
    // Half-way through the decay (epoch 5 + 14/2 = 12) the cosine is at its midpoint.
    expect(at(12)).toBeCloseTo(1e-5 + (1e-3 - 1e-5) * 0.5, 12);
    // Epoch 8: progress 3/14 of the way.
    expect(at(8)).toBeCloseTo(1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + Math.cos((Math.PI * 3) / 14)), 12);
    for (let e = 6; e < 20; e++) expect(at(e)).toBeLessThan(at(e - 1));
  });

  it('is per epoch: epochs outside the run are refused', () => {
    expect(() => at(20)).toThrow(/outside/);
    expect(() => at(-1)).toThrow(/outside/);
    expect(() => at(1.5)).toThrow(/outside/);
  });
});
