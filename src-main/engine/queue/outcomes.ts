/**
 * Recording the outcome of an attempt, inside the scheduling turn's transaction. Every
 * write is fenced by the attempt's lease (seq + owner + attempt number + running): an
 * attempt whose lease was taken over records nothing. A completion and its job type's
 * commit step share that transaction, so the commit happens exactly once. A failure is
 * classified, then deferred (rate limit: no attempt used), retried after a backoff, or final.
 */
import type { JobErrorKind } from '../../../src-shared/contract/index.js';
import { attemptEvent } from './job-events.js';
import type { Attempt, RunningAttempts } from './attempts.js';
import { backoffDelay } from './backoff.js';
import type { BatchEvents, PostCommit } from './batch-events.js';
import type { QueueCore } from './core.js';
import { classifyError, errorCodeOf, errorMessage, JobError, RateLimitedError } from './errors.js';
import type { Fence } from './rows.js';
import type { CommitContext } from './types.js';

export type Outcome =
  | { attempt: Attempt; kind: 'success'; result: unknown }
  | { attempt: Attempt; kind: 'error'; error: unknown }
  /** The grace period ran out: the handler was told to stop its worker and is no longer waited for. */
  | { attempt: Attempt; kind: 'stopped' };

/** How a commit step enqueues follow-up work in its own transaction: the queue's own enqueue. */
export type FollowUps = Pick<CommitContext<unknown>, 'enqueue' | 'enqueueMany'>;

export class OutcomeRecorder {
  constructor(
    private readonly core: QueueCore,
    private readonly running: RunningAttempts,
    private readonly batchEvents: BatchEvents,
    /** Arms the scheduler's wake-up for a job put back until `at`. */
    private readonly wake: (at: number) => void,
    private readonly followUps: FollowUps,
    /** The queue pauses with the reason disk_full (after this turn's commit). */
    private readonly diskFull: () => void,
  ) {}

  /** Writes the outcome (the caller holds the transaction); events and waiters go on `post`. */
  record(o: Outcome, post: PostCommit): void {
    const a = o.attempt;
    const now = this.core.settings.clock.now();
    const fence: Fence = { seq: a.seq, owner: this.core.bootId, attempt: a.attempt };
    post.push(() => this.running.forget(a));
    if (a.abortReason === 'cancel') return this.cancelled(a, fence, now, post);
    if (o.kind === 'success') return this.completed(a, fence, o.result, now, post);
    if (a.abortReason === 'shutdown') {
      if (!this.core.jobs.release(fence, now)) post.push(() => this.stale(a));
      return;
    }
    const error = a.abortReason === 'timeout' ? new JobError('timeout', `timed out after ${a.def?.timeoutMs} ms`) : o.kind === 'error' ? o.error : new Error('stopped');
    this.failed(a, fence, error, now, post);
  }

  private completed(a: Attempt, fence: Fence, result: unknown, now: number, post: PostCommit): void {
    const { db, jobs, events, waiters } = this.core;
    const def = a.def!;
    let row: { batch_id: string | null } | undefined;
    try {
      const stored = def.storeResult ? def.storeResult(result) : result;
      const json = stored === undefined ? null : JSON.stringify(stored);
      if (def.commit) {
        // A savepoint: if the commit step throws, the completion is undone with it.
        row = db.transaction(() => {
          const r = jobs.complete(fence, json, now);
          if (r) def.commit!(this.commitContext(a), a.payload, result);
          return r;
        })();
      } else {
        row = jobs.complete(fence, json, now);
      }
    } catch (err) {
      return this.failed(a, fence, err, now, post);
    }
    if (!row) return void post.push(() => this.stale(a));
    if (row.batch_id) this.batchEvents.countChild(row.batch_id, { completed: 1 }, now, post);
    const durationMs = now - a.startedAt;
    post.push(() => {
      events.emit('job.completed', attemptEvent(a, 'completed', { durationMs }));
      waiters.resolveJob(a.id);
    });
  }

  private failed(a: Attempt, fence: Fence, error: unknown, now: number, post: PostCommit): void {
    const { jobs, events, waiters, settings } = this.core;
    const kind: JobErrorKind = a.def?.classify?.(error) ?? classifyError(error);
    const message = errorMessage(error);
    const code = errorCodeOf(error);
    const durationMs = now - a.startedAt;
    const putBack = (runAt: number, refund: boolean): void => {
      const row = jobs.reschedule(fence, { error: message, kind, code, runAt, refund }, now);
      if (!row) return void post.push(() => this.stale(a));
      post.push(() => {
        this.wake(runAt);
        events.emit('job.retrying', attemptEvent(a, row.state, { error: message, errorKind: kind, errorCode: code, durationMs, runAt }));
      });
    };
    // A full disk is not the job's failure either: it goes back without using an attempt, and
    // the whole queue pauses until space is freed (retrying would only fail every job in turn).
    if (code === 'disk_full') {
      post.push(() => this.diskFull());
      return putBack(now, true);
    }
    // A rate limit is not the job's failure: it waits until the provider takes work again.
    if (kind === 'rate_limited' && error instanceof RateLimitedError && a.deferrals < settings.maxDeferrals) {
      return putBack(Math.max(now, error.retryAt), true);
    }
    if (kind !== 'permanent' && kind !== 'poison' && kind !== 'rate_limited' && a.attempt < a.maxAttempts) {
      const policy = { ...settings.retryDefaults, ...a.def?.retry };
      return putBack(now + backoffDelay(a.attempt, policy, settings.random), false);
    }
    const row = jobs.fail(fence, message, kind, code, now);
    if (!row) return void post.push(() => this.stale(a));
    if (row.batch_id) this.batchEvents.countChild(row.batch_id, { failed: 1 }, now, post);
    post.push(() => {
      events.emit('job.failed', attemptEvent(a, 'failed', { error: message, errorKind: kind, errorCode: code, durationMs }));
      waiters.resolveJob(a.id);
    });
  }

  private cancelled(a: Attempt, fence: Fence, now: number, post: PostCommit): void {
    const row = this.core.jobs.cancelRunning(fence, now);
    if (!row) return void post.push(() => this.stale(a));
    if (row.batch_id) this.batchEvents.countChild(row.batch_id, { cancelled: 1 }, now, post);
    const durationMs = now - a.startedAt;
    post.push(() => {
      this.core.events.emit('job.cancelled', attemptEvent(a, 'cancelled', { durationMs }));
      this.core.waiters.resolveJob(a.id);
    });
  }

  /** An attempt whose lease was taken over: its outcome was not recorded (that is the fence working). */
  private stale(a: Attempt): void {
    console.warn(`[queue] ignored the outcome of a stale attempt ${a.attempt} of job ${a.id} (${a.type}): its lease was taken over`);
  }

  private commitContext(a: Attempt): CommitContext<unknown> {
    return {
      db: this.core.db,
      services: a.services,
      job: { id: a.id, batchId: a.batchId, projectId: a.projectId, attempt: a.attempt },
      enqueue: this.followUps.enqueue,
      enqueueMany: this.followUps.enqueueMany,
    };
  }
}
