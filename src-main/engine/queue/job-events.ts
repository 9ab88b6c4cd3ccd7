/**
 * The payload of the job.* lifecycle events, from an attempt this process ran or from a
 * row it changed without running it (a waiting job cancelled, a crashed boot's job failed).
 */
import type { JobErrorKind, JobEvent, JobState } from '../../../src-shared/contract/index.js';
import type { Attempt } from './attempts.js';
import type { QueueCore } from './core.js';
import type { JobRow } from './rows.js';

export interface AttemptEventDetail {
  error?: string;
  errorKind?: JobErrorKind;
  errorCode?: string | null;
  durationMs?: number;
  runAt?: number;
}

export function attemptEvent(a: Attempt, state: JobState, extra: AttemptEventDetail = {}): JobEvent {
  return {
    jobId: a.id,
    type: a.type,
    label: a.label,
    batchId: a.batchId,
    projectId: a.projectId,
    state,
    attempt: a.attempt,
    error: extra.error ?? null,
    errorKind: extra.errorKind ?? null,
    errorCode: extra.errorCode ?? null,
    durationMs: extra.durationMs ?? null,
    runAt: extra.runAt ?? null,
  };
}

/** Announces a job that finished without an attempt of this process, and lets its waiters go. */
export function emitRowFinished(
  core: QueueCore,
  type: 'job.cancelled' | 'job.failed',
  row: JobRow,
  p: { state: JobState; error?: string; errorKind?: JobErrorKind },
): void {
  core.events.emit(type, {
    jobId: row.id,
    type: row.type,
    label: row.label,
    batchId: row.batch_id,
    projectId: row.project_id,
    state: p.state,
    attempt: row.attempts,
    error: p.error ?? null,
    errorKind: p.errorKind ?? null,
    errorCode: null,
    durationMs: null,
    runAt: null,
  });
  core.waiters.resolveJob(row.id);
}
