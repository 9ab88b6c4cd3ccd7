/**
 * The scheduling turn. One immediate transaction records the outcomes of finished attempts
 * and claims jobs for the free resource slots (a job costs about one commit to enqueue and
 * one to finish); after the commit the turn's events go out and the claimed jobs launch.
 * Also here: settling and aborting attempts (grace period, then stop), the lifecycle state,
 * and the wake-up for delayed jobs.
 */
import type { Transaction } from 'better-sqlite3';
import { describeZodError } from '../../../src-shared/contract/index.js';
import { abortError, newAttempt, type AbortReason, type Attempt, type ProgressReporter, type RunningAttempts } from './attempts.js';
import type { BatchEvents, PostCommit } from './batch-events.js';
import { systemClock, type Clock, type ClockTimer } from './clock.js';
import type { QueueCore } from './core.js';
import { errorCodeOf, errorMessage, PermanentError } from './errors.js';
import { attemptEvent } from './job-events.js';
import { OutcomeRecorder, type FollowUps, type Outcome } from './outcomes.js';
import type { ClaimedRow } from './rows.js';
import type { JobContext, Resource } from './types.js';

/** How long a shutdown waits, beyond the jobs' grace, for their outcomes to be recorded. */
const CLOSE_RECORD_MS = 5_000;

export type QueueState = 'idle' | 'running' | 'closing' | 'closed';

/** What one scheduling turn collects inside its transaction and acts on after the commit. */
interface Turn {
  outcomes: Outcome[];
  post: PostCommit;
  claimed: { row: ClaimedRow; resource: Resource }[];
  /** Slots of attempts recorded in this turn, free for this turn's claims. */
  freed: Record<Resource, number>;
}

export class Scheduler {
  private current: QueueState = 'idle';
  /** Outcomes waiting for the next turn to record them. */
  private outcomes: Outcome[] = [];
  private flushQueued = false;
  private readonly turnTx: Transaction<(turn: Turn) => boolean>;
  private readonly recorder: OutcomeRecorder;
  private wakeTimer: { timer: ClockTimer; at: number } | null = null;
  private retryFlushTimer: ClockTimer | null = null;
  private readonly loadedModels = new Map<Resource, string[]>();
  private closeWaiter: (() => void) | null = null;
  /** A pause kept in memory (a full disk may refuse the write that records it); claims wait while set. */
  private heldFor: string | null = null;
  /** The last failed turn's message, logged once rather than every retry. */
  private lastTurnError: string | null = null;
  /** Called when a job or a turn finds the disk full (the queue pauses with that reason). */
  onDiskFull: () => void = () => undefined;

  constructor(
    private readonly core: QueueCore,
    private readonly running: RunningAttempts,
    private readonly batchEvents: BatchEvents,
    private readonly progress: ProgressReporter,
    followUps: FollowUps,
  ) {
    this.recorder = new OutcomeRecorder(core, running, batchEvents, (at) => this.wake(at), followUps, () => this.onDiskFull());
    this.turnTx = core.db.transaction((turn: Turn) => {
      for (const o of turn.outcomes) {
        this.recorder.record(o, turn.post);
        turn.freed[o.attempt.resource]++;
      }
      return this.claimInto(turn);
    });
  }

  get state(): QueueState {
    return this.current;
  }

  /** Claims begin with the next turn. */
  start(): void {
    this.current = 'running';
  }

  /**
   * Stops claiming and the wake-up, aborts the running attempts with `graceMs` to stop, and
   * resolves once every one has an outcome recorded (a shutdown puts the job back).
   */
  async shutdown(graceMs: number): Promise<void> {
    this.current = 'closing';
    for (const t of [this.wakeTimer?.timer, this.retryFlushTimer]) if (t) this.core.settings.clock.clearTimeout(t);
    this.wakeTimer = null;
    if (this.running.size === 0 && this.outcomes.length === 0) return;
    const drained = new Promise<void>((resolve) => (this.closeWaiter = resolve));
    // Shutdown grace is wall time whatever clock the queue runs on: quitting must not hang.
    for (const a of this.running.values()) this.abort(a, 'shutdown', graceMs, systemClock);
    this.flush();
    // A turn that cannot be written (SQLITE_FULL: the disk is full) keeps its outcomes for the
    // next try, so waiting for them to be recorded could last for ever. After the grace and a
    // few retries, close anyway: jobs left running in the database are recovered at the next
    // start like any interrupted run (their work is idempotent; commits happen exactly once).
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs + CLOSE_RECORD_MS);
      timer.unref?.();
    });
    const timedOut = await Promise.race([drained.then(() => false), gaveUp]);
    clearTimeout(timer);
    if (timedOut) {
      const left = this.outcomes.length + this.running.size;
      console.warn(`[queue] closing without recording ${left} job outcome(s) (${this.lastTurnError ?? 'the scheduling transaction did not complete'}): those jobs run again at the next start`);
    }
  }

  /** After shutdown: no turn runs again. */
  closed(): void {
    this.current = 'closed';
  }

  /** Claims nothing until released (the whole queue's pause, held in memory). */
  hold(reason: string): void {
    this.heldFor = reason;
  }

  release(): void {
    this.heldFor = null;
  }

  /** Why claims are held in memory, if they are. */
  get held(): string | null {
    return this.heldFor;
  }

  /** Asks for a turn soon (once, however often it is asked before it runs). */
  schedule(): void {
    if (this.flushQueued || this.current === 'closed') return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /**
   * Wakes the scheduler when a delayed job (a retry's backoff, a rate limit) falls due.
   * The time is known when the job is put back, so no query runs per turn; only when the
   * wake fires is the next due time looked up, for later delayed jobs.
   */
  wake(at: number | null): void {
    if (at == null || (this.current !== 'running' && this.current !== 'idle')) return;
    const { clock } = this.core.settings;
    if (this.wakeTimer && this.wakeTimer.at <= at) return;
    if (this.wakeTimer) clock.clearTimeout(this.wakeTimer.timer);
    const timer = clock.setTimeout(() => {
      this.wakeTimer = null;
      if (this.current !== 'running') return;
      this.schedule();
      this.wake(this.core.jobs.nextRunAt(clock.now()));
    }, at - clock.now());
    timer.unref?.();
    this.wakeTimer = { timer, at };
  }

  /** Aborts a running attempt through its signal; after `graceMs` its worker is told to stop and it is no longer waited for. */
  abort(a: Attempt, reason: AbortReason, graceMs: number, clock: Clock): void {
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

  private flush(): void {
    if (this.current === 'closed') return;
    const outcomes = this.outcomes;
    this.outcomes = [];
    const turn: Turn = { outcomes, post: [], claimed: [], freed: { gpu: 0, cpu: 0, io: 0 } };
    let idle: boolean;
    try {
      idle = this.turnTx.immediate(turn);
    } catch (err) {
      // Nothing of this turn was written: keep the outcomes and try again shortly. One line
      // per distinct failure, not a stack trace a second.
      const message = errorMessage(err);
      if (message !== this.lastTurnError) console.error(`[queue] scheduling transaction failed (${message}); retrying every second`);
      this.lastTurnError = message;
      if (errorCodeOf(err) === 'disk_full' && this.heldFor !== 'disk_full') this.onDiskFull();
      this.outcomes = outcomes.concat(this.outcomes);
      this.retryFlushTimer ??= this.core.settings.clock.setTimeout(() => {
        this.retryFlushTimer = null;
        this.schedule();
      }, 1_000);
      return;
    }
    this.lastTurnError = null;
    for (const f of turn.post) f();
    for (const c of turn.claimed) this.launch(c.row, c.resource);
    if (this.current === 'closing' && this.running.size === 0 && this.outcomes.length === 0) {
      this.closeWaiter?.();
      this.closeWaiter = null;
    }
    if (idle && this.running.size === 0 && this.outcomes.length === 0) this.core.waiters.resolveIdle();
  }

  /** Claims for every resource with free slots; answers whether nothing was claimable. */
  private claimInto(turn: Turn): boolean {
    const { jobs, batches, registry, settings, bootId } = this.core;
    if (this.current !== 'running' || this.heldFor !== null || jobs.paused()) return true;
    const now = settings.clock.now();
    let exhausted = true;
    for (const resource of registry.activeResources) {
      let taken = 0;
      while (this.running.busy[resource] - turn.freed[resource] + taken < settings.limits[resource]) {
        const models = this.loadedModels.get(resource) ?? [];
        const row = jobs.claim({ resource, now, aging: settings.agingMs, owner: bootId, lease: now + settings.leaseMs, models });
        if (!row) break;
        taken++;
        exhausted = false;
        if (row.model) this.noteModel(resource, row.model);
        if (row.batch_id) {
          const change = batches.markStarted(row.batch_id, now);
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
    this.loadedModels.set(resource, list.slice(0, this.core.settings.modelSlots));
  }

  private launch(row: ClaimedRow, resource: Resource): void {
    const { clock, graceMs } = this.core.settings;
    const a = newAttempt(row, resource, this.core.registry.job(row.type), clock.now());
    const def = a.def;
    this.running.add(a);
    this.core.events.emit('job.started', attemptEvent(a, 'running'));
    try {
      if (!def) throw new PermanentError(`no handler for job type "${row.type}" in this engine`);
      const parsed = def.payload.safeParse(JSON.parse(row.payload));
      if (!parsed.success) throw new PermanentError(`invalid payload: ${describeZodError(parsed.error)}`);
      a.payload = parsed.data;
      if (def.timeoutMs) a.timeoutTimer = clock.setTimeout(() => this.abort(a, 'timeout', graceMs, clock), def.timeoutMs);
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
}
