/**
 * The queue's public API (other features call it), a facade over the parts it composes:
 * enqueue.ts (adding work), scheduler.ts (the one-transaction turn: record outcomes, claim,
 * launch), outcomes.ts (fenced, exactly-once recording), recovery.ts (leases, crashed
 * boots, poison jobs), controls.ts (cancel, retry, pause, clear), batch-events.ts,
 * attempts.ts, timers.ts, waiters.ts and views.ts (reads). The SQL is in store.ts
 * (jobs, settings), batches.ts and boots.ts.
 */
import os from 'node:os';
import type { Batch, FinishedJobState, Job, JobDetail, JobState, PauseReason, QueueControl, QueueListInput, QueueStats } from '../../../src-shared/contract/index.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import { ProgressReporter, RunningAttempts } from './attempts.js';
import { BatchEvents } from './batch-events.js';
import { FINISHED_BATCH_STATES } from './batches.js';
import { Controls } from './controls.js';
import { createCore, type QueueCore } from './core.js';
import { Enqueuer } from './enqueue.js';
import { errorMessage } from './errors.js';
import type { QueueOptions } from './options.js';
import { Recovery } from './recovery.js';
import { Scheduler } from './scheduler.js';
import { QueueTimers } from './timers.js';
import type { BatchTypeDefinition, EnqueueOptions, JobDefinition, JobHandle, Resource } from './types.js';
import { toBatch, toJob, toJobDetail, type BatchListInput } from './views.js';

export type { QueueOptions } from './options.js';

const FINISHED: readonly JobState[] = ['completed', 'failed', 'cancelled'];

/**
 * The durable job queue: one SQLite table, one writer (this queue, on the engine's main
 * thread). Each scheduling turn is one immediate transaction that records the outcomes of
 * finished attempts (fenced by lease) and claims new jobs for free resource slots.
 */
export class Queue {
  readonly limits: Record<Resource, number>;
  private readonly core: QueueCore;
  private readonly attempts: RunningAttempts;
  private readonly batchEvents: BatchEvents;
  private readonly scheduler: Scheduler;
  private readonly enqueuer: Enqueuer;
  private readonly controls: Controls;
  private readonly recovery: Recovery;
  private readonly timers: QueueTimers;

  constructor(db: Db, events: EventBus, readonly bootId: string, options: QueueOptions = {}) {
    const core = (this.core = createCore(db, events, bootId, options));
    this.limits = core.settings.limits;
    this.attempts = new RunningAttempts(core.settings.clock);
    this.batchEvents = new BatchEvents(core);
    // A commit step's follow-up work goes through the public enqueue, in the commit's transaction.
    const followUps = {
      enqueue: <P>(definition: JobHandle<P>, payload: P, options?: EnqueueOptions) => this.enqueue(definition, payload, options).id,
      enqueueMany: <P>(definition: JobHandle<P>, payloads: readonly P[], options?: EnqueueOptions) => this.enqueueMany(definition, payloads, options),
    };
    this.scheduler = new Scheduler(core, this.attempts, this.batchEvents, new ProgressReporter(core), followUps);
    this.enqueuer = new Enqueuer(core, this.batchEvents, this.scheduler);
    this.controls = new Controls(core, this.attempts, this.batchEvents, this.scheduler);
    this.recovery = new Recovery(core, this.attempts, this.batchEvents, () => this.scheduler.schedule());
    this.scheduler.onDiskFull = () => {
      if (this.pauseReason() !== 'disk_full') this.pauseFor('disk_full');
    };
    this.timers = new QueueTimers(core, this.scheduler, {
      renewLeases: () => this.recovery.renewLeases(),
      sweepExpiredLeases: () => this.recovery.recover(true),
      cleanup: () => this.cleanup(),
    });
  }

  // ---------------------------------------------------------------- registry

  /**
   * Adds a job type, with what its handler reaches as ctx.services (its feature's API).
   * All types are registered before start(). Returns the definition, the handle enqueue takes.
   */
  register<D extends Pick<JobDefinition, 'type' | 'resource'>>(definition: D, services?: unknown): D {
    return this.core.registry.register(definition, services);
  }

  registerBatchType<B extends Pick<BatchTypeDefinition, 'type'>>(definition: B, services?: unknown): B {
    return this.core.registry.registerBatchType(definition, services);
  }

  has(type: string): boolean {
    return this.core.registry.has(type);
  }

  hasBatchType(type: string): boolean {
    return this.core.registry.hasBatchType(type);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Recovers what an earlier boot left running, then starts scheduling. */
  start(): void {
    if (this.scheduler.state !== 'idle') return;
    const now = this.core.settings.clock.now();
    const reason = this.core.jobs.pauseReason();
    if (reason === 'disk_full') this.scheduler.hold(reason);
    this.core.boots.started(this.bootId, now, process.pid, os.hostname());
    this.recovery.recover(false);
    this.scheduler.start();
    this.timers.start();
    this.scheduler.wake(this.core.jobs.nextRunAt(now));
    this.scheduler.schedule();
  }

  get running(): boolean {
    return this.scheduler.state === 'running';
  }

  /**
   * Stops claiming, aborts running jobs and gives them `closeGraceMs` to stop; what is
   * still running then is stopped and put back (a shutdown does not use an attempt).
   * Records the clean shutdown, so the next start does not count a crash.
   */
  async close(): Promise<void> {
    const { state } = this.scheduler;
    if (state === 'closed' || state === 'closing') return;
    this.timers.stop();
    await this.scheduler.shutdown(this.core.settings.closeGraceMs);
    // Bookkeeping only: a full disk (SQLITE_FULL) must not stop the library from closing.
    await this.controls.cleanupFinished().catch((err: unknown) => console.warn(`[queue] finished jobs not cleaned up at close: ${errorMessage(err)}`));
    this.batchEvents.stop();
    try {
      if (state === 'running') this.core.boots.stoppedCleanly(this.bootId, this.core.settings.clock.now());
    } catch (err) {
      console.warn(`[queue] the clean stop was not recorded (${errorMessage(err)}): the next start treats this one as interrupted`);
    }
    this.scheduler.closed();
    this.core.waiters.releaseAll();
  }

  /**
   * Stops at once, synchronously (a second Ctrl+C): every running attempt is put back
   * without waiting for it (its attempt is given back, like a shutdown's), its worker told
   * to stop, and the clean stop recorded. Work an attempt finished but did not record yet
   * runs again next time.
   */
  abandon(): void {
    const { db, jobs, bootId, settings } = this.core;
    if (this.scheduler.state === 'closed') return;
    const wasRunning = this.scheduler.state !== 'idle';
    this.timers.stop();
    this.scheduler.closed();
    const now = settings.clock.now();
    const attempts = [...this.attempts.values()];
    db.transaction(() => {
      for (const a of attempts) jobs.release({ seq: a.seq, owner: bootId, attempt: a.attempt }, now);
      if (wasRunning) this.core.boots.stoppedCleanly(bootId, now);
    })();
    for (const a of attempts) {
      a.done = true;
      a.controller.abort(new Error('engine stopping now'));
      a.stopController.abort(new Error('engine stopping now'));
      this.attempts.forget(a);
    }
    this.batchEvents.stop();
    this.core.waiters.releaseAll();
  }

  // ---------------------------------------------------------------- enqueue

  /**
   * Adds a job. With a dedupe key (given, or from the job type's dedupe()), the same
   * work already queued, running or completed is answered instead of a new job.
   */
  enqueue<P>(definition: JobHandle<P>, payload: P, options: EnqueueOptions = {}): { id: string; existing: boolean } {
    return this.enqueuer.enqueue(definition, payload, options);
  }

  /** Many jobs of one type in one transaction (a batch's children): the batch's counts move once. */
  enqueueMany<P>(definition: JobHandle<P>, payloads: readonly P[], options: EnqueueOptions = {}): string[] {
    return this.enqueuer.enqueueMany(definition, payloads, options);
  }

  /** A parent for a set of jobs of one batch type; children name it as batchId. */
  createBatch(type: Pick<BatchTypeDefinition, 'type'>, batch: { id?: string; label?: string | null; projectId?: string | null } = {}): string {
    return this.enqueuer.createBatch(type, batch);
  }

  // ---------------------------------------------------------------- controls

  /** Cancels a job: pending or paused at once; running through its AbortSignal, then its worker is stopped after the grace period. */
  cancel(id: string): Job {
    return this.controls.cancel(id);
  }

  /** Cancels every unfinished job of a batch. */
  cancelBatch(id: string): Batch {
    return this.controls.cancelBatch(id);
  }

  /** Runs a failed or cancelled job again, with all its attempts. */
  retry(id: string): Job {
    return this.controls.retry(id);
  }

  /** Runs the failed jobs of a batch again (or every failed job when no batch is given). */
  retryFailed(batchId?: string): { retried: number; batch: Batch | null } {
    return this.controls.retryFailed(batchId);
  }

  pause(batchId?: string): QueueControl {
    return this.controls.setPaused(true, batchId);
  }

  resume(batchId?: string): QueueControl {
    return this.controls.setPaused(false, batchId);
  }

  isPaused(): boolean {
    return this.scheduler.held !== null || this.core.jobs.paused();
  }

  /** Why the whole queue is paused: 'user', 'disk_full' (resumed by the engine's disk watch), or null. */
  pauseReason(): PauseReason | null {
    const reason = this.scheduler.held ?? this.core.jobs.pauseReason();
    return reason === null ? null : reason === 'disk_full' ? 'disk_full' : 'user';
  }

  /** Pauses the whole queue for a reason of the engine's own (a full disk). */
  pauseFor(reason: PauseReason): QueueControl {
    return this.controls.setPaused(true, undefined, reason);
  }

  /** Removes finished jobs now (all finished states unless told), in small transactions. */
  async clearFinished(options: { states?: FinishedJobState[]; olderThanMs?: number } = {}): Promise<number> {
    return this.controls.clearFinished(options);
  }

  /** Applies the retention policy once (the maintenance timer does this on its own). */
  async cleanup(): Promise<number> {
    return this.controls.cleanup();
  }

  // ---------------------------------------------------------------- reads

  get(id: string): JobDetail {
    return toJobDetail(this.core.views.requireJob(id));
  }

  /** Jobs, newest first (the Queue page) or oldest first (a feature reading its batch's history). */
  list(input: QueueListInput = {}, order: 'newest' | 'oldest' = 'newest'): { items: Job[]; total: number } {
    return this.core.views.listJobs(input, order);
  }

  /** Whether a batch of this id exists (finished or not). */
  hasBatch(id: string): boolean {
    return this.core.batches.get(id) !== undefined;
  }

  batch(id: string): Batch {
    return toBatch(this.core.views.requireBatch(id));
  }

  batches(input: BatchListInput = {}): { items: Batch[]; total: number } {
    return this.core.views.listBatches(input);
  }

  stats(): QueueStats {
    const stats = this.core.views.stats({ now: this.core.settings.clock.now(), paused: this.isPaused(), limits: this.limits, busy: { ...this.attempts.busy } });
    return { ...stats, pauseReason: this.pauseReason() };
  }

  /** Resolves when the job has finished (completed, failed or cancelled), or the queue closed. */
  async waitFor(id: string): Promise<Job> {
    const { views, waiters } = this.core;
    if (!FINISHED.includes(views.requireJob(id).state) && this.scheduler.state !== 'closed') await waiters.forJob(id);
    return toJob(views.requireJob(id));
  }

  async waitForBatch(id: string): Promise<Batch> {
    const { views, waiters } = this.core;
    if (!FINISHED_BATCH_STATES.includes(views.requireBatch(id).state) && this.scheduler.state !== 'closed') await waiters.forBatch(id);
    return toBatch(views.requireBatch(id));
  }

  /** Resolves when nothing runs and nothing can be claimed now (tests, benchmarks). */
  async drain(): Promise<void> {
    const idle = this.core.waiters.forIdle();
    this.scheduler.schedule();
    await idle;
  }
}
