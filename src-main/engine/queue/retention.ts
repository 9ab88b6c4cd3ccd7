import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FinishedJobState } from '../../../src-shared/contract/index.js';
import type { BatchStore } from './batches.js';
import type { JobStore } from './store.js';

export interface RetentionPolicy {
  /** How long finished jobs are kept, per final state. */
  completedMs: number;
  failedMs: number;
  cancelledMs: number;
  /** Rows deleted per transaction: small, so the queue's own writes are never held up long. */
  batchSize: number;
  /** How often the cleanup runs. */
  intervalMs: number;
}

export const defaultRetention: RetentionPolicy = {
  completedMs: 7 * 24 * 3600_000,
  failedMs: 30 * 24 * 3600_000,
  cancelledMs: 7 * 24 * 3600_000,
  batchSize: 500,
  intervalMs: 10 * 60_000,
};

/**
 * Deletes finished jobs that finished before each state's cutoff, `batchSize` rows per
 * transaction with a turn of the event loop between them, then the finished batches
 * left without jobs. Answers the number of jobs removed.
 */
export async function deleteFinished(
  jobs: JobStore,
  batches: BatchStore,
  cutoffs: Partial<Record<FinishedJobState, number>>,
  batchSize: number,
): Promise<number> {
  let removed = 0;
  for (const [state, cutoff] of Object.entries(cutoffs) as [FinishedJobState, number][]) {
    for (;;) {
      const n = jobs.deleteFinished(state, cutoff, batchSize);
      removed += n;
      if (n < batchSize) break;
      await nextTurn();
    }
  }
  const oldest = Math.max(...Object.values(cutoffs));
  while (batches.deleteFinishedEmpty(oldest, batchSize) === batchSize) await nextTurn();
  return removed;
}
