/**
 * What a user (or a feature) does to queued work: cancel a job or a batch, retry failed
 * or cancelled jobs, pause and resume the queue or one batch, and remove finished jobs
 * (on demand, or by the retention policy). Batch counts move in the same transaction.
 */
import { ContractError, type Batch, type FinishedJobState, type Job, type JobState, type PauseReason, type QueueControl } from '../../../src-shared/contract/index.js';
import type { RunningAttempts } from './attempts.js';
import type { BatchEvents, PostCommit } from './batch-events.js';
import type { QueueCore } from './core.js';
import { emitRowFinished } from './job-events.js';
import { deleteFinished } from './retention.js';
import type { JobRow } from './rows.js';
import type { Scheduler } from './scheduler.js';
import { toBatch, toJob } from './views.js';

export class Controls {
  private cleaning: Promise<number> | null = null;

  constructor(
    private readonly core: QueueCore,
    private readonly running: RunningAttempts,
    private readonly batchEvents: BatchEvents,
    private readonly scheduler: Scheduler,
  ) {}

  cancel(id: string): Job {
    const { db, jobs, views, settings } = this.core;
    const row = views.requireJob(id);
    const now = settings.clock.now();
    if (row.state === 'pending' || row.state === 'paused') {
      const post: PostCommit = [];
      db.transaction(() => {
        const done = jobs.cancelWaiting(row.seq, now);
        if (done?.batch_id) this.batchEvents.countChild(done.batch_id, { cancelled: 1 }, now, post);
      })();
      emitRowFinished(this.core, 'job.cancelled', row, { state: 'cancelled' });
      for (const f of post) f();
    } else if (row.state === 'running') {
      jobs.flagCancel(row.seq, now);
      const a = this.running.get(row.seq);
      if (a) this.scheduler.abort(a, 'cancel', settings.graceMs, settings.clock);
    }
    return toJob(views.requireJob(id));
  }

  cancelBatch(id: string): Batch {
    const { db, jobs, views, settings, waiters } = this.core;
    views.requireBatch(id);
    const now = settings.clock.now();
    const post: PostCommit = [];
    db.transaction(() => {
      const cancelled = jobs.cancelBatchWaiting(id, now);
      if (cancelled.length) this.batchEvents.countChild(id, { cancelled: cancelled.length }, now, post);
      post.push(() => cancelled.forEach((jobId) => waiters.resolveJob(jobId)));
    })();
    for (const f of post) f();
    for (const a of this.running.values()) {
      if (a.batchId !== id) continue;
      jobs.flagCancel(a.seq, now);
      this.scheduler.abort(a, 'cancel', settings.graceMs, settings.clock);
    }
    return toBatch(views.requireBatch(id));
  }

  retry(id: string): Job {
    const row = this.core.views.requireJob(id);
    if (row.state !== 'failed' && row.state !== 'cancelled') {
      throw new ContractError('conflict', `job ${id} is ${row.state}; only failed or cancelled jobs can be retried`);
    }
    this.retryRows([row]);
    return toJob(this.core.views.requireJob(id));
  }

  retryFailed(batchId?: string): { retried: number; batch: Batch | null } {
    const { views, jobs } = this.core;
    if (batchId) views.requireBatch(batchId);
    const retried = this.retryRows(jobs.failed(batchId));
    return { retried, batch: batchId ? toBatch(views.requireBatch(batchId)) : null };
  }

  setPaused(paused: boolean, batchId: string | undefined, reason: PauseReason = 'user'): QueueControl {
    const { db, jobs, batches, views, events, settings } = this.core;
    const now = settings.clock.now();
    if (!batchId) {
      // The engine's own pause (a full disk) is also held in memory: the disk may refuse the
      // write that records it. A user's pause lives in the database only, so another process
      // (the CLI beside the app) can resume it.
      if (paused && reason !== 'user') this.scheduler.hold(reason);
      if (!paused) this.scheduler.release();
      try {
        db.transaction(() => {
          jobs.setSetting('paused', paused ? '1' : '0');
          if (paused) jobs.setSetting('pause_reason', reason);
          else jobs.deleteSetting('pause_reason');
        })();
      } catch (err) {
        if (!paused) throw err;
        this.scheduler.hold(reason);
        console.error(`[queue] paused (${reason}) for this run only: ${(err as Error).message}`);
      }
      events.emit('queue.changed', { paused, batchId: null, reason: paused ? reason : null });
      if (!paused) this.scheduler.schedule();
      return { paused, batch: null };
    }
    views.requireBatch(batchId);
    const post: PostCommit = [];
    db.transaction(() => {
      const change = batches.setPaused(batchId, paused, now);
      if (!change) return;
      if (paused) jobs.holdBatch(batchId, now);
      else jobs.unholdBatch(batchId, now);
      this.batchEvents.changed(change.before, change.after, post);
    })();
    for (const f of post) f();
    events.emit('queue.changed', { paused, batchId });
    if (!paused) this.scheduler.schedule();
    return { paused: jobs.paused(), batch: toBatch(views.requireBatch(batchId)) };
  }

  async clearFinished(options: { states?: FinishedJobState[]; olderThanMs?: number } = {}): Promise<number> {
    const { jobs, batches, settings } = this.core;
    const cutoff = settings.clock.now() - (options.olderThanMs ?? 0);
    const states = options.states ?? ['completed', 'failed', 'cancelled'];
    return deleteFinished(jobs, batches, Object.fromEntries(states.map((s) => [s, cutoff + 1])), settings.retention.batchSize);
  }

  /** One retention pass at a time: a second call while one runs answers the same promise. */
  async cleanup(): Promise<number> {
    const { jobs, batches, settings } = this.core;
    const { retention } = settings;
    const now = settings.clock.now();
    this.cleaning ??= deleteFinished(
      jobs,
      batches,
      { completed: now - retention.completedMs, failed: now - retention.failedMs, cancelled: now - retention.cancelledMs },
      retention.batchSize,
    ).finally(() => (this.cleaning = null));
    return this.cleaning;
  }

  /** Resolves once a retention pass under way (if any) is over; close waits for it. */
  async cleanupFinished(): Promise<void> {
    if (this.cleaning) await this.cleaning.catch(() => {});
  }

  private retryRows(rows: JobRow[]): number {
    const { db, jobs, settings } = this.core;
    const now = settings.clock.now();
    const post: PostCommit = [];
    let retried = 0;
    db.transaction(() => {
      for (const row of rows) {
        let r: { batch_id: string | null; state: JobState } | undefined;
        try {
          r = jobs.retry(row.seq, now);
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
            if (rows.length === 1) throw new ContractError('conflict', `the same work is already queued (job ${jobs.byDedupe(row.dedupe_key ?? '')?.id})`);
            continue;
          }
          throw err;
        }
        if (!r) continue;
        retried++;
        if (r.batch_id) this.batchEvents.countChild(r.batch_id, row.state === 'failed' ? { failed: -1 } : { cancelled: -1 }, now, post);
      }
    })();
    for (const f of post) f();
    this.scheduler.schedule();
    return retried;
  }
}
