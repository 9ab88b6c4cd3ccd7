/**
 * Row shapes of the jobs table as the queue reads and writes them, and the fencing token
 * every write after a claim carries.
 */
import type { JobErrorKind, JobState } from '../../../src-shared/contract/index.js';
import type { Resource } from './types.js';

export interface JobRow {
  seq: number;
  id: string;
  type: string;
  label: string | null;
  state: JobState;
  priority: number;
  resource: Resource;
  model: string | null;
  payload: string;
  result: string | null;
  error: string | null;
  error_kind: JobErrorKind | null;
  error_code: string | null;
  batch_id: string | null;
  project_id: string | null;
  dedupe_key: string | null;
  attempts: number;
  max_attempts: number;
  crashes: number;
  /** Boots that stopped while it ran without recording a crash (killed from outside). */
  interruptions: number;
  deferrals: number;
  cancel_requested: number;
  run_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  stage: string | null;
  percent: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** What a claim answers: everything needed to run the attempt without reading the row again. */
export type ClaimedRow = Pick<
  JobRow,
  'seq' | 'id' | 'type' | 'label' | 'payload' | 'attempts' | 'max_attempts' | 'batch_id' | 'project_id' | 'model' | 'priority' | 'deferrals'
>;

/**
 * An attempt's fencing token. Every change after the claim matches the row by its key,
 * the lease owner (the boot), the attempt number and state = 'running', so an attempt
 * that lost its lease (requeued by a recovery, reclaimed by a newer attempt) changes nothing.
 */
export interface Fence {
  seq: number;
  owner: string;
  attempt: number;
}

export interface NewJob {
  id: string;
  type: string;
  label: string | null;
  priority: number;
  resource: Resource;
  model: string | null;
  payload: string;
  batchId: string | null;
  projectId: string | null;
  dedupeKey: string | null;
  maxAttempts: number;
  runAt: number;
  now: number;
}
