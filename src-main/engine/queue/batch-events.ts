/**
 * A batch follows its children. Counting a child moves the batch's counts in the caller's
 * transaction and runs the batch type's state hook there; the batch events (started,
 * progress throttled per batch, finished) are queued on the caller's `post` list, to go
 * out after the commit.
 */
import type { Batch, BatchState } from '../../../src-shared/contract/index.js';
import { FINISHED_BATCH_STATES, type CountDelta } from './batches.js';
import type { ClockTimer } from './clock.js';
import type { QueueCore } from './core.js';
import type { BatchRow } from './types.js';
import { toBatch } from './views.js';

/** What a transaction's caller runs once it has committed: events, waiters, log lines. */
export type PostCommit = (() => void)[];

export class BatchEvents {
  /** Per batch: when progress last went out, and the timer that sends the latest counts later. */
  private readonly throttles = new Map<string, { last: number; timer: ClockTimer | null }>();

  constructor(private readonly core: QueueCore) {}

  /** Moves a batch's counts in the caller's transaction; `post` (null: no events) gets the events. */
  countChild(batchId: string, delta: CountDelta, now: number, post: PostCommit | null): void {
    const { before, after } = this.core.batches.bump(batchId, delta, now);
    this.changed(before, after, post);
  }

  changed(before: BatchState, after: BatchRow, post: PostCommit | null): void {
    const { db, registry, events, waiters } = this.core;
    if (after.state !== before) {
      const registered = registry.batchType(after.type);
      const hook = registered?.def.onState;
      if (hook) {
        try {
          // A savepoint: a failing hook must not undo the child's own transition.
          db.transaction(() => hook({ db, services: registered.services }, after, before))();
        } catch (err) {
          console.error(`[queue] the ${after.type} batch hook failed for ${after.id}`, err);
        }
      }
    }
    if (!post) return;
    const batch = toBatch(after);
    post.push(() => {
      if (after.state !== before && FINISHED_BATCH_STATES.includes(after.state)) {
        events.emit(`batch.${after.state as 'completed' | 'failed' | 'cancelled'}`, batch);
        waiters.resolveBatch(after.id);
        return;
      }
      if (before === 'pending' && after.state === 'running') events.emit('batch.started', batch);
      this.emitProgress(batch);
    });
  }

  /** The queue closed: no progress goes out later. */
  stop(): void {
    for (const e of this.throttles.values()) if (e.timer) this.core.settings.clock.clearTimeout(e.timer);
  }

  private emitProgress(batch: Batch): void {
    const { clock, progressEmitMs } = this.core.settings;
    const now = clock.now();
    let e = this.throttles.get(batch.id);
    if (!e) this.throttles.set(batch.id, (e = { last: 0, timer: null }));
    const entry = e;
    if (now - entry.last >= progressEmitMs) {
      entry.last = now;
      this.core.events.emit('batch.progress', batch);
      return;
    }
    if (entry.timer) return;
    entry.timer = clock.setTimeout(() => {
      entry.timer = null;
      entry.last = clock.now();
      const row = this.core.batches.get(batch.id);
      if (row && !FINISHED_BATCH_STATES.includes(row.state)) this.core.events.emit('batch.progress', toBatch(row));
      if (!row || FINISHED_BATCH_STATES.includes(row.state)) this.throttles.delete(batch.id);
    }, progressEmitMs - (now - entry.last));
    entry.timer.unref?.();
  }
}
