/**
 * The read side of the queue: rows → contract shapes, the lookups that answer not_found,
 * lists and statistics for the Queue page. The SQL is the stores'.
 */
import { ContractError, type Batch, type BatchState, type Job, type JobDetail, type JobState, type QueueListInput, type QueueStats } from '../../../src-shared/contract/index.js';
import type { BatchStore } from './batches.js';
import type { JobRow } from './rows.js';
import type { JobStore } from './store.js';
import { priorityName, resourceNames, type BatchRow, type Resource } from './types.js';

export type BatchListInput = { state?: BatchState | BatchState[]; projectId?: string; offset?: number; limit?: number };

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

const zeroCounts = (): Record<JobState, number> => ({ pending: 0, paused: 0, running: 0, completed: 0, failed: 0, cancelled: 0 });

export class QueueViews {
  constructor(
    private readonly jobs: JobStore,
    private readonly batches: BatchStore,
  ) {}

  requireJob(id: string): JobRow {
    const row = this.jobs.byId(id);
    if (!row) throw new ContractError('not_found', `no job ${id}`);
    return row;
  }

  requireBatch(id: string): BatchRow {
    const row = this.batches.get(id);
    if (!row) throw new ContractError('not_found', `no batch ${id}`);
    return row;
  }

  listJobs(input: QueueListInput, order: 'newest' | 'oldest' = 'newest'): { items: Job[]; total: number } {
    const filter = { states: asArray(input.state), type: input.type, projectId: input.projectId, batchId: input.batchId };
    const { rows, total } = this.jobs.page(filter, order, input.limit ?? 100, input.offset ?? 0);
    return { items: rows.map(toJob), total };
  }

  listBatches(input: BatchListInput): { items: Batch[]; total: number } {
    const { rows, total } = this.batches.page({ states: asArray(input.state), projectId: input.projectId }, input.limit ?? 100, input.offset ?? 0);
    return { items: rows.map(toBatch), total };
  }

  stats(p: { now: number; paused: boolean; limits: Record<Resource, number>; busy: Record<Resource, number> }): QueueStats {
    const counts = zeroCounts();
    const types = new Map<string, QueueStats['types'][number]>();
    const typeEntry = (type: string) => {
      let e = types.get(type);
      if (!e) types.set(type, (e = { type, counts: zeroCounts(), completedLastHour: 0, meanDurationMs: null }));
      return e;
    };
    for (const r of this.jobs.countsByTypeAndState()) {
      counts[r.state] += r.n;
      typeEntry(r.type).counts[r.state] += r.n;
    }
    for (const r of this.jobs.completedByType(p.now - 3600_000)) {
      const e = typeEntry(r.type);
      e.completedLastHour = r.n;
      e.meanDurationMs = r.mean == null ? null : Math.max(0, r.mean);
    }
    const lastMinute = this.jobs.completedSince(p.now - 60_000);
    const last15 = this.jobs.completedSince(p.now - 15 * 60_000);
    const batchCounts = this.batches.countsByFinished();
    return {
      paused: p.paused,
      counts,
      batches: { active: batchCounts.find((b) => !b.finished)?.n ?? 0, finished: batchCounts.find((b) => b.finished)?.n ?? 0 },
      throughput: { lastMinute, last15Minutes: last15 / 15 },
      types: [...types.values()].sort((a, b) => (a.type < b.type ? -1 : 1)),
      resources: resourceNames.map((resource) => ({ resource, limit: p.limits[resource], running: p.busy[resource] })),
    };
  }
}
