/**
 * Attempts this process is running: the in-memory Attempt (its abort controllers, timers
 * and latest progress), the table of running attempts with the busy slots per resource,
 * and progress reporting, throttled for events and for the database.
 */
import type { Clock, ClockTimer } from './clock.js';
import type { QueueCore } from './core.js';
import type { RegisteredJob } from './registry.js';
import type { ClaimedRow } from './rows.js';
import type { JobDefinition, Resource } from './types.js';

export type AbortReason = 'cancel' | 'timeout' | 'shutdown';

export interface Attempt {
  seq: number;
  id: string;
  type: string;
  label: string | null;
  batchId: string | null;
  projectId: string | null;
  resource: Resource;
  attempt: number;
  maxAttempts: number;
  deferrals: number;
  def: JobDefinition<unknown, unknown, unknown> | undefined;
  services: unknown;
  payload: unknown;
  startedAt: number;
  controller: AbortController;
  stopController: AbortController;
  abortReason: AbortReason | null;
  /** An outcome was recorded (settled, or stopped after the grace period); later settles are ignored. */
  done: boolean;
  graceTimer: ClockTimer | null;
  timeoutTimer: ClockTimer | null;
  emitTimer: ClockTimer | null;
  lastEmit: number;
  lastPersist: number;
  stage: string | null;
  percent: number | null;
}

/** A claimed row as an attempt about to run (`registered` is undefined for a type this engine lacks). */
export function newAttempt(row: ClaimedRow, resource: Resource, registered: RegisteredJob | undefined, now: number): Attempt {
  return {
    seq: row.seq,
    id: row.id,
    type: row.type,
    label: row.label,
    batchId: row.batch_id,
    projectId: row.project_id,
    resource,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    deferrals: row.deferrals,
    def: registered?.def,
    services: registered?.services,
    payload: undefined,
    startedAt: now,
    controller: new AbortController(),
    stopController: new AbortController(),
    abortReason: null,
    done: false,
    graceTimer: null,
    timeoutTimer: null,
    emitTimer: null,
    lastEmit: 0,
    lastPersist: now,
    stage: null,
    percent: null,
  };
}

export function abortError(reason: AbortReason | 'stop'): Error {
  const e = new Error(reason === 'cancel' ? 'cancelled' : reason === 'timeout' ? 'timed out' : reason === 'stop' ? 'stopped' : 'engine shutting down');
  e.name = 'AbortError';
  return e;
}

/** The running attempts by seq, and how many slots of each resource they hold. */
export class RunningAttempts {
  private readonly bySeq = new Map<number, Attempt>();
  readonly busy: Record<Resource, number> = { gpu: 0, cpu: 0, io: 0 };

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.bySeq.size;
  }

  get(seq: number): Attempt | undefined {
    return this.bySeq.get(seq);
  }

  values(): IterableIterator<Attempt> {
    return this.bySeq.values();
  }

  add(a: Attempt): void {
    this.bySeq.set(a.seq, a);
    this.busy[a.resource]++;
  }

  /** Its outcome is recorded: the slot is free and its timers stop. */
  forget(a: Attempt): void {
    if (this.bySeq.get(a.seq) !== a) return;
    this.bySeq.delete(a.seq);
    this.busy[a.resource]--;
    for (const t of [a.graceTimer, a.timeoutTimer, a.emitTimer]) if (t) this.clock.clearTimeout(t);
    a.emitTimer = null;
  }
}

/**
 * A handler's progress reports: an event at once, then at most one per `progressEmitMs`
 * carrying the latest report; written to the job's row at most once per
 * `progressPersistMs`, which also renews the attempt's lease.
 */
export class ProgressReporter {
  constructor(private readonly core: QueueCore) {}

  report(a: Attempt, stage: string, percent: number | null): void {
    if (a.done) return;
    const { clock, progressEmitMs, progressPersistMs, leaseMs } = this.core.settings;
    a.stage = stage;
    a.percent = percent == null || !Number.isFinite(percent) ? null : Math.min(100, Math.max(0, percent));
    const now = clock.now();
    if (now - a.lastEmit >= progressEmitMs) {
      this.emit(a, now);
    } else if (!a.emitTimer) {
      a.emitTimer = clock.setTimeout(() => {
        a.emitTimer = null;
        if (!a.done) this.emit(a, clock.now());
      }, progressEmitMs - (now - a.lastEmit));
    }
    if (now - a.lastPersist >= progressPersistMs) {
      a.lastPersist = now;
      try {
        this.core.jobs.saveProgress({ seq: a.seq, owner: this.core.bootId, attempt: a.attempt }, stage, a.percent, now + leaseMs, now);
      } catch (err) {
        // Progress is advisory; a busy database must not fail the job.
        console.warn('[queue] could not save progress', err);
      }
    }
  }

  private emit(a: Attempt, now: number): void {
    a.lastEmit = now;
    this.core.events.emit('job.progress', { jobId: a.id, type: a.type, batchId: a.batchId, projectId: a.projectId, stage: a.stage ?? '', percent: a.percent });
  }
}
