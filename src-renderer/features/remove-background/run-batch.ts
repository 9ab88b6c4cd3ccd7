import type { RemoveBackgroundRun } from '../../../src-shared/contract/index.js';
import type { BatchCounts } from '../../app/batch-summary.js';

const BATCH_STATE = { queued: 'pending', running: 'running', done: 'completed', failed: 'failed', cancelled: 'cancelled' } as const;

/**
 * The run as its queue batch: the engine derives the run's state and counts from the
 * batch, so this is the batch the Queue page shows, summarized the same way.
 */
export function runAsBatch(run: RemoveBackgroundRun): BatchCounts & { id: string; paused: boolean } {
  const completed = run.done + run.reused + run.needsReview;
  const ended = run.state === 'done' || run.state === 'failed' || run.state === 'cancelled';
  return {
    id: run.runId,
    state: BATCH_STATE[run.state],
    total: run.total,
    completed,
    failed: run.failed,
    // What never ran once the run ended.
    cancelled: ended ? Math.max(0, run.total - completed - run.failed) : 0,
    paused: false,
  };
}
