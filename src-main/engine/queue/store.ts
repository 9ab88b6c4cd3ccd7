/**
 * The jobs table and the queue's settings in SQLite: every statement the queue runs on
 * them, prepared once (a listing once per filter shape).
 */
import type { Statement } from 'better-sqlite3';
import type { FinishedJobState, JobErrorKind, JobState } from '../../../src-shared/contract/index.js';
import type { Db } from '../db/database.js';
import type { ClaimedRow, Fence, JobRow, NewJob } from './rows.js';
import type { Resource } from './types.js';

/** What a finishing write answers: the batch to count the job in. */
type Finished = { batch_id: string | null } | undefined;
/** What a write that puts a job back answers: its batch, and whether it waits as pending or paused. */
type Requeued = { batch_id: string | null; state: JobState } | undefined;

/** A job that goes back to the queue waits as 'paused' when its batch is paused. */
const REQUEUE_STATE = `CASE WHEN batch_id IS NOT NULL AND (SELECT b.paused FROM batches b WHERE b.id = jobs.batch_id) = 1 THEN 'paused' ELSE 'pending' END`;
const FENCE = `seq = @seq AND lease_owner = @owner AND attempts = @attempt AND state = 'running'`;
const CLAIM_COLUMNS = 'seq, id, type, label, payload, attempts, max_attempts, batch_id, project_id, model, priority, deferrals';

/** The head (oldest due job) of one priority class, with its aged priority. */
const head = (priority: number) => `SELECT * FROM (
    SELECT seq, MAX(0, priority - (@now - created_at) / @aging) AS eff, model, priority FROM jobs
    WHERE state = 'pending' AND finished_at IS NULL AND resource = @resource AND priority = ${priority} AND run_at <= @now
    ORDER BY seq LIMIT 1)`;
const HEADS = `heads AS (${head(0)} UNION ALL ${head(1)} UNION ALL ${head(2)})`;

/** Filters of a job listing (the Queue page, a feature reading its batch's history). */
export interface JobFilter {
  states?: readonly JobState[];
  type?: string;
  projectId?: string;
  batchId?: string;
}

const LIVE: readonly JobState[] = ['pending', 'paused', 'running'];

export class JobStore {
  private readonly insertStmt: Statement;
  private readonly claimStmt: Statement;
  private readonly claimAffinityStmt: Statement;
  private readonly completeStmt: Statement;
  private readonly failStmt: Statement;
  private readonly rescheduleStmt: Statement;
  private readonly cancelRunningStmt: Statement;
  private readonly releaseStmt: Statement;
  private readonly progressStmt: Statement;
  private readonly renewStmt: Statement;
  private readonly byIdStmt: Statement;
  private readonly byDedupeStmt: Statement;
  private readonly cancelWaitingStmt: Statement;
  private readonly flagCancelStmt: Statement;
  private readonly nextRunAtStmt: Statement;
  private readonly setSettingStmt: Statement;
  private readonly requeueOrphanStmt: Statement;
  private readonly poisonStmt: Statement;
  private readonly retryStmt: Statement;
  private readonly holdBatchStmt: Statement;
  private readonly unholdBatchStmt: Statement;
  private readonly cancelBatchWaitingStmt: Statement;
  private readonly pausedStmt: Statement;
  private readonly pauseReasonStmt: Statement;
  private readonly deleteSettingStmt: Statement;
  private readonly runningElsewhereStmt: Statement;
  private readonly expiredElsewhereStmt: Statement;
  private readonly failedInBatchStmt: Statement;
  private readonly failedStmt: Statement;
  private readonly deleteFinishedStmt: Statement;
  private readonly countsStmt: Statement;
  private readonly completedByTypeStmt: Statement;
  private readonly completedSinceStmt: Statement;
  /** Listing statements, one pair per filter shape, prepared on first use. */
  private readonly pages = new Map<string, { count: Statement; rows: Statement }>();

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO jobs (id, type, label, state, priority, resource, model, payload, batch_id, project_id, dedupe_key,
         max_attempts, run_at, created_at, updated_at)
       VALUES (@id, @type, @label,
         CASE WHEN @batchId IS NOT NULL AND (SELECT paused FROM batches WHERE id = @batchId) = 1 THEN 'paused' ELSE 'pending' END,
         @priority, @resource, @model, @payload, @batchId, @projectId, @dedupeKey, @maxAttempts, @runAt, @now, @now)`,
    );
    // One statement claims one job: the heads of the three priority classes are found through
    // the partial index, aged, and the best one is flipped to running under this boot's lease.
    const claimSet = `UPDATE jobs SET state = 'running', lease_owner = @owner, lease_expires_at = @lease, attempts = attempts + 1,
         started_at = @now, updated_at = @now, stage = NULL, percent = NULL`;
    this.claimStmt = db.prepare(
      `${claimSet} WHERE seq = (WITH ${HEADS} SELECT seq FROM heads ORDER BY eff, seq LIMIT 1) RETURNING ${CLAIM_COLUMNS}`,
    );
    // When the best head needs a model that is not loaded, an equally urgent job of the same
    // class that needs no reload (its model is loaded, or it needs none) goes first: a model
    // reload costs seconds of GPU time.
    this.claimAffinityStmt = db.prepare(
      `${claimSet} WHERE seq = (
         WITH ${HEADS},
           best AS (SELECT seq, eff, model, priority FROM heads ORDER BY eff, seq LIMIT 1),
           loaded(m) AS (SELECT value FROM json_each(@models))
         SELECT CASE WHEN best.model IS NULL OR best.model IN (SELECT m FROM loaded) THEN best.seq
           ELSE COALESCE((
             SELECT j.seq FROM jobs j
             WHERE j.state = 'pending' AND j.finished_at IS NULL AND j.resource = @resource AND j.priority = best.priority AND j.run_at <= @now
               AND (j.model IS NULL OR j.model IN (SELECT m FROM loaded)) AND MAX(0, j.priority - (@now - j.created_at) / @aging) = best.eff
             ORDER BY j.seq LIMIT 1), best.seq) END
         FROM best)
       RETURNING ${CLAIM_COLUMNS}`,
    );
    const release = 'lease_owner = NULL, lease_expires_at = NULL, updated_at = @now';
    this.completeStmt = db.prepare(
      `UPDATE jobs SET state = 'completed', result = @result, error = NULL, error_kind = NULL, error_code = NULL, stage = 'completed', percent = 100,
         finished_at = @now, ${release} WHERE ${FENCE} RETURNING batch_id`,
    );
    this.failStmt = db.prepare(
      `UPDATE jobs SET state = 'failed', error = @error, error_kind = @kind, error_code = @code, finished_at = @now, ${release} WHERE ${FENCE} RETURNING batch_id`,
    );
    this.rescheduleStmt = db.prepare(
      `UPDATE jobs SET state = ${REQUEUE_STATE}, error = @error, error_kind = @kind, error_code = @code, run_at = @runAt,
         attempts = attempts - @refund, deferrals = deferrals + @refund, stage = NULL, percent = NULL, ${release}
       WHERE ${FENCE} RETURNING batch_id, state`,
    );
    this.cancelRunningStmt = db.prepare(
      `UPDATE jobs SET state = 'cancelled', error = 'cancelled', error_kind = NULL, finished_at = @now, ${release} WHERE ${FENCE} RETURNING batch_id`,
    );
    // Shutdown is not the job's fault: the attempt is given back.
    this.releaseStmt = db.prepare(
      `UPDATE jobs SET state = ${REQUEUE_STATE}, attempts = attempts - 1, stage = NULL, percent = NULL, ${release} WHERE ${FENCE} RETURNING batch_id`,
    );
    this.progressStmt = db.prepare(`UPDATE jobs SET stage = @stage, percent = @percent, lease_expires_at = @lease, updated_at = @now WHERE ${FENCE}`);
    this.renewStmt = db.prepare("UPDATE jobs SET lease_expires_at = @lease WHERE state = 'running' AND finished_at IS NULL AND lease_owner = @owner");
    this.byIdStmt = db.prepare('SELECT * FROM jobs WHERE id = ?');
    this.byDedupeStmt = db.prepare("SELECT * FROM jobs WHERE dedupe_key = ? AND state NOT IN ('failed', 'cancelled')");
    this.cancelWaitingStmt = db.prepare(
      `UPDATE jobs SET state = 'cancelled', error = 'cancelled', finished_at = @now, updated_at = @now
       WHERE seq = @seq AND state IN ('pending', 'paused') RETURNING batch_id`,
    );
    this.flagCancelStmt = db.prepare("UPDATE jobs SET cancel_requested = 1, updated_at = @now WHERE seq = @seq AND state = 'running'");
    this.nextRunAtStmt = db.prepare("SELECT MIN(run_at) FROM jobs WHERE state = 'pending' AND finished_at IS NULL AND run_at > ?").pluck();
    this.setSettingStmt = db.prepare('INSERT INTO queue_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    // An interrupted attempt is not a failed one: it is given back. A crash (the engine recorded
    // that it died of an error) is counted for poison detection; an unexplained stop (killed from
    // outside, power loss) is counted apart, with a far higher limit.
    this.requeueOrphanStmt = db.prepare(
      `UPDATE jobs SET state = ${REQUEUE_STATE}, attempts = attempts - 1, crashes = crashes + @crash, interruptions = interruptions + @interruption,
         stage = NULL, percent = NULL, ${release}
       WHERE ${FENCE} RETURNING batch_id, state`,
    );
    this.poisonStmt = db.prepare(
      `UPDATE jobs SET state = 'failed', crashes = crashes + @crash, interruptions = interruptions + @interruption, error = @error, error_kind = 'poison',
         error_code = 'poison', finished_at = @now, ${release}
       WHERE ${FENCE} RETURNING batch_id`,
    );
    this.retryStmt = db.prepare(
      `UPDATE jobs SET state = ${REQUEUE_STATE}, attempts = 0, crashes = 0, deferrals = 0, error = NULL, error_kind = NULL, error_code = NULL,
         cancel_requested = 0, run_at = @now, started_at = NULL, finished_at = NULL, stage = NULL, percent = NULL, updated_at = @now
       WHERE seq = @seq AND state IN ('failed', 'cancelled') RETURNING batch_id, state`,
    );
    this.holdBatchStmt = db.prepare("UPDATE jobs SET state = 'paused', updated_at = @now WHERE batch_id = @batchId AND state = 'pending'");
    this.unholdBatchStmt = db.prepare("UPDATE jobs SET state = 'pending', updated_at = @now WHERE batch_id = @batchId AND state = 'paused'");
    this.cancelBatchWaitingStmt = db.prepare(
      `UPDATE jobs SET state = 'cancelled', error = 'cancelled', finished_at = @now, updated_at = @now
       WHERE batch_id = @batchId AND state IN ('pending', 'paused') RETURNING id`,
    );
    this.pausedStmt = db.prepare("SELECT value FROM queue_settings WHERE key = 'paused'").pluck();
    this.pauseReasonStmt = db.prepare("SELECT value FROM queue_settings WHERE key = 'pause_reason'").pluck();
    this.deleteSettingStmt = db.prepare('DELETE FROM queue_settings WHERE key = ?');
    const runningElsewhere = "SELECT * FROM jobs WHERE state = 'running' AND finished_at IS NULL AND lease_owner IS NOT @owner";
    this.runningElsewhereStmt = db.prepare(runningElsewhere);
    this.expiredElsewhereStmt = db.prepare(`${runningElsewhere} AND lease_expires_at < @now`);
    this.failedInBatchStmt = db.prepare("SELECT * FROM jobs WHERE batch_id = ? AND state = 'failed' ORDER BY seq");
    this.failedStmt = db.prepare("SELECT * FROM jobs WHERE state = 'failed' AND finished_at IS NOT NULL ORDER BY seq");
    this.deleteFinishedStmt = db.prepare('DELETE FROM jobs WHERE seq IN (SELECT seq FROM jobs WHERE state = ? AND finished_at < ? LIMIT ?)');
    // Two halves so each uses its partial index (live jobs, finished jobs).
    this.countsStmt = db.prepare(
      `SELECT type, state, COUNT(*) AS n FROM jobs WHERE finished_at IS NULL GROUP BY state, type
       UNION ALL SELECT type, state, COUNT(*) AS n FROM jobs WHERE finished_at IS NOT NULL GROUP BY state, type`,
    );
    this.completedByTypeStmt = db.prepare(
      `SELECT type, COUNT(*) AS n, AVG(finished_at - started_at) AS mean FROM jobs
       WHERE finished_at >= ? AND state = 'completed' GROUP BY type`,
    );
    this.completedSinceStmt = db.prepare("SELECT COUNT(*) FROM jobs WHERE finished_at >= ? AND state = 'completed'").pluck();
  }

  insert(job: NewJob): void {
    this.insertStmt.run(job);
  }

  claim(p: { resource: Resource; now: number; aging: number; owner: string; lease: number; models: readonly string[] }): ClaimedRow | undefined {
    if (p.models.length === 0) return this.claimStmt.get({ resource: p.resource, now: p.now, aging: p.aging, owner: p.owner, lease: p.lease }) as ClaimedRow | undefined;
    return this.claimAffinityStmt.get({ ...p, models: JSON.stringify(p.models) }) as ClaimedRow | undefined;
  }

  complete(f: Fence, result: string | null, now: number): Finished {
    return this.completeStmt.get({ ...f, result, now }) as Finished;
  }

  fail(f: Fence, error: string, kind: JobErrorKind, code: string | null, now: number): Finished {
    return this.failStmt.get({ ...f, error, kind, code, now }) as Finished;
  }

  /** Back to the queue until runAt. `refund` gives the attempt back (a rate limit is not a failure). */
  reschedule(
    f: Fence,
    p: { error: string; kind: JobErrorKind; code: string | null; runAt: number; refund: boolean },
    now: number,
  ): Requeued {
    return this.rescheduleStmt.get({ ...f, error: p.error, kind: p.kind, code: p.code, runAt: p.runAt, refund: p.refund ? 1 : 0, now }) as Requeued;
  }

  cancelRunning(f: Fence, now: number): Finished {
    return this.cancelRunningStmt.get({ ...f, now }) as Finished;
  }

  release(f: Fence, now: number): Finished {
    return this.releaseStmt.get({ ...f, now }) as Finished;
  }

  saveProgress(f: Fence, stage: string, percent: number | null, lease: number, now: number): boolean {
    return this.progressStmt.run({ ...f, stage, percent, lease, now }).changes === 1;
  }

  renewLeases(owner: string, lease: number): number {
    return this.renewStmt.run({ owner, lease }).changes;
  }

  byId(id: string): JobRow | undefined {
    return this.byIdStmt.get(id) as JobRow | undefined;
  }

  byDedupe(key: string): JobRow | undefined {
    return this.byDedupeStmt.get(key) as JobRow | undefined;
  }

  cancelWaiting(seq: number, now: number): Finished {
    return this.cancelWaitingStmt.get({ seq, now }) as Finished;
  }

  flagCancel(seq: number, now: number): boolean {
    return this.flagCancelStmt.run({ seq, now }).changes === 1;
  }

  /** When the next delayed (retrying) job falls due, or null. */
  nextRunAt(now: number): number | null {
    return (this.nextRunAtStmt.get(now) as number | null) ?? null;
  }

  /** Puts back a job a dead boot left running; `counted` says which counter its death moves. */
  requeueOrphan(f: Fence, counted: 'crash' | 'interruption' | null, now: number): Requeued {
    return this.requeueOrphanStmt.get({ ...f, crash: counted === 'crash' ? 1 : 0, interruption: counted === 'interruption' ? 1 : 0, now }) as Requeued;
  }

  poison(f: Fence, error: string, counted: 'crash' | 'interruption', now: number): Finished {
    return this.poisonStmt.get({ ...f, error, crash: counted === 'crash' ? 1 : 0, interruption: counted === 'interruption' ? 1 : 0, now }) as Finished;
  }

  /** A failed or cancelled job starts over with all its attempts. */
  retry(seq: number, now: number): Requeued {
    return this.retryStmt.get({ seq, now }) as Requeued;
  }

  holdBatch(batchId: string, now: number): number {
    return this.holdBatchStmt.run({ batchId, now }).changes;
  }

  unholdBatch(batchId: string, now: number): number {
    return this.unholdBatchStmt.run({ batchId, now }).changes;
  }

  cancelBatchWaiting(batchId: string, now: number): string[] {
    return (this.cancelBatchWaitingStmt.all({ batchId, now }) as { id: string }[]).map((r) => r.id);
  }

  setSetting(key: string, value: string): void {
    this.setSettingStmt.run(key, value);
  }

  paused(): boolean {
    return this.pausedStmt.get() === '1';
  }

  /** Why the whole queue is paused ('user', 'disk_full'), or null when it is not (or an older engine paused it). */
  pauseReason(): string | null {
    if (!this.paused()) return null;
    return (this.pauseReasonStmt.get() as string | undefined) ?? 'user';
  }

  deleteSetting(key: string): void {
    this.deleteSettingStmt.run(key);
  }

  /** Running jobs whose lease another boot holds (or nobody): what a start recovers. */
  runningElsewhere(owner: string): JobRow[] {
    return this.runningElsewhereStmt.all({ owner }) as JobRow[];
  }

  /** The same, only those whose lease has run out: what the periodic sweep takes. */
  expiredElsewhere(owner: string, now: number): JobRow[] {
    return this.expiredElsewhereStmt.all({ owner, now }) as JobRow[];
  }

  /** Failed jobs, oldest first: of one batch, or all of them. */
  failed(batchId?: string): JobRow[] {
    return (batchId ? this.failedInBatchStmt.all(batchId) : this.failedStmt.all()) as JobRow[];
  }

  /** Deletes up to `limit` jobs in `state` that finished before `before`; answers how many. */
  deleteFinished(state: FinishedJobState, before: number, limit: number): number {
    return this.deleteFinishedStmt.run(state, before, limit).changes;
  }

  countsByTypeAndState(): { type: string; state: JobState; n: number }[] {
    return this.countsStmt.all() as { type: string; state: JobState; n: number }[];
  }

  /** Per type: jobs completed since `since` and their mean duration. */
  completedByType(since: number): { type: string; n: number; mean: number | null }[] {
    return this.completedByTypeStmt.all(since) as { type: string; n: number; mean: number | null }[];
  }

  completedSince(since: number): number {
    return this.completedSinceStmt.get(since) as number;
  }

  /** One page of jobs matching the filter, by seq, with the number that match. */
  page(filter: JobFilter, order: 'newest' | 'oldest', limit: number, offset: number): { rows: JobRow[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    const states = filter.states && [...new Set(filter.states)];
    if (states) {
      where.push(`state IN (${states.map(() => '?').join(', ')})`);
      params.push(...states);
      // Always true (finished_at is set exactly for finished jobs); it lets SQLite use the partial indexes.
      if (states.every((s) => LIVE.includes(s))) where.push('finished_at IS NULL');
      else if (states.every((s) => !LIVE.includes(s))) where.push('finished_at IS NOT NULL');
    }
    for (const [column, value] of [['type', filter.type], ['project_id', filter.projectId], ['batch_id', filter.batchId]] as const) {
      if (!value) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const key = `${clause} ${order}`;
    let stmts = this.pages.get(key);
    if (!stmts) {
      stmts = {
        count: this.db.prepare(`SELECT COUNT(*) FROM jobs ${clause}`).pluck(),
        rows: this.db.prepare(`SELECT * FROM jobs ${clause} ORDER BY seq ${order === 'newest' ? 'DESC' : 'ASC'} LIMIT ? OFFSET ?`),
      };
      this.pages.set(key, stmts);
    }
    return { total: stmts.count.get(...params) as number, rows: stmts.rows.all(...params, limit, offset) as JobRow[] };
  }
}
