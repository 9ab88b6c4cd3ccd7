/**
 * The batches table in SQLite: every statement the queue runs on it, prepared once (a
 * listing once per filter shape). A batch's state is derived from its counts, never set.
 */
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

export interface BatchFilter {
  states?: readonly BatchState[];
  projectId?: string;
}

/** Batch rows: parents whose counts move in the same transaction as each child. */
export class BatchStore {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement;
  private readonly bumpStmt: Statement;
  private readonly deriveStmt: Statement;
  private readonly startStmt: Statement;
  private readonly pauseStmt: Statement;
  private readonly deleteFinishedStmt: Statement;
  private readonly countsStmt: Statement;
  /** Listing statements, one pair per filter shape, prepared on first use. */
  private readonly pages = new Map<string, { count: Statement; rows: Statement }>();

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
    this.deleteFinishedStmt = db.prepare(
      `DELETE FROM batches WHERE id IN (
         SELECT b.id FROM batches b WHERE b.state IN ('completed', 'failed', 'cancelled') AND b.finished_at < ?
           AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = b.id) LIMIT ?)`,
    );
    this.countsStmt = db.prepare("SELECT state IN ('completed', 'failed', 'cancelled') AS finished, COUNT(*) AS n FROM batches GROUP BY 1");
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

  /** Deletes up to `limit` finished batches that finished before `before` and have no jobs left; answers how many. */
  deleteFinishedEmpty(before: number, limit: number): number {
    return this.deleteFinishedStmt.run(before, limit).changes;
  }

  /** How many batches are unfinished (finished 0) and finished (1). */
  countsByFinished(): { finished: number; n: number }[] {
    return this.countsStmt.all() as { finished: number; n: number }[];
  }

  /** One page of batches matching the filter, newest first, with the number that match. */
  page(filter: BatchFilter, limit: number, offset: number): { rows: BatchRow[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    const states = filter.states && [...new Set(filter.states)];
    if (states) {
      where.push(`state IN (${states.map(() => '?').join(', ')})`);
      params.push(...states);
    }
    if (filter.projectId) {
      where.push('project_id = ?');
      params.push(filter.projectId);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    let stmts = this.pages.get(clause);
    if (!stmts) {
      stmts = {
        count: this.db.prepare(`SELECT COUNT(*) FROM batches ${clause}`).pluck(),
        rows: this.db.prepare(`SELECT * FROM batches ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`),
      };
      this.pages.set(clause, stmts);
    }
    return { total: stmts.count.get(...params) as number, rows: stmts.rows.all(...params, limit, offset) as BatchRow[] };
  }

  private rederive(id: string, now: number): { before: BatchState; after: BatchRow } {
    const before = (this.getStmt.get(id) as BatchRow).state;
    return { before, after: this.deriveStmt.get({ id, now }) as BatchRow };
  }
}
