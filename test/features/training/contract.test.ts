import { describe, expect, it } from 'vitest';
import { events, jobTypes, methods, TrainingConfigSchema, TrainingRun, TrainingStartInput } from '../../../src-shared/contract/index.js';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';

const RUN_ID = '00000000-0000-4000-8000-000000000001';

describe('training contract', () => {
  it('is merged into the contract: methods, progress event, job type with its stages', () => {
    for (const name of ['training.estimate', 'training.start', 'training.list', 'training.get', 'training.cancel', 'training.resume', 'training.delete', 'training.models', 'training.activate', 'training.deleteModel', 'training.saveModel'] as const) {
      expect(methods[name].summary.length).toBeGreaterThan(10);
    }
    expect(methods['training.saveModel'].local).toEqual(['destPath']);
    expect(Object.keys(events)).toContain('training.progress');
    expect(jobTypes['training.run'].stages).toEqual(['preparing', 'embedding', 'training', 'exporting']);
  });

  it('is the one recipe: config.ts parses with the contract schema and its defaults are the reference trainer’s', () => {
    const c = parseTrainingConfig();
    expect(c).toEqual(TrainingConfigSchema.parse({}));
    expect(c.projection).toMatchObject({ dim: 512, dropout: 0.15 });
    expect(c.arcface).toEqual({ scale: 30, margin: 0.3, easyMargin: true });
    expect(c.labelSmoothing).toBe(0.2);
    expect(c.optimizer).toMatchObject({ backboneLr: 2e-5, weightDecay: 0.01 });
    expect(c.schedule).toEqual({ warmupEpochs: 5, minLrRatio: 0.01 });
    expect(c.gradientClipNorm).toBe(0.5);
    expect(c.emaDecay).toBe(0.995);
    expect(c.sampler).toMatchObject({ realToSyntheticProbability: 0.57, hardNegativeProducts: 5, neighbourPool: 50 });
    expect(c.guards).toMatchObject({ maxLoss: 100, window: 5 });
  });

  it('refuses a start whose recipe cannot run, naming the field', () => {
    const bad = TrainingStartInput.safeParse({ datasetId: RUN_ID, config: { epochs: 3, schedule: { warmupEpochs: 3 } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['config', 'schedule', 'warmupEpochs']);
    expect(TrainingStartInput.safeParse({ datasetId: RUN_ID, config: { epochs: 3, schedule: { warmupEpochs: 1 } } }).success).toBe(true);
    expect(TrainingStartInput.safeParse({ datasetId: 'not-a-uuid' }).success).toBe(false);
  });

  it('a run snapshot round-trips through its schema', () => {
    const run = {
      id: RUN_ID,
      name: 'Shelf · atolye-mobilenet-v2-hsv',
      datasetId: RUN_ID,
      datasetName: 'Shelf',
      backboneId: 'atolye-mobilenet-v2-hsv',
      state: 'running',
      config: parseTrainingConfig({ epochs: 2, schedule: { warmupEpochs: 1 } }),
      epochs: 2,
      epochsCompleted: 1,
      step: { epoch: 2, step: 3, steps: 10 },
      embedding: null,
      stage: 'training',
      history: [{ epoch: 1, loss: 12.5, lr: 0.001, gradNorm: 0.4, recall: { at1: 0.5, at5: 0.9 }, syntheticToReal: null, seconds: 1.2 }],
      events: [{ type: 'plateau', epoch: 1, window: 5, metric: 'recall@1', best: 0.5, recent: 0.5, reason: null, at: 1 }],
      counts: { products: { train: 3, valid: 1, test: 1 }, images: { train: { real: 3, synthetic: 3 }, valid: { real: 1, synthetic: 1 }, test: { real: 1, synthetic: 0 } } },
      baseline: { recall: { at1: 0.4, at5: 0.8 }, syntheticToReal: null },
      test: null,
      etaSeconds: 1.2,
      modelId: null,
      error: null,
      errorCode: null,
      resumable: true,
      jobId: null,
      createdAt: 1,
      updatedAt: 2,
      finishedAt: null,
    };
    expect(TrainingRun.parse(run)).toEqual(run);
    expect(TrainingRun.safeParse({ ...run, state: 'sleeping' }).success).toBe(false);
  });
});
