import { describe, expect, it } from 'vitest';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';

describe('training config', () => {
  it('defaults to the reference recipe', () => {
    const c = parseTrainingConfig();
    expect(c.projection.dim).toBe(512);
    expect(c.projection.dropout).toBe(0.15);
    // Additions beyond the recipe are off unless asked for.
    expect(c.projection).toMatchObject({ hiddenDim: 0, batchNorm: false, standardiseInputs: false });
    expect(c.arcface).toEqual({ scale: 30, margin: 0.3, easyMargin: true });
    expect(c.labelSmoothing).toBe(0.2);
    expect(c.optimizer.weightDecay).toBe(0.01);
    expect(c.optimizer.backboneLr).toBe(2e-5);
    expect(c.schedule).toEqual({ warmupEpochs: 5, minLrRatio: 0.01 });
    expect(c.gradientClipNorm).toBe(0.5);
    expect(c.emaDecay).toBe(0.995);
    expect(c.sampler).toEqual({ realToSyntheticProbability: 0.57, hardNegativeProducts: 5, neighbourPool: 50, negativeSelection: 'hardest' });
    expect(c.guards.maxLoss).toBe(100);
    expect(c.guards.window).toBe(5);
  });

  it('keeps nested defaults when one nested field is overridden', () => {
    const c = parseTrainingConfig({ arcface: { margin: 0.5 }, optimizer: { headLr: 0.01 } });
    expect(c.arcface).toEqual({ scale: 30, margin: 0.5, easyMargin: true });
    expect(c.optimizer.headLr).toBe(0.01);
    expect(c.optimizer.weightDecay).toBe(0.01);
  });

  it('names the bad field', () => {
    expect(() => parseTrainingConfig({ sampler: { neighbourPool: 80 } })).toThrow(/sampler\.neighbourPool/);
    expect(() => parseTrainingConfig({ epochs: 3, schedule: { warmupEpochs: 5 } })).toThrow(/schedule\.warmupEpochs/);
    expect(() => parseTrainingConfig({ projection: { dim: 2 ** 31 } })).toThrow(/projection\.dim/);
    expect(() => parseTrainingConfig({ epochs: 1e9 })).toThrow(/epochs/);
    expect(() => parseTrainingConfig({ batchSize: 5 })).toThrow(/batchSize/);
    expect(() => parseTrainingConfig({ learningRate: 1 } as never)).toThrow(/learningRate|Unrecognized/i);
  });

  it('shortens the default warm-up to fit a short run (a warm-up the user set is kept, or refused)', () => {
    expect(parseTrainingConfig({}).schedule.warmupEpochs).toBe(5);
    expect(parseTrainingConfig({ epochs: 3 }).schedule.warmupEpochs).toBe(2);
    expect(parseTrainingConfig({ epochs: 1 }).schedule.warmupEpochs).toBe(0);
    expect(parseTrainingConfig({ epochs: 3, schedule: { warmupEpochs: 1 } }).schedule.warmupEpochs).toBe(1);
  });
});
