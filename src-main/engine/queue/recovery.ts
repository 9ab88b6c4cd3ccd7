/**
 * Leases and crash recovery. While an attempt runs, its lease is renewed; jobs another
 * boot left running are taken back (at start, those of boots that are gone; periodically,
 * those whose lease ran out). A crash counts against the job: after `poisonAfter` crashes
 * it fails as a poison job instead of taking the engine down again.
 */
import os from 'node:os';
import type { RunningAttempts } from './attempts.js';
import type { BatchEvents, PostCommit } from './batch-events.js';
import type { BootStore } from './boots.js';
import type { QueueCore } from './core.js';
import { emitRowFinished } from './job-events.js';
import type { Fence, JobRow } from './rows.js';

/** What became of the boot that holds a running job's lease. */
export type OwnerVerdict = 'alive' | 'clean' | 'crashed' | 'killed';

/**
 * A boot is alive when its process still runs on this machine (another engine on the
 * same library, such as the CLI next to the desktop app): its jobs are left to it.
 * A boot that recorded a clean shutdown did not crash, so its jobs are requeued without
 * counting a crash. One whose fatal-error handler recorded a crash died of an error while
 * running them: that counts against them (poison jobs). One that stopped without a word
 * was killed (SIGKILL by the user or the OS, power loss, a native crash): its jobs were
 * merely running, and that is counted apart.
 */
export function ownerVerdict(boots: BootStore, owner: string | null, selfBootId: string): OwnerVerdict {
  if (!owner || owner === selfBootId) return 'crashed';
  const boot = boots.byId(owner);
  if (!boot) return 'crashed';
  if (boot.clean) return 'clean';
  // The same pid as ours is a reused pid of a dead boot (or a second engine in this process, as tests make).
  if (boot.stopped_at == null && boot.pid != null && boot.pid !== process.pid && boot.host === os.hostname() && processAlive(boot.pid)) return 'alive';
  return boot.crash != null ? 'crashed' : 'killed';
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Recovery {
  constructor(
    private readonly core: QueueCore,
    private readonly running: RunningAttempts,
    private readonly batchEvents: BatchEvents,
    /** Asks the scheduler for a turn: recovered jobs are claimable again. */
    private readonly schedule: () => void,
  ) {}

  /** Pushes the lease of every attempt this boot runs forward (the heartbeat). */
  renewLeases(): void {
    if (!this.running.size) return;
    const { jobs, bootId, settings } = this.core;
    try {
      jobs.renewLeases(bootId, settings.clock.now() + settings.leaseMs);
    } catch (err) {
      console.warn('[queue] could not renew leases', err);
    }
  }

  /**
   * Jobs another boot left running. At start (`expiredOnly` false) every one whose boot
   * is gone is dealt with at once; the periodic sweep also takes jobs whose lease ran
   * out under a boot that still looks alive (a hung process).
   */
  recover(expiredOnly: boolean): void {
    const { db, jobs, boots, bootId, settings } = this.core;
    const now = settings.clock.now();
    const rows = expiredOnly ? jobs.expiredElsewhere(bootId, now) : jobs.runningElsewhere(bootId);
    if (rows.length === 0) return;
    const verdicts = new Map<string | null, OwnerVerdict>();
    const post: PostCommit = [];
    db.transaction(() => {
      for (const row of rows) {
        let verdict = verdicts.get(row.lease_owner);
        if (!verdict) verdicts.set(row.lease_owner, (verdict = ownerVerdict(boots, row.lease_owner, bootId)));
        if (verdict === 'alive' && !expiredOnly) continue;
        // A live boot whose lease ran out is hung on this job: that is the job's doing.
        this.recoverRow(row, verdict === 'alive' ? 'crashed' : verdict, now, post);
      }
    }).immediate();
    for (const f of post) f();
    this.schedule();
  }

  private recoverRow(row: JobRow, verdict: Exclude<OwnerVerdict, 'alive'>, now: number, post: PostCommit): void {
    const { jobs, settings } = this.core;
    const fence: Fence = { seq: row.seq, owner: row.lease_owner ?? '', attempt: row.attempts };
    if (row.lease_owner === null) return;
    if (row.cancel_requested) {
      const r = jobs.cancelRunning(fence, now);
      if (r?.batch_id) this.batchEvents.countChild(r.batch_id, { cancelled: 1 }, now, post);
      if (r) post.push(() => emitRowFinished(this.core, 'job.cancelled', row, { state: 'cancelled' }));
      return;
    }
    const counted = verdict === 'crashed' ? 'crash' : verdict === 'killed' ? 'interruption' : null;
    const error =
      verdict === 'crashed' && row.crashes + 1 >= settings.poisonAfter
        ? `poison job: the engine crashed ${row.crashes + 1} times while it ran; not retried`
        : verdict === 'killed' && row.interruptions + 1 >= settings.maxInterruptions
          ? `poison job: the engine stopped without a trace ${row.interruptions + 1} times while it ran (killed, out of memory or a native crash); not retried`
          : null;
    if (error && counted) {
      const r = jobs.poison(fence, error, counted, now);
      if (r?.batch_id) this.batchEvents.countChild(r.batch_id, { failed: 1 }, now, post);
      if (r) post.push(() => emitRowFinished(this.core, 'job.failed', row, { state: 'failed', error, errorKind: 'poison' }));
      return;
    }
    jobs.requeueOrphan(fence, counted, now);
  }
}
