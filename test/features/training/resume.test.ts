import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src-main/features/training/checkpoint.js';
import type { TrainingConfigInput } from '../../../src-main/features/training/config.js';
import { trainHead, type TrainingEvent, type TrainingResult } from '../../../src-main/features/training/trainer.js';
import { clusteredData } from './helpers.js';

const data = clusteredData({ classes: 8, perClass: 8, dim: 48, seed: 3, noise: 1.0 });
const config: TrainingConfigInput = { seed: 9, epochs: 6, batchSize: 14, projection: { dim: 24 }, schedule: { warmupEpochs: 2 }, optimizer: { headLr: 3e-3 } };

interface Run {
  result: TrainingResult;
  checkpoints: { epoch: number; step: number; bytes: Uint8Array }[];
  steps: number;
}

async function run(opts: { resumeFrom?: Uint8Array; cancelAfterSteps?: number; seed?: number } = {}): Promise<Run> {
  const checkpoints: Run['checkpoints'] = [];
  let steps = 0;
  const controller = new AbortController();
  const result = await trainHead(data, {
    config: opts.resumeFrom ? undefined : { ...config, seed: opts.seed ?? config.seed },
    resumeFrom: opts.resumeFrom,
    signal: controller.signal,
    onEvent: (e: TrainingEvent) => {
      if (e.type === 'checkpoint') checkpoints.push({ epoch: e.epoch, step: e.step, bytes: e.bytes });
      if (e.type === 'step' && ++steps === opts.cancelAfterSteps) controller.abort();
    },
  });
  return { result, checkpoints, steps };
}

function sameWeights(a: TrainingResult, b: TrainingResult): boolean {
  return Buffer.from(a.head.kernel.buffer).equals(Buffer.from(b.head.kernel.buffer)) && Buffer.from(a.head.bias.buffer).equals(Buffer.from(b.head.bias.buffer));
}

const recalls = (r: TrainingResult) => r.history.map((h) => [h.epoch, h.loss, h.recall, h.syntheticToReal]);

describe('checkpoints, resume and determinism', () => {
  let full: Run;

  it('a seeded run is reproducible, and another seed gives another result', async () => {
    full = await run();
    expect(full.result.status).toBe('completed');
    expect(full.result.epochsCompleted).toBe(6);
    const again = await run();
    expect(sameWeights(full.result, again.result)).toBe(true);
    expect(recalls(again.result)).toEqual(recalls(full.result));
    const other = await run({ seed: 10 });
    expect(sameWeights(full.result, other.result)).toBe(false);
  });

  it('checkpoints every epoch; resuming from one equals the uninterrupted run exactly', async () => {
    const boundaries = full.checkpoints.filter((c) => c.step === 0).map((c) => c.epoch);
    expect(boundaries).toEqual([1, 2, 3, 4, 5, 6]);
    const afterEpoch3 = full.checkpoints.find((c) => c.epoch === 3)!;
    const state = decodeCheckpoint(afterEpoch3.bytes);
    expect(state.epoch).toBe(3);
    expect(state.history).toHaveLength(3);
    expect(state.optimizerStep).toBeGreaterThan(0);
    const resumed = await run({ resumeFrom: afterEpoch3.bytes });
    expect(resumed.result.status).toBe('completed');
    expect(sameWeights(full.result, resumed.result)).toBe(true);
    expect(recalls(resumed.result)).toEqual(recalls(full.result));
    // The final checkpoints match too: weights, optimiser moments, EMA.
    const a = decodeCheckpoint(full.result.checkpoint);
    const b = decodeCheckpoint(resumed.result.checkpoint);
    for (const group of ['weights', 'adamM', 'adamV', 'ema'] as const) {
      for (const [name, values] of a[group]) expect(Buffer.from(b[group].get(name)!.buffer, b[group].get(name)!.byteOffset, b[group].get(name)!.byteLength).equals(Buffer.from(values.buffer, values.byteOffset, values.byteLength)), `${group}/${name}`).toBe(true);
    }
  });

  it('cancelling mid-epoch leaves a checkpoint that resumes to the same result', async () => {
    const stepsPerEpoch = full.steps / 6;
    const cancelled = await run({ cancelAfterSteps: Math.floor(2.5 * stepsPerEpoch) });
    expect(cancelled.result.status).toBe('cancelled');
    const state = decodeCheckpoint(cancelled.result.checkpoint);
    expect(state.epoch).toBe(2);
    expect(state.step).toBeGreaterThan(0);
    expect(state.plan).not.toBeNull();
    expect(cancelled.result.epochsCompleted).toBe(2);
    const resumed = await run({ resumeFrom: cancelled.result.checkpoint });
    expect(resumed.result.status).toBe('completed');
    expect(cancelled.steps + resumed.steps).toBe(full.steps);
    expect(sameWeights(full.result, resumed.result)).toBe(true);
    expect(recalls(resumed.result)).toEqual(recalls(full.result));
  });

  it('cancelling right after an epoch boundary (the next plan drawn, no step run) resumes exactly too', async () => {
    const stepsPerEpoch = full.steps / 6;
    const cancelled = await run({ cancelAfterSteps: 2 * stepsPerEpoch });
    const state = decodeCheckpoint(cancelled.result.checkpoint);
    expect([state.epoch, state.step]).toEqual([2, 0]);
    expect(state.plan).not.toBeNull();
    const resumed = await run({ resumeFrom: cancelled.result.checkpoint });
    expect(sameWeights(full.result, resumed.result)).toBe(true);
  });

  it('with a batch norm and standardised inputs, their statistics are checkpointed and resume exactly too', async () => {
    const bn: TrainingConfigInput = { ...config, projection: { dim: 24, batchNorm: true, standardiseInputs: true } };
    const checkpoints: Uint8Array[] = [];
    const whole = await trainHead(data, { config: bn, onEvent: (e) => e.type === 'checkpoint' && checkpoints.push(e.bytes) });
    const state = decodeCheckpoint(checkpoints[2]!);
    expect([...state.weights.keys()]).toContain('projection/norm/moving_variance');
    expect([...state.weights.keys()]).toContain('input/inv_std');
    expect(state.adamM.has('projection/norm/moving_variance')).toBe(false);
    expect(state.adamM.has('projection/norm/gamma')).toBe(true);
    const resumed = await trainHead(data, { resumeFrom: checkpoints[2]! });
    expect(sameWeights(whole, resumed)).toBe(true);
    expect(sameWeights(whole, full.result)).toBe(false);
  });

  it('refuses to resume on other training data', async () => {
    const other = clusteredData({ classes: 8, perClass: 8, dim: 48, seed: 4 });
    await expect(trainHead(other, { resumeFrom: full.checkpoints[0]!.bytes })).rejects.toThrow(/other training data/);
    await expect(trainHead(data, { resumeFrom: Buffer.from('not a checkpoint at all') })).rejects.toThrow(/not an Atölye training checkpoint/);
    // The same train rows, other valid rows: its epochs were measured on another task.
    const otherValid = { ...data, valid: clusteredData({ classes: 8, perClass: 8, dim: 48, seed: 5 }).valid };
    await expect(trainHead(otherValid, { resumeFrom: full.checkpoints[0]!.bytes })).rejects.toThrow(/other training data/);
  });
});
