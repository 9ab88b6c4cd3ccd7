import os from 'node:os';
import type { Transaction } from 'better-sqlite3';
import {
  ContractError,
  describeZodError,
  parseOrThrow,
  type Batch,
  type FinishedJobState,
  type Job,
  type JobDetail,
  type JobErrorKind,
  type JobState,
  type QueueControl,
  type QueueListInput,
  type QueueStats,
} from '../../../src-shared/contract/index.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import { newId } from '../ids.js';
import { backoffDelay } from './backoff.js';
import { BatchStore, FINISHED_BATCH_STATES } from './batches.js';
import { systemClock, type Clock, type ClockTimer } from './clock.js';
import type { QueueOptions } from './options.js';
import { Registry } from './registry.js';
import { Waiters } from './waiters.js';
import { dedupeKey } from './dedupe.js';
import { classifyError, errorCodeOf, errorMessage, JobError, PermanentError, RateLimitedError } from './errors.js';
import { BootStore } from './boots.js';
import { ownerVerdict, type OwnerVerdict } from './recovery.js';
import { abortError, newAttempt, ProgressReporter, RunningAttempts, type AbortReason, type Attempt } from './attempts.js';
import { BatchEvents } from './batch-events.js';
import { createCore, type QueueCore } from './core.js';
import { attemptEvent, emitRowFinished } from './job-events.js';
import { deleteFinished, type RetentionPolicy } from './retention.js';
import type { ClaimedRow, Fence, JobRow } from './rows.js';
import { JobStore } from './store.js';
import {
  priorityRank,
  type BatchRow,
  type BatchTypeDefinition,
  type CommitContext,
  type EnqueueOptions,
  type JobContext,
  type JobDefinition,
  type JobHandle,
  type Resource,
  type RetryPolicy,
} from './types.js';
import { QueueViews, toBatch, toJob, toJobDetail, type BatchListInput } from './views.js';

export type { QueueOptions } from './options.js';

/** What one scheduling turn collects inside its transaction and acts on after the commit. */
interface Turn {
  outcomes: Outcome[];
  post: (() => void)[];
  claimed: { row: ClaimedRow; resource: Resource }[];
  /** Slots of attempts recorded in this turn, free for this turn's claims. */
  freed: Record<Resource, number>;
}

type Outcome =
  | { attempt: Attempt; kind: 'success'; result: unknown }
  | { attempt: Attempt; kind: 'error'; error: unknown }
  /** The grace period ran out: the handler was told to stop its worker and is no longer waited for. */
  | { attempt: Attempt; kind: 'stopped' };

const FINISHED: readonly JobState[] = ['completed', 'failed', 'cancelled'];

/**
 * The durable job queue: one SQLite table, one writer (this class, on the engine's
 * main thread). Each scheduling turn is one immediate transaction that records the
 * outcomes of finished attempts (fenced by lease) and claims new jobs for free
 * resource slots, so a job costs about one commit to enqueue and one to finish.
 */
export class Queue {
  readonly limits: Record<Resource, number>;
  private readonly core: QueueCore;
  private readonly store: JobStore;
  private readonly batchStore: BatchStore;
  private readonly boots: BootStore;
  private readonly views: QueueViews;
  /** Each job type with the services its handler gets as ctx.services (its feature's). */
  private readonly registry: Registry;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly agingMs: number;
  private readonly leaseMs: number;
  private readonly graceMs: number;
  private readonly closeGraceMs: number;
  private readonly poisonAfter: number;
  private readonly retryDefaults: RetryPolicy;
  private readonly retention: RetentionPolicy;
  private readonly progressEmitMs: number;
  private readonly progressPersistMs: number;
  private readonly pollMs: number;
  private readonly maxDeferrals: number;
  private readonly modelSlots: number;

  private state: 'idle' | 'running' | 'closing' | 'closed' = 'idle';
  private readonly attempts: RunningAttempts;
  private readonly batchEvents: BatchEvents;
  private readonly progress: ProgressReporter;
  private outcomes: Outcome[] = [];
  private flushQueued = false;
  private readonly flushTx: Transaction<(turn: Turn) => boolean>;
  private heartbeatTimer: ClockTimer | null = null;
  private pollTimer: ClockTimer | null = null;
  private maintenanceTimer: ClockTimer | null = null;
  private wakeTimer: { timer: ClockTimer; at: number } | null = null;
  private retryFlushTimer: ClockTimer | null = null;
  private readonly loadedModels = new Map<Resource, string[]>();
  private readonly waiters: Waiters;
  private closeWaiter: (() => void) | null = null;
  private cleaning: Promise<number> | null = null;

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    readonly bootId: string,
    options: QueueOptions = {},
  ) {
    const core = (this.core = createCore(db, events, bootId, options));
    ({
      limits: this.limits,
      clock: this.clock,
      random: this.random,
      agingMs: this.agingMs,
      leaseMs: this.leaseMs,
      graceMs: this.graceMs,
      closeGraceMs: this.closeGraceMs,
      poisonAfter: this.poisonAfter,
      retryDefaults: this.retryDefaults,
      retention: this.retention,
      progressEmitMs: this.progressEmitMs,
      progressPersistMs: this.progressPersistMs,
      pollMs: this.pollMs,
      maxDeferrals: this.maxDeferrals,
      modelSlots: this.modelSlots,
    } = core.settings);
    ({ jobs: this.store, batches: this.batchStore, boots: this.boots, views: this.views, registry: this.registry, waiters: this.waiters } = core);
    this.attempts = new RunningAttempts(this.clock);
    this.batchEvents = new BatchEvents(core);
    this.progress = new ProgressReporter(core);
    this.flushTx = db.transaction((turn: Turn) => {
      for (const o of turn.outcomes) {
        this.apply(o, turn.post);
        turn.freed[o.attempt.resource]++;
      }
      return this.claimInto(turn);
    });
  }

  // ---------------------------------------------------------------- registry

  /**
   * Adds a job type, with what its handler reaches as ctx.services (its feature's API).
   * All types are registered before start(). Returns the definition, the handle enqueue takes.
   */
  register<D extends Pick<JobDefinition, 'type' | 'resource'>>(definition: D, services?: unknown): D {
    return this.registry.register(definition, services);
  }

  registerBatchType<B extends Pick<BatchTypeDefinition, 'type'>>(definition: B, services?: unknown): B {
    return this.registry.registerBatchType(definition, services);
  }

  has(type: string): boolean {
    return this.registry.has(type);
  }

  hasBatchType(type: string): boolean {
    return this.registry.hasBatchType(type);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Recovers what an earlier boot left running, then starts scheduling. */
  start(): void {
    if (this.state !== 'idle') return;
    const now = this.clock.now();
    this.boots.started(this.bootId, now, process.pid, os.hostname());
    this.recover(false);
    this.state = 'running';
    this.armHeartbeat();
    this.armPoll();
    this.armMaintenance();
    this.armWake(this.store.nextRunAt(now));
    this.schedule();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /**
   * Stops claiming, aborts running jobs and gives them `closeGraceMs` to stop; what is
   * still running then is stopped and put back (a shutdown does not use an attempt).
   * Records the clean shutdown, so the next start does not count a crash.
   */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    const wasRunning = this.state === 'running';
    this.state = 'closing';
    for (const t of [this.heartbeatTimer, this.pollTimer, this.maintenanceTimer, this.wakeTimer?.timer, this.retryFlushTimer]) if (t) this.clock.clearTimeout(t);
    this.wakeTimer = null;
    if (this.attempts.size > 0 || this.outcomes.length > 0) {
      const drained = new Promise<void>((resolve) => (this.closeWaiter = resolve));
      // Shutdown grace is wall time whatever clock the queue runs on: quitting must not hang.
      for (const a of this.attempts.values()) this.abort(a, 'shutdown', this.closeGraceMs, systemClock);
      this.flush();
      await drained;
    }
    if (this.cleaning) await this.cleaning.catch(() => {});
    this.batchEvents.stop();
    if (wasRunning) this.boots.stoppedCleanly(this.bootId, this.clock.now());
    this.state = 'closed';
    this.waiters.releaseAll();
  }

  // ---------------------------------------------------------------- enqueue

  /**
   * Adds a job. With a dedupe key (given, or from the job type's dedupe()), the same
   * work already queued, running or completed is answered instead of a new job.
   */
  enqueue<P>(definition: JobHandle<P>, payload: P, options: EnqueueOptions = {}): { id: string; existing: boolean } {
    return this.add(definition.type, payload, options, true);
  }

  /** Many jobs of one type in one transaction (a batch's children): the batch's counts move once. */
  enqueueMany<P>(definition: JobHandle<P>, payloads: readonly P[], options: EnqueueOptions = {}): string[] {
    return this.db.transaction(() => {
      let added = 0;
      const ids = payloads.map((p) => {
        const r = this.add(definition.type, p, options, false);
        if (!r.existing) added++;
        return r.id;
      });
      if (options.batchId && added) this.batchEvents.countChild(options.batchId, { total: added }, this.clock.now(), null);
      return ids;
    })();
  }

  private add(type: string, payload: unknown, options: EnqueueOptions, countBatch: boolean): { id: string; existing: boolean } {
    const def = this.registry.job(type)?.def;
    if (!def) throw new ContractError('invalid_input', `job type ${type} is not registered in this engine`);
    const parsed = parseOrThrow(def.payload, payload, type);
    let key = options.dedupeKey;
    if (key === undefined) {
      const d = def.dedupe?.(parsed);
      key = d ? dedupeKey(type, d.input, d.params) : null;
    }
    if (key) {
      const existing = this.store.byDedupe(key);
      if (existing) return { id: existing.id, existing: true };
    }
    const id = newId();
    const now = this.clock.now();
    const job = {
      id,
      type,
      label: options.label ?? def.label?.(parsed) ?? null,
      priority: priorityRank[options.priority ?? def.priority ?? 'normal'],
      resource: def.resource,
      model: options.model ?? def.model?.(parsed) ?? null,
      payload: JSON.stringify(parsed),
      batchId: options.batchId ?? null,
      projectId: options.projectId ?? null,
      dedupeKey: key,
      maxAttempts: options.maxAttempts ?? def.retry?.maxAttempts ?? this.retryDefaults.maxAttempts,
      runAt: options.runAt ?? now,
      now,
    };
    if (job.batchId && countBatch) {
      const batchId = job.batchId;
      this.db.transaction(() => {
        this.store.insert(job);
        this.batchEvents.countChild(batchId, { total: 1 }, now, null);
      })();
    } else {
      this.store.insert(job);
    }
    if (job.runAt > now) this.armWake(job.runAt);
    this.schedule();
    return { id, existing: false };
  }

  /** A parent for a set of jobs of one batch type; children name it as batchId. */
  createBatch(type: Pick<BatchTypeDefinition, 'type'>, batch: { id?: string; label?: string | null; projectId?: string | null } = {}): string {
    if (!this.registry.hasBatchType(type.type)) throw new Error(`batch type ${type.type} is not registered in this engine`);
    const id = batch.id ?? newId();
    this.batchStore.create({ id, type: type.type, label: batch.label ?? null, projectId: batch.projectId ?? null }, this.clock.now());
    return id;
  }

  // ---------------------------------------------------------------- controls

  /** Cancels a job: pending or paused at once; running through its AbortSignal, then its worker is stopped after the grace period. */
  cancel(id: string): Job {
    const row = this.requireJob(id);
    const now = this.clock.now();
    if (row.state === 'pending' || row.state === 'paused') {
      const post: (() => void)[] = [];
      this.db.transaction(() => {
        const done = this.store.cancelWaiting(row.seq, now);
        if (done?.batch_id) this.batchEvents.countChild(done.batch_id, { cancelled: 1 }, now, post);
      })();
      emitRowFinished(this.core, 'job.cancelled', row, { state: 'cancelled' });
      for (const f of post) f();
    } else if (row.state === 'running') {
      this.store.flagCancel(row.seq, now);
      const a = this.attempts.get(row.seq);
      if (a) this.abort(a, 'cancel', this.graceMs, this.clock);
    }
    return toJob(this.requireJob(id));
  }

  /** Cancels every unfinished job of a batch. */
  cancelBatch(id: string): Batch {
    this.requireBatch(id);
    const now = this.clock.now();
    const post: (() => void)[] = [];
    this.db.transaction(() => {
      const cancelled = this.store.cancelBatchWaiting(id, now);
      if (cancelled.length) this.batchEvents.countChild(id, { cancelled: cancelled.length }, now, post);
      post.push(() => cancelled.forEach((jobId) => this.waiters.resolveJob(jobId)));
    })();
    for (const f of post) f();
    for (const a of this.attempts.values()) {
      if (a.batchId !== id) continue;
      this.store.flagCancel(a.seq, now);
      this.abort(a, 'cancel', this.graceMs, this.clock);
    }
    return toBatch(this.requireBatch(id));
  }

  /** Runs a failed or cancelled job again, with all its attempts. */
  retry(id: string): Job {
    const row = this.requireJob(id);
    if (row.state !== 'failed' && row.state !== 'cancelled') {
      throw new ContractError('conflict', `job ${id} is ${row.state}; only failed or cancelled jobs can be retried`);
    }
    this.retryRows([row]);
    return toJob(this.requireJob(id));
  }

  /** Runs the failed jobs of a batch again (or every failed job when no batch is given). */
  retryFailed(batchId?: string): { retried: number; batch: Batch | null } {
    if (batchId) this.requireBatch(batchId);
    const retried = this.retryRows(this.store.failed(batchId));
    return { retried, batch: batchId ? toBatch(this.requireBatch(batchId)) : null };
  }

  pause(batchId?: string): QueueControl {
    return this.setPaused(true, batchId);
  }

  resume(batchId?: string): QueueControl {
    return this.setPaused(false, batchId);
  }

  isPaused(): boolean {
    return this.store.paused();
  }

  /** Removes finished jobs now (all finished states unless told), in small transactions. */
  async clearFinished(options: { states?: FinishedJobState[]; olderThanMs?: number } = {}): Promise<number> {
    const cutoff = this.clock.now() - (options.olderThanMs ?? 0);
    const states = options.states ?? ['completed', 'failed', 'cancelled'];
    return deleteFinished(this.store, this.batchStore, Object.fromEntries(states.map((s) => [s, cutoff + 1])), this.retention.batchSize);
  }

  /** Applies the retention policy once (the maintenance timer does this on its own). */
  async cleanup(): Promise<number> {
    const now = this.clock.now();
    this.cleaning ??= deleteFinished(
      this.store,
      this.batchStore,
      { completed: now - this.retention.completedMs, failed: now - this.retention.failedMs, cancelled: now - this.retention.cancelledMs },
      this.retention.batchSize,
    ).finally(() => (this.cleaning = null));
    return this.cleaning;
  }

  // ---------------------------------------------------------------- reads

  get(id: string): JobDetail {
    return toJobDetail(this.requireJob(id));
  }

  /** Jobs, newest first (the Queue page) or oldest first (a feature reading its batch's history). */
  list(input: QueueListInput = {}, order: 'newest' | 'oldest' = 'newest'): { items: Job[]; total: number } {
    return this.views.listJobs(input, order);
  }

  /** Whether a batch of this id exists (finished or not). */
  hasBatch(id: string): boolean {
    return this.batchStore.get(id) !== undefined;
  }

  batch(id: string): Batch {
    return toBatch(this.requireBatch(id));
  }

  batches(input: BatchListInput = {}): { items: Batch[]; total: number } {
    return this.views.listBatches(input);
  }

  stats(): QueueStats {
    return this.views.stats({ now: this.clock.now(), paused: this.isPaused(), limits: this.limits, busy: { ...this.attempts.busy } });
  }

  /** Resolves when the job has finished (completed, failed or cancelled), or the queue closed. */
  async waitFor(id: string): Promise<Job> {
    if (!FINISHED.includes(this.requireJob(id).state) && this.state !== 'closed') {
      await this.waiters.forJob(id);
    }
    return toJob(this.requireJob(id));
  }

  async waitForBatch(id: string): Promise<Batch> {
    if (!FINISHED_BATCH_STATES.includes(this.requireBatch(id).state) && this.state !== 'closed') {
      await this.waiters.forBatch(id);
    }
    return toBatch(this.requireBatch(id));
  }

  /** Resolves when nothing runs and nothing can be claimed now (tests, benchmarks). */
  async drain(): Promise<void> {
    const idle = this.waiters.forIdle();
    this.schedule();
    await idle;
  }

  // ---------------------------------------------------------------- scheduling

  private schedule(): void {
    if (this.flushQueued || this.state === 'closed') return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /**
   * One scheduling turn: in one immediate transaction, record every finished attempt and
   * claim jobs for the free slots; then emit events and start the claimed jobs.
   */
  private flush(): void {
    if (this.state === 'closed') return;
    const outcomes = this.outcomes;
    this.outcomes = [];
    const turn: Turn = { outcomes, post: [], claimed: [], freed: { gpu: 0, cpu: 0, io: 0 } };
    let idle: boolean;
    try {
      idle = this.flushTx.immediate(turn);
    } catch (err) {
      // Nothing of this turn was written: keep the outcomes and try again shortly.
      console.error('[queue] scheduling transaction failed; retrying', err);
      this.outcomes = outcomes.concat(this.outcomes);
      this.retryFlushTimer ??= this.clock.setTimeout(() => {
        this.retryFlushTimer = null;
        this.schedule();
      }, 1_000);
      return;
    }
    for (const f of turn.post) f();
    for (const c of turn.claimed) this.launch(c.row, c.resource);
    if (this.state === 'closing' && this.attempts.size === 0 && this.outcomes.length === 0) {
      this.closeWaiter?.();
      this.closeWaiter = null;
    }
    if (idle && this.attempts.size === 0 && this.outcomes.length === 0) this.waiters.resolveIdle();
  }

  /** Claims for every resource with free slots; answers whether nothing was claimable. */
  private claimInto(turn: Turn): boolean {
    if (this.state !== 'running' || this.store.paused()) return true;
    const now = this.clock.now();
    let exhausted = true;
    for (const resource of this.registry.activeResources) {
      let taken = 0;
      while (this.attempts.busy[resource] - turn.freed[resource] + taken < this.limits[resource]) {
        const models = this.loadedModels.get(resource) ?? [];
        const row = this.store.claim({ resource, now, aging: this.agingMs, owner: this.bootId, lease: now + this.leaseMs, models });
        if (!row) break;
        taken++;
        exhausted = false;
        if (row.model) this.noteModel(resource, row.model);
        if (row.batch_id) {
          const change = this.batchStore.markStarted(row.batch_id, now);
          if (change) this.batchEvents.changed(change.before, change.after, turn.post);
        }
        turn.claimed.push({ row, resource });
      }
    }
    return exhausted;
  }

  private noteModel(resource: Resource, model: string): void {
    const list = (this.loadedModels.get(resource) ?? []).filter((m) => m !== model);
    list.unshift(model);
    this.loadedModels.set(resource, list.slice(0, this.modelSlots));
  }

  private launch(row: ClaimedRow, resource: Resource): void {
    const a = newAttempt(row, resource, this.registry.job(row.type), this.clock.now());
    const def = a.def;
    this.attempts.add(a);
    this.events.emit('job.started', attemptEvent(a, 'running'));
    try {
      if (!def) throw new PermanentError(`no handler for job type "${row.type}" in this engine`);
      const parsed = def.payload.safeParse(JSON.parse(row.payload));
      if (!parsed.success) throw new PermanentError(`invalid payload: ${describeZodError(parsed.error)}`);
      a.payload = parsed.data;
      if (def.timeoutMs) a.timeoutTimer = this.clock.setTimeout(() => this.abort(a, 'timeout', this.graceMs, this.clock), def.timeoutMs);
      Promise.resolve(def.run(a.payload, this.contextFor(a))).then(
        (result) => this.settle(a, { attempt: a, kind: 'success', result }),
        (error: unknown) => this.settle(a, { attempt: a, kind: 'error', error }),
      );
    } catch (error) {
      this.settle(a, { attempt: a, kind: 'error', error });
    }
  }

  private contextFor(a: Attempt): JobContext<unknown, string> {
    return {
      jobId: a.id,
      attempt: a.attempt,
      maxAttempts: a.maxAttempts,
      batchId: a.batchId,
      projectId: a.projectId,
      signal: a.controller.signal,
      stopSignal: a.stopController.signal,
      progress: (stage, percent) => this.progress.report(a, stage, percent ?? null),
      services: a.services,
    };
  }

  private settle(a: Attempt, outcome: Outcome): void {
    if (a.done) return;
    a.done = true;
    this.outcomes.push(outcome);
    this.schedule();
  }

  private abort(a: Attempt, reason: AbortReason, graceMs: number, clock: Clock): void {
    if (a.done) return;
    // A user's cancel wins over a timeout or shutdown already under way.
    if (a.abortReason && !(reason === 'cancel' && a.abortReason !== 'cancel')) return;
    const first = a.abortReason === null;
    a.abortReason = reason;
    if (!first) return;
    a.controller.abort(abortError(reason));
    a.graceTimer = clock.setTimeout(() => {
      if (a.done) return;
      a.stopController.abort(abortError('stop'));
      a.done = true;
      this.outcomes.push({ attempt: a, kind: 'stopped' });
      this.schedule();
    }, graceMs);
    a.graceTimer.unref?.();
  }

  // ---------------------------------------------------------------- outcomes (inside the turn's transaction)

  private apply(o: Outcome, post: (() => void)[]): void {
    const a = o.attempt;
    const now = this.clock.now();
    const fence: Fence = { seq: a.seq, owner: this.bootId, attempt: a.attempt };
    post.push(() => this.attempts.forget(a));
    if (a.abortReason === 'cancel') return this.finishCancelled(a, fence, now, post);
    if (o.kind === 'success') return this.finishCompleted(a, fence, o.result, now, post);
    if (a.abortReason === 'shutdown') {
      if (!this.store.release(fence, now)) post.push(() => this.stale(a));
      return;
    }
    const error = a.abortReason === 'timeout' ? new JobError('timeout', `timed out after ${a.def?.timeoutMs} ms`) : o.kind === 'error' ? o.error : new Error('stopped');
    this.finishFailed(a, fence, error, now, post);
  }

  private finishCompleted(a: Attempt, fence: Fence, result: unknown, now: number, post: (() => void)[]): void {
    const def = a.def!;
    let row: { batch_id: string | null } | undefined;
    try {
      const stored = def.storeResult ? def.storeResult(result) : result;
      const json = stored === undefined ? null : JSON.stringify(stored);
      if (def.commit) {
        // A savepoint: if the commit step throws, the completion is undone with it.
        row = this.db.transaction(() => {
          const r = this.store.complete(fence, json, now);
          if (r) def.commit!(this.commitContext(a), a.payload, result);
          return r;
        })();
      } else {
        row = this.store.complete(fence, json, now);
      }
    } catch (err) {
      return this.finishFailed(a, fence, err, now, post);
    }
    if (!row) return void post.push(() => this.stale(a));
    if (row.batch_id) this.batchEvents.countChild(row.batch_id, { completed: 1 }, now, post);
    const durationMs = now - a.startedAt;
    post.push(() => {
      this.events.emit('job.completed', attemptEvent(a, 'completed', { durationMs }));
      this.waiters.resolveJob(a.id);
    });
  }

  private finishFailed(a: Attempt, fence: Fence, error: unknown, now: number, post: (() => void)[]): void {
    const kind: JobErrorKind = a.def?.classify?.(error) ?? classifyError(error);
    const message = errorMessage(error);
    const code = errorCodeOf(error);
    const durationMs = now - a.startedAt;
    if (kind === 'rate_limited' && error instanceof RateLimitedError && a.deferrals < this.maxDeferrals) {
      const runAt = Math.max(now, error.retryAt);
      const row = this.store.reschedule(fence, { error: message, kind, code, runAt, refund: true }, now);
      if (!row) return void post.push(() => this.stale(a));
      post.push(() => {
        this.armWake(runAt);
        this.events.emit('job.retrying', attemptEvent(a, row.state, { error: message, errorKind: kind, errorCode: code, durationMs, runAt }));
      });
      return;
    }
    if (kind !== 'permanent' && kind !== 'poison' && kind !== 'rate_limited' && a.attempt < a.maxAttempts) {
      const policy = { ...this.retryDefaults, ...a.def?.retry };
      const runAt = now + backoffDelay(a.attempt, policy, this.random);
      const row = this.store.reschedule(fence, { error: message, kind, code, runAt, refund: false }, now);
      if (!row) return void post.push(() => this.stale(a));
      post.push(() => {
        this.armWake(runAt);
        this.events.emit('job.retrying', attemptEvent(a, row.state, { error: message, errorKind: kind, errorCode: code, durationMs, runAt }));
      });
      return;
    }
    const row = this.store.fail(fence, message, kind, code, now);
    if (!row) return void post.push(() => this.stale(a));
    if (row.batch_id) this.batchEvents.countChild(row.batch_id, { failed: 1 }, now, post);
    post.push(() => {
      this.events.emit('job.failed', attemptEvent(a, 'failed', { error: message, errorKind: kind, errorCode: code, durationMs }));
      this.waiters.resolveJob(a.id);
    });
  }

  private finishCancelled(a: Attempt, fence: Fence, now: number, post: (() => void)[]): void {
    const row = this.store.cancelRunning(fence, now);
    if (!row) return void post.push(() => this.stale(a));
    if (row.batch_id) this.batchEvents.countChild(row.batch_id, { cancelled: 1 }, now, post);
    const durationMs = now - a.startedAt;
    post.push(() => {
      this.events.emit('job.cancelled', attemptEvent(a, 'cancelled', { durationMs }));
      this.waiters.resolveJob(a.id);
    });
  }

  /** An attempt whose lease was taken over: its outcome was not recorded (that is the fence working). */
  private stale(a: Attempt): void {
    console.warn(`[queue] ignored the outcome of a stale attempt ${a.attempt} of job ${a.id} (${a.type}): its lease was taken over`);
  }

  private commitContext(a: Attempt): CommitContext<unknown> {
    return {
      db: this.db,
      services: a.services,
      job: { id: a.id, batchId: a.batchId, projectId: a.projectId, attempt: a.attempt },
      enqueue: (definition, payload, options) => this.enqueue(definition, payload, options).id,
      enqueueMany: (definition, payloads, options) => this.enqueueMany(definition, payloads, options),
    };
  }

  // ---------------------------------------------------------------- progress, leases, timers

  private armHeartbeat(): void {
    const beat = () => {
      this.heartbeatTimer = null;
      if (this.state !== 'running') return;
      if (this.attempts.size) {
        try {
          this.store.renewLeases(this.bootId, this.clock.now() + this.leaseMs);
        } catch (err) {
          console.warn('[queue] could not renew leases', err);
        }
      }
      this.armHeartbeat();
    };
    this.heartbeatTimer = this.clock.setTimeout(beat, Math.max(1, Math.floor(this.leaseMs / 3)));
    this.heartbeatTimer.unref?.();
  }

  private armPoll(): void {
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = null;
      if (this.state !== 'running') return;
      this.schedule();
      this.armPoll();
    }, this.pollMs);
    this.pollTimer.unref?.();
  }

  private armMaintenance(): void {
    this.maintenanceTimer = this.clock.setTimeout(() => {
      this.maintenanceTimer = null;
      if (this.state !== 'running') return;
      try {
        this.recover(true);
      } catch (err) {
        console.warn('[queue] lease sweep failed', err);
      }
      this.cleanup().catch((err) => console.warn('[queue] retention cleanup failed', err));
      this.armMaintenance();
    }, this.retention.intervalMs);
    this.maintenanceTimer.unref?.();
  }

  /**
   * Wakes the scheduler when a delayed job (a retry's backoff, a rate limit) falls due.
   * The time is known when the job is put back, so no query runs per turn; only when the
   * wake fires is the next due time looked up, for later delayed jobs.
   */
  private armWake(at: number | null): void {
    if (at == null || (this.state !== 'running' && this.state !== 'idle')) return;
    if (this.wakeTimer && this.wakeTimer.at <= at) return;
    if (this.wakeTimer) this.clock.clearTimeout(this.wakeTimer.timer);
    const timer = this.clock.setTimeout(() => {
      this.wakeTimer = null;
      if (this.state !== 'running') return;
      this.schedule();
      this.armWake(this.store.nextRunAt(this.clock.now()));
    }, at - this.clock.now());
    timer.unref?.();
    this.wakeTimer = { timer, at };
  }

  // ---------------------------------------------------------------- crash recovery

  /**
   * Jobs another boot left running. At start (`expiredOnly` false) every one whose boot
   * is gone is dealt with at once; the periodic sweep also takes jobs whose lease ran
   * out under a boot that still looks alive (a hung process).
   * A crash counts against the job; after `poisonAfter` crashes it fails as a poison job.
   */
  private recover(expiredOnly: boolean): void {
    const now = this.clock.now();
    const rows = expiredOnly ? this.store.expiredElsewhere(this.bootId, now) : this.store.runningElsewhere(this.bootId);
    if (rows.length === 0) return;
    const verdicts = new Map<string | null, OwnerVerdict>();
    const post: (() => void)[] = [];
    this.db
      .transaction(() => {
        for (const row of rows) {
          let verdict = verdicts.get(row.lease_owner);
          if (!verdict) verdicts.set(row.lease_owner, (verdict = ownerVerdict(this.boots, row.lease_owner, this.bootId)));
          if (verdict === 'alive' && !expiredOnly) continue;
          this.recoverRow(row, verdict !== 'clean', now, post);
        }
      })
      .immediate();
    for (const f of post) f();
    this.schedule();
  }

  private recoverRow(row: JobRow, crashed: boolean, now: number, post: (() => void)[]): void {
    const fence: Fence = { seq: row.seq, owner: row.lease_owner ?? '', attempt: row.attempts };
    if (row.lease_owner === null) return;
    if (row.cancel_requested) {
      const r = this.store.cancelRunning(fence, now);
      if (r?.batch_id) this.batchEvents.countChild(r.batch_id, { cancelled: 1 }, now, post);
      if (r) post.push(() => emitRowFinished(this.core, 'job.cancelled', row, { state: 'cancelled' }));
      return;
    }
    if (crashed && row.crashes + 1 >= this.poisonAfter) {
      const error = `poison job: the engine stopped unexpectedly ${row.crashes + 1} times while it ran; not retried`;
      const r = this.store.poison(fence, error, now);
      if (r?.batch_id) this.batchEvents.countChild(r.batch_id, { failed: 1 }, now, post);
      if (r) post.push(() => emitRowFinished(this.core, 'job.failed', row, { state: 'failed', error, errorKind: 'poison' }));
      return;
    }
    this.store.requeueOrphan(fence, crashed, now);
  }

  // ---------------------------------------------------------------- helpers

  private retryRows(rows: JobRow[]): number {
    const now = this.clock.now();
    const post: (() => void)[] = [];
    let retried = 0;
    this.db.transaction(() => {
      for (const row of rows) {
        let r: { batch_id: string | null; state: JobState } | undefined;
        try {
          r = this.store.retry(row.seq, now);
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
            if (rows.length === 1) throw new ContractError('conflict', `the same work is already queued (job ${this.store.byDedupe(row.dedupe_key ?? '')?.id})`);
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
    this.schedule();
    return retried;
  }

  private setPaused(paused: boolean, batchId: string | undefined): QueueControl {
    const now = this.clock.now();
    if (!batchId) {
      this.store.setSetting('paused', paused ? '1' : '0');
      this.events.emit('queue.changed', { paused, batchId: null });
      if (!paused) this.schedule();
      return { paused, batch: null };
    }
    this.requireBatch(batchId);
    const post: (() => void)[] = [];
    this.db.transaction(() => {
      const change = this.batchStore.setPaused(batchId, paused, now);
      if (!change) return;
      if (paused) this.store.holdBatch(batchId, now);
      else this.store.unholdBatch(batchId, now);
      this.batchEvents.changed(change.before, change.after, post);
    })();
    for (const f of post) f();
    this.events.emit('queue.changed', { paused, batchId });
    if (!paused) this.schedule();
    return { paused: this.isPaused(), batch: toBatch(this.requireBatch(batchId)) };
  }

  private requireJob(id: string): JobRow {
    return this.views.requireJob(id);
  }

  private requireBatch(id: string): BatchRow {
    return this.views.requireBatch(id);
  }
}
