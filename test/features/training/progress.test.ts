import { describe, expect, it } from 'vitest';
import { epochFromRecord, nanGuardEvent, recallPair, runEventFromMonitor } from '../../../src-main/features/training/progress.js';
import { TrainingEpoch, TrainingRunEvent } from '../../../src-shared/contract/index.js';

describe('training progress mapping', () => {
  it('an epoch record becomes a 1-based contract epoch with recall@1/@5', () => {
    const e = epochFromRecord({ epoch: 0, lr: 1e-4, loss: 3.5, gradNorm: 0.2, seconds: 1.5, recall: { '1': 0.6, '5': 0.9 }, syntheticToReal: null });
    expect(TrainingEpoch.parse(e)).toEqual({ epoch: 1, loss: 3.5, lr: 1e-4, gradNorm: 0.2, recall: { at1: 0.6, at5: 0.9 }, syntheticToReal: null, seconds: 1.5 });
    expect(recallPair({ '1': 0.1 })).toBeNull();
    expect(() => epochFromRecord({ epoch: 0, lr: 1, loss: 1, gradNorm: 1, seconds: 1, recall: { '1': 0.5 }, syntheticToReal: null })).toThrow(/recall@1 and @5/);
    expect(recallPair({ '1': 0.1, '5': 0.4, '10': 0.5 })).toEqual({ at1: 0.1, at5: 0.4 });
  });

  it('monitor events and the NaN guard become run events', () => {
    const plateau = runEventFromMonitor({ type: 'plateau', epoch: 6, window: 5, best: 0.7, recent: 0.69, metric: 'recall@1' }, 5);
    const divergence = runEventFromMonitor({ type: 'divergence', epoch: 7, window: 5, meanLoss: 9, bestMeanLoss: 4 }, 6);
    const nan = nanGuardEvent(2, 'epoch 2 step 3: loss NaN', 7);
    for (const e of [plateau, divergence, nan]) TrainingRunEvent.parse(e);
    expect(plateau).toMatchObject({ type: 'plateau', epoch: 7, metric: 'recall@1', best: 0.7, recent: 0.69 });
    expect(divergence).toMatchObject({ type: 'divergence', epoch: 8, metric: 'loss', best: 4, recent: 9 });
    expect(nan).toMatchObject({ type: 'nan_guard', epoch: 3, reason: 'epoch 2 step 3: loss NaN' });
  });
});
