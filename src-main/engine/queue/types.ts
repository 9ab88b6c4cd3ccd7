import type { z } from 'zod';
import type { BatchState, JobErrorKind, JobPriority, JobResource, JobTypeName, jobTypes } from '../../../src-shared/contract/index.js';
import type { Db } from '../db/database.js';
import type { BackoffPolicy } from './backoff.js';

export type Priority = JobPriority;
export type Resource = JobResource;

/** Lower runs first. Stored as the integer so the claim index orders by it. */
export const priorityRank: Record<Priority, number> = { urgent: 0, normal: 1, background: 2 };
export const priorityName: readonly Priority[] = ['urgent', 'normal', 'background'];
export const resourceNames: readonly Resource[] = ['gpu', 'cpu', 'io'];

/** The stages a job type reports: those its contract slice declares, or any text for a job type outside the contract (tests). */
export type StagesOf<T extends string> = T extends JobTypeName ? (typeof jobTypes)[T]['stages'][number] : string;

/** What a running handler gets besides its payload. */
export interface JobContext<S, Stage extends string = string> {
  readonly jobId: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly batchId: string | null;
  readonly projectId: string | null;
  /** Fires on cancel, timeout or shutdown: stop soon and throw. */
  readonly signal: AbortSignal;
  /**
   * Fires when the grace period after `signal` is over: kill the worker thread or
   * child process doing the work now (WorkerPool.run takes it as `kill`).
   */
  readonly stopSignal: AbortSignal;
  /** Reports the stage (one the job type declares) and percent; throttled for you. */
  progress(stage: Stage, percent?: number | null): void;
  readonly services: S;
}

/** What a job type's commit step gets: it runs inside the transaction that records the completion. */
export interface CommitContext<S> {
  readonly db: Db;
  readonly services: S;
  readonly job: { id: string; batchId: string | null; projectId: string | null; attempt: number };
  /** Enqueue follow-up work in the same transaction (children of a batch, for instance). */
  enqueue<P>(definition: JobHandle<P>, payload: P, options?: EnqueueOptions): string;
  enqueueMany<P>(definition: JobHandle<P>, payloads: readonly P[], options?: EnqueueOptions): string[];
}

/** What enqueue needs of a job definition: its type and payload schema (the definition itself, typically). */
export interface JobHandle<P> {
  type: string;
  payload: z.ZodType<P>;
}

export interface RetryPolicy extends BackoffPolicy {
  maxAttempts: number;
}

export interface JobDefinition<P = unknown, R = unknown, S = unknown, T extends string = string> {
  type: T;
  payload: z.ZodType<P>;
  resource: Resource;
  /** Default priority; enqueue may override. */
  priority?: Priority;
  retry?: Partial<RetryPolicy>;
  /** The attempt is aborted (then stopped) after this long; it counts as a transient failure. */
  timeoutMs?: number;
  /** The model the job needs loaded; jobs whose model is already loaded are preferred. */
  model?(payload: P): string | null;
  /** Short text for the Queue page. */
  label?(payload: P): string | null;
  /**
   * What makes two enqueues the same work. The dedupe key is a hash of the type, the
   * input and the parameters; enqueueing it again returns the existing job.
   */
  dedupe?(payload: P): { input: unknown; params?: unknown } | null;
  /** Overrides the default error classification (return undefined to keep it). */
  classify?(err: unknown): JobErrorKind | undefined;
  /**
   * The work. May run more than once (a crash between finishing and recording, a
   * retry), so its effects outside the database must be idempotent, such as writing
   * content-addressed files. Effects that must happen exactly once go in `commit`.
   */
  run(payload: P, ctx: JobContext<S, StagesOf<T>>): Promise<R>;
  /**
   * Applies the result inside the same SQLite transaction that marks the job completed,
   * fenced by its lease: it happens exactly once, or not at all if the attempt was stale.
   */
  commit?(ctx: CommitContext<S>, payload: P, result: R): void;
  /** What to keep as the job's result (default: the result itself). */
  storeResult?(result: R): unknown;
}

/**
 * Defines a job type (one file per type, in its feature's jobs/ folder). A type the
 * contract declares (`jobs` of a slice) reports only the stages declared there.
 */
export function defineJob<P, R, S, const T extends string>(definition: JobDefinition<P, R, S, T>): JobDefinition<P, R, S, T> {
  return definition;
}

/**
 * defineJob with the services fixed and the rest inferred:
 * `const defineImportJob = jobsWith<ImportServices>();` then `defineImportJob({...})`.
 */
export function jobsWith<S>(): <P, R, const T extends string>(definition: JobDefinition<P, R, S, T>) => JobDefinition<P, R, S, T> {
  return (definition) => definition;
}

export interface BatchRow {
  id: string;
  type: string;
  label: string | null;
  project_id: string | null;
  state: BatchState;
  total: number;
  completed: number;
  failed: number;
  cancelled: number;
  paused: number;
  started: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/**
 * One kind of batch (an import, a background-removal run): the handle `createBatch`
 * takes, and hooks run inside the transaction that changed a batch of this kind.
 */
export interface BatchTypeDefinition<S = unknown> {
  type: string;
  /** The derived state changed (a child finished, a retry reopened it, a pause). */
  onState?(ctx: { db: Db; services: S }, batch: BatchRow, previous: BatchState): void;
}

export function defineBatchType<S = unknown>(definition: BatchTypeDefinition<S>): BatchTypeDefinition<S> {
  return definition;
}

export interface EnqueueOptions {
  priority?: Priority;
  batchId?: string | null;
  projectId?: string | null;
  /** Overrides the job type's dedupe() with a ready-made key. */
  dedupeKey?: string | null;
  /** Do not start before this time. */
  runAt?: number;
  maxAttempts?: number;
  model?: string | null;
  label?: string | null;
}
