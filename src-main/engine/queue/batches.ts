import type { Statement } from 'better-sqlite3';
import type { BatchState } from '../../../src-shared/contract/index.js';
import type { Db } from '../db/database.js';
import type { BatchRow } from './types.js';

export interface CountDelta {
  total?: number;
  completed?: number;
  failed?: number;
  cancelled?: number;
}

/**
 * The state is computed from the counts by this one expression, every time a count or
 * the pause flag moves (in the same transaction), so it is never set by hand.
 */
const DERIVED_STATE = `CASE
    WHEN total > 0 AND completed + failed + cancelled >= total THEN
      CASE WHEN failed > 0 THEN 'failed' WHEN cancelled > 0 THEN 'cancelled' ELSE 'completed' END
    WHEN paused = 1 THEN 'paused'
    WHEN started = 1 THEN 'running'
    ELSE 'pending' END`;

export const FINISHED_BATCH_STATES: readonly BatchState[] = ['completed', 'failed', 'cancelled'];

/** Batch rows: parents whose counts move in the same transaction as each child. */
export class BatchStore {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement;
  private readonly bumpStmt: Statement;
  private readonly deriveStmt: Statement;
  private readonly startStmt: Statement;
  private readonly pauseStmt: Statement;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      'INSERT INTO batches (id, type, label, project_id, created_at, updated_at) VALUES (@id, @type, @label, @projectId, @now, @now)',
    );
    this.getStmt = db.prepare('SELECT * FROM batches WHERE id = ?');
    this.bumpStmt = db.prepare(
      `UPDATE batches SET total = total + @total, completed = completed + @completed, failed = failed + @failed,
         cancelled = cancelled + @cancelled WHERE id = @id`,
    );
    this.deriveStmt = db.prepare(
      `UPDATE batches SET state = ${DERIVED_STATE},
         finished_at = CASE WHEN total > 0 AND completed + failed + cancelled >= total THEN COALESCE(finished_at, @now) ELSE NULL END,
         updated_at = @now
       WHERE id = @id RETURNING *`,
    );
    this.startStmt = db.prepare('UPDATE batches SET started = 1 WHERE id = ? AND started = 0');
    this.pauseStmt = db.prepare('UPDATE batches SET paused = @paused WHERE id = @id AND paused != @paused');
  }

  create(batch: { id: string; type: string; label: string | null; projectId: string | null }, now: number): void {
    this.insertStmt.run({ ...batch, now });
  }

  get(id: string): BatchRow | undefined {
    return this.getStmt.get(id) as BatchRow | undefined;
  }

  /** Moves the counts and re-derives the state; answers the row before and after. */
  bump(id: string, delta: CountDelta, now: number): { before: BatchState; after: BatchRow } {
    const before = (this.getStmt.get(id) as BatchRow | undefined)?.state;
    if (!before) throw new Error(`no batch ${id}`);
    this.bumpStmt.run({ id, total: delta.total ?? 0, completed: delta.completed ?? 0, failed: delta.failed ?? 0, cancelled: delta.cancelled ?? 0 });
    return { before, after: this.deriveStmt.get({ id, now }) as BatchRow };
  }

  /** The first child started: the batch is running. Answers the change, or null if it had started already. */
  markStarted(id: string, now: number): { before: BatchState; after: BatchRow } | null {
    if (this.startStmt.run(id).changes === 0) return null;
    return this.rederive(id, now);
  }

  setPaused(id: string, paused: boolean, now: number): { before: BatchState; after: BatchRow } | null {
    if (this.pauseStmt.run({ id, paused: paused ? 1 : 0 }).changes === 0) return null;
    return this.rederive(id, now);
  }

  private rederive(id: string, now: number): { before: BatchState; after: BatchRow } {
    const before = (this.getStmt.get(id) as BatchRow).state;
    return { before, after: this.deriveStmt.get({ id, now }) as BatchRow };
  }
}
