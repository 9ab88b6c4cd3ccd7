import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src-main/features/training/checkpoint.js';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { checkMonitors, type EpochRecord, type MonitorEvent } from '../../../src-main/features/training/monitors.js';
import { trainHead, type TrainingEvent } from '../../../src-main/features/training/trainer.js';
import { clusteredData } from './helpers.js';

const data = clusteredData({ classes: 6, perClass: 6, dim: 32, seed: 5 });
const small = { epochs: 4, batchSize: 14, projection: { dim: 16 }, schedule: { warmupEpochs: 1 } };

describe('guards', () => {
  it('a NaN loss stops the run with an emergency checkpoint taken before the bad update', async () => {
    const events: TrainingEvent[] = [];
    // An absurd learning rate drives the weights to ±1e38; the next forward pass overflows to NaN.
    const result = await trainHead(data, { config: { ...small, optimizer: { headLr: 1e38 }, gradientClipNorm: 1e30 }, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('emergency-stop');
    expect(result.reason).toMatch(/NaN|Infinity|exceeds/);
    const state = decodeCheckpoint(result.checkpoint);
    expect(state.emergency).toBe(result.reason);
    expect(state.plan).not.toBeNull();
    const emergency = events.filter((e) => e.type === 'checkpoint' && e.emergency);
    expect(emergency).toHaveLength(1);
    expect(events.some((e) => e.type === 'epoch')).toBe(false);
    // Only the steps before the bad one were applied.
    const stepsRun = events.filter((e) => e.type === 'step').length;
    expect(state.optimizerStep).toBe(stepsRun);
  });

  it('a loss above the limit stops the run at once, with nothing applied', async () => {
    const result = await trainHead(data, { config: { ...small, guards: { maxLoss: 0.5 } } });
    expect(result.status).toBe('emergency-stop');
    expect(result.reason).toMatch(/exceeds 0.5/);
    const state = decodeCheckpoint(result.checkpoint);
    expect([state.epoch, state.step, state.optimizerStep]).toEqual([0, 0, 0]);
  });
});

describe('plateau and divergence monitors (window 5)', () => {
  const guards = parseTrainingConfig().guards;
  const record = (epoch: number, loss: number, r1: number): EpochRecord => ({ epoch, lr: 1e-3, loss, gradNorm: 1, seconds: 1, recall: { '1': r1, '5': r1 }, syntheticToReal: null });

  function feed(records: EpochRecord[]): MonitorEvent[][] {
    const state = { onPlateau: false, diverging: false };
    const history: EpochRecord[] = [];
    return records.map((r) => {
      history.push(r);
      return checkMonitors(history, state, guards);
    });
  }

  it('signals a plateau once, when 5 epochs in a row do not beat the best recall before them', () => {
    const recall = [0.5, 0.6, 0.65, 0.7, 0.7, 0.7, 0.69, 0.7, 0.7, 0.7, 0.7, 0.75, 0.76];
    const events = feed(recall.map((r, e) => record(e, 5 - e * 0.1, r)));
    const plateaus = events.map((ev, e) => (ev.some((x) => x.type === 'plateau') ? e : -1)).filter((e) => e >= 0);
    // Best before epoch 8's window (epochs 4–8) is 0.7 (epoch 3): flat from epoch 8 on; fires once; improvement at 11 clears it.
    expect(plateaus).toEqual([8]);
  });

  it('signals divergence when the window mean loss rises 25% above its best', () => {
    const loss = [5, 4, 3, 2, 2, 2, 2, 2, 2.2, 2.6, 3.0, 3.4, 3.8, 4.2];
    const events = feed(loss.map((l, e) => record(e, l, 0.5 + e * 0.01)));
    const divergent = events.map((ev, e) => (ev.some((x) => x.type === 'divergence') ? e : -1)).filter((e) => e >= 0);
    // Best window mean 2.0 (epochs 3–7); epoch 11's window (7–11) averages 2.64 > 2.5.
    expect(divergent).toEqual([11]);
    expect(events.flat().some((x) => x.type === 'plateau')).toBe(false);
  });
});
