import type { TFunction } from 'i18next';
import type { Batch, BatchState } from '../../src-shared/contract/index.js';

/** The counts of a batch that every view of it reads: the Queue page's row and a feature's own banner. */
export type BatchCounts = Pick<Batch, 'state' | 'total' | 'completed' | 'failed' | 'cancelled'> & { paused?: boolean };

/**
 * One batch as the user is told about it, wherever it is shown. A job that completed with
 * a result that needs review is finished (the bar ends there) but not done: it is counted
 * apart, and a batch that ended with some is "Needs review", not "Completed".
 */
export interface BatchSummary {
  state: BatchState | 'needs_review';
  total: number;
  done: number;
  needsReview: number;
  failed: number;
  cancelled: number;
  /** Done, needing review, failed or cancelled: where the progress bar is. */
  finished: number;
  /** Jobs still to run (what an ETA is about). */
  remaining: number;
  paused: boolean;
}

/**
 * The one summary of a batch. `needsReview` is how many of its completed jobs left a
 * result that needs review (the batch's feature knows; the queue does not).
 */
export function summarizeBatch(batch: BatchCounts, needsReview = 0): BatchSummary {
  const review = Math.max(0, Math.min(needsReview, batch.completed));
  const finished = Math.min(batch.total, batch.completed + batch.failed + batch.cancelled);
  // Failure and cancellation outrank review: they are what the user must act on first.
  const state = batch.state === 'completed' && review > 0 ? 'needs_review' : batch.state;
  return {
    state,
    total: batch.total,
    done: batch.completed - review,
    needsReview: review,
    failed: batch.failed,
    cancelled: batch.cancelled,
    finished,
    remaining: Math.max(0, batch.total - finished),
    paused: batch.paused ?? batch.state === 'paused',
  };
}

export type SummaryPart = 'done' | 'needsReview' | 'failed' | 'cancelled';

/** The summary's phrases in the UI language (the shell's `batchSummary` strings), in order, each tagged for styling. */
export function summaryParts(t: TFunction, s: BatchSummary): { part: SummaryPart; text: string }[] {
  const parts: { part: SummaryPart; text: string }[] = [{ part: 'done', text: t('batchSummary.done', { done: s.done, total: s.total }) }];
  if (s.needsReview) parts.push({ part: 'needsReview', text: t('batchSummary.needsReview', { count: s.needsReview }) });
  if (s.failed) parts.push({ part: 'failed', text: t('batchSummary.failed', { count: s.failed }) });
  if (s.cancelled) parts.push({ part: 'cancelled', text: t('batchSummary.cancelled', { count: s.cancelled }) });
  return parts;
}

/** "3 of 5 done · 1 needs review · 1 failed". */
export function summaryText(t: TFunction, s: BatchSummary): string {
  return summaryParts(t, s)
    .map((p) => p.text)
    .join(' · ');
}
