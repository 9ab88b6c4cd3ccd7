/**
 * The trainer's events as the contract shows them: epochs are 1-based for people (the
 * trainer counts from 0), recall@k records become at1/at5, monitor events and an
 * emergency stop become the run's events.
 */
import type { RecallPair, TrainingEpoch, TrainingRunEvent } from '../../../src-shared/contract/training.js';
import type { EpochRecord, MonitorEvent } from './monitors.js';

/** recall@1 and @5 of a record; null when it lacks either (a recipe evaluating other ks). */
export function recallPair(record: Record<string, number> | null): RecallPair | null {
  const at1 = record?.['1'];
  const at5 = record?.['5'];
  return at1 === undefined || at5 === undefined ? null : { at1, at5 };
}

/** Throws for a record without recall@1 and @5: the job always evaluates them (it adds k = 1 and 5 to the recipe's ks). */
export function epochFromRecord(record: EpochRecord): TrainingEpoch {
  const recall = recallPair(record.recall);
  if (!recall) throw new Error(`epoch ${record.epoch + 1}: the record has no recall@1 and @5 (evaluation ks must include 1 and 5)`);
  return {
    epoch: record.epoch + 1,
    loss: record.loss,
    lr: record.lr,
    gradNorm: record.gradNorm,
    recall,
    syntheticToReal: recallPair(record.syntheticToReal),
    seconds: record.seconds,
  };
}

export function runEventFromMonitor(event: MonitorEvent, at: number): TrainingRunEvent {
  if (event.type === 'plateau') return { type: 'plateau', epoch: event.epoch + 1, window: event.window, metric: event.metric, best: event.best, recent: event.recent, reason: null, at };
  return { type: 'divergence', epoch: event.epoch + 1, window: event.window, metric: 'loss', best: event.bestMeanLoss, recent: event.meanLoss, reason: null, at };
}

/** The NaN/loss guard stopped the run at this (0-based) epoch. */
export function nanGuardEvent(epoch: number, reason: string, at: number): TrainingRunEvent {
  return { type: 'nan_guard', epoch: epoch + 1, window: null, metric: null, best: null, recent: null, reason, at };
}

/** A resume that could not use its checkpoint and trains from epoch 1 again. */
export function restartedEvent(reason: string, at: number): TrainingRunEvent {
  return { type: 'restarted', epoch: 1, window: null, metric: null, best: null, recent: null, reason, at };
}
