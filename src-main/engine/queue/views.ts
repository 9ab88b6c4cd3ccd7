import type { Batch, BatchState, Job, JobDetail, JobState, QueueListInput, QueueStats } from '../../../src-shared/contract/index.js';
import type { Db } from '../db/database.js';
import type { JobRow } from './store.js';
import { priorityName, resourceNames, type BatchRow, type Resource } from './types.js';

/** The read side of the queue: rows → contract shapes, lists and statistics for the Queue page. */

export function toJob(r: JobRow): Job {
  return {
    id: r.id,
    type: r.type,
    label: r.label,
    state: r.state,
    priority: priorityName[r.priority] ?? 'normal',
    resource: r.resource,
    model: r.model,
    batchId: r.batch_id,
    projectId: r.project_id,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    stage: r.stage,
    percent: r.percent,
    error: r.error,
    errorKind: r.error_kind,
    errorCode: r.error_code,
    cancelRequested: r.cancel_requested === 1,
    createdAt: r.created_at,
    runAt: r.run_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export function toJobDetail(r: JobRow): JobDetail {
  return { ...toJob(r), payload: parseJson(r.payload), result: r.result == null ? null : parseJson(r.result), crashes: r.crashes };
}

export function toBatch(r: BatchRow): Batch {
  return {
    id: r.id,
    type: r.type,
    label: r.label,
    projectId: r.project_id,
    state: r.state,
    total: r.total,
    completed: r.completed,
    failed: r.failed,
    cancelled: r.cancelled,
    paused: r.paused === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const asArray = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

export function listJobs(db: Db, input: QueueListInput, order: 'newest' | 'oldest' = 'newest'): { items: Job[]; total: number } {
  const where: string[] = [];
  const params: unknown[] = [];
  const states = asArray(input.state);
  if (states) {
    where.push(`state IN (${states.map(() => '?').join(', ')})`);
    params.push(...states);
    // Always true (finished_at is set exactly for finished jobs); it lets SQLite use the partial indexes.
    if (states.every((s) => LIVE.includes(s))) where.push('finished_at IS NULL');
    else if (states.every((s) => !LIVE.includes(s))) where.push('finished_at IS NOT NULL');
  }
  if (input.type) {
    where.push('type = ?');
    params.push(input.type);
  }
  if (input.projectId) {
    where.push('project_id = ?');
    params.push(input.projectId);
  }
  if (input.batchId) {
    where.push('batch_id = ?');
    params.push(input.batchId);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = db.prepare(`SELECT COUNT(*) FROM jobs ${clause}`).pluck().get(...params) as number;
  const rows = db.prepare(`SELECT * FROM jobs ${clause} ORDER BY seq ${order === 'newest' ? 'DESC' : 'ASC'} LIMIT ? OFFSET ?`).all(...params, input.limit ?? 100, input.offset ?? 0) as JobRow[];
  return { items: rows.map(toJob), total };
}

export function listBatches(
  db: Db,
  input: { state?: BatchState | BatchState[]; projectId?: string; offset?: number; limit?: number },
): { items: Batch[]; total: number } {
  const where: string[] = [];
  const params: unknown[] = [];
  const states = asArray(input.state);
  if (states) {
    where.push(`state IN (${states.map(() => '?').join(', ')})`);
    params.push(...states);
  }
  if (input.projectId) {
    where.push('project_id = ?');
    params.push(input.projectId);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = db.prepare(`SELECT COUNT(*) FROM batches ${clause}`).pluck().get(...params) as number;
  const rows = db
    .prepare(`SELECT * FROM batches ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`)
    .all(...params, input.limit ?? 100, input.offset ?? 0) as BatchRow[];
  return { items: rows.map(toBatch), total };
}

const LIVE: readonly JobState[] = ['pending', 'paused', 'running'];

const zeroCounts = (): Record<JobState, number> => ({ pending: 0, paused: 0, running: 0, completed: 0, failed: 0, cancelled: 0 });

export function queueStats(db: Db, p: { now: number; paused: boolean; limits: Record<Resource, number>; busy: Record<Resource, number> }): QueueStats {
  const counts = zeroCounts();
  const types = new Map<string, QueueStats['types'][number]>();
  const typeEntry = (type: string) => {
    let e = types.get(type);
    if (!e) types.set(type, (e = { type, counts: zeroCounts(), completedLastHour: 0, meanDurationMs: null }));
    return e;
  };
  const byState = db.prepare(
    `SELECT type, state, COUNT(*) AS n FROM jobs WHERE finished_at IS NULL GROUP BY state, type
     UNION ALL SELECT type, state, COUNT(*) AS n FROM jobs WHERE finished_at IS NOT NULL GROUP BY state, type`,
  );
  for (const r of byState.all() as { type: string; state: JobState; n: number }[]) {
    counts[r.state] += r.n;
    typeEntry(r.type).counts[r.state] += r.n;
  }
  const hour = db
    .prepare(
      `SELECT type, COUNT(*) AS n, AVG(finished_at - started_at) AS mean FROM jobs
       WHERE finished_at >= ? AND state = 'completed' GROUP BY type`,
    )
    .all(p.now - 3600_000) as { type: string; n: number; mean: number | null }[];
  for (const r of hour) {
    const e = typeEntry(r.type);
    e.completedLastHour = r.n;
    e.meanDurationMs = r.mean == null ? null : Math.max(0, r.mean);
  }
  const completedSince = db.prepare("SELECT COUNT(*) FROM jobs WHERE finished_at >= ? AND state = 'completed'").pluck();
  const lastMinute = completedSince.get(p.now - 60_000) as number;
  const last15 = completedSince.get(p.now - 15 * 60_000) as number;
  const batchCounts = db
    .prepare("SELECT state IN ('completed', 'failed', 'cancelled') AS finished, COUNT(*) AS n FROM batches GROUP BY 1")
    .all() as { finished: number; n: number }[];
  return {
    paused: p.paused,
    counts,
    batches: { active: batchCounts.find((b) => !b.finished)?.n ?? 0, finished: batchCounts.find((b) => b.finished)?.n ?? 0 },
    throughput: { lastMinute, last15Minutes: last15 / 15 },
    types: [...types.values()].sort((a, b) => (a.type < b.type ? -1 : 1)),
    resources: resourceNames.map((resource) => ({ resource, limit: p.limits[resource], running: p.busy[resource] })),
  };
}
