/**
 * The durable job queue as the renderer, the CLI and the web mode see it: jobs and
 * batches (a parent with children), their states, the controls of the Queue page, and
 * the events the shell turns into notifications and toasts.
 */
import { z } from 'zod';
import { defineSlice, method } from './define.js';
import { Id, Timestamp } from './schemas.js';

export const JobState = z.enum(['pending', 'paused', 'running', 'completed', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;

export const FinishedJobState = z.enum(['completed', 'failed', 'cancelled']);
export type FinishedJobState = z.infer<typeof FinishedJobState>;

export const JobPriority = z.enum(['urgent', 'normal', 'background']);
export type JobPriority = z.infer<typeof JobPriority>;

export const JobResource = z.enum(['gpu', 'cpu', 'io']);
export type JobResource = z.infer<typeof JobResource>;

/** Why a job failed or was put back: decides whether it is retried and how. */
export const JobErrorKind = z.enum(['permanent', 'transient', 'oom', 'timeout', 'poison', 'rate_limited']);
export type JobErrorKind = z.infer<typeof JobErrorKind>;

export const Job = z.object({
  id: Id,
  type: z.string(),
  /** A short human description (a file name, a model), when the job type gives one. */
  label: z.string().nullable(),
  state: JobState,
  priority: JobPriority,
  resource: JobResource,
  /** The model the job needs loaded, if any (jobs needing a loaded model are preferred). */
  model: z.string().nullable(),
  batchId: Id.nullable(),
  projectId: Id.nullable(),
  attempts: z.number().int().nonnegative(),
  maxAttempts: z.number().int().positive(),
  stage: z.string().nullable(),
  /** 0–100 within the current stage, when the handler knows. */
  percent: z.number().min(0).max(100).nullable(),
  error: z.string().nullable(),
  errorKind: JobErrorKind.nullable(),
  /** A machine-readable reason (model_unavailable, image_unreadable, disk_full…) the UI words in its language; null when the handler gave none. */
  errorCode: z.string().nullable(),
  cancelRequested: z.boolean(),
  createdAt: Timestamp,
  /** Not before this time (a retry's backoff). */
  runAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
});
export type Job = z.infer<typeof Job>;

export const JobDetail = Job.extend({
  payload: z.unknown(),
  result: z.unknown(),
  crashes: z.number().int().nonnegative(),
});
export type JobDetail = z.infer<typeof JobDetail>;

export const BatchState = z.enum(['pending', 'running', 'paused', 'completed', 'failed', 'cancelled']);
export type BatchState = z.infer<typeof BatchState>;

/** A parent job; its state is derived from its children's counts, never set by hand. */
export const Batch = z.object({
  id: Id,
  type: z.string(),
  label: z.string().nullable(),
  projectId: Id.nullable(),
  state: BatchState,
  total: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  paused: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type Batch = z.infer<typeof Batch>;

const countsByState = z.object({
  pending: z.number().int().nonnegative(),
  paused: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
});

/** Why the whole queue is paused: the user asked, or the library's disk is full (it resumes once space is freed). */
export const PauseReason = z.enum(['user', 'disk_full']);
export type PauseReason = z.infer<typeof PauseReason>;

export const QueueStats = z.object({
  /** The whole queue is paused: nothing new starts; running jobs finish. */
  paused: z.boolean(),
  /** Why, when paused (absent from engines before it existed). */
  pauseReason: PauseReason.nullable().optional(),
  counts: countsByState,
  batches: z.object({ active: z.number().int().nonnegative(), finished: z.number().int().nonnegative() }),
  /** Jobs completed per minute, over the last minute and the last 15 minutes. */
  throughput: z.object({ lastMinute: z.number().nonnegative(), last15Minutes: z.number().nonnegative() }),
  types: z.array(
    z.object({
      type: z.string(),
      counts: countsByState,
      completedLastHour: z.number().int().nonnegative(),
      /** Mean run time of the last attempt of jobs completed in the last hour; null when none. */
      meanDurationMs: z.number().nonnegative().nullable(),
    }),
  ),
  resources: z.array(z.object({ resource: JobResource, limit: z.number().int().positive(), running: z.number().int().nonnegative() })),
});
export type QueueStats = z.infer<typeof QueueStats>;

const Page = z.object({
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(1000).default(100),
});

export const QueueListInput = Page.extend({
  state: z.union([JobState, z.array(JobState).min(1)]).optional(),
  type: z.string().min(1).optional(),
  projectId: Id.optional(),
  batchId: Id.optional(),
}).strict();
export type QueueListInput = z.input<typeof QueueListInput>;

export const QueueControl = z.object({ paused: z.boolean(), batch: Batch.nullable() });
export type QueueControl = z.infer<typeof QueueControl>;

const queueMethods = {
  'queue.stats': method(z.object({}).strict(), QueueStats, 'Counts by state, throughput and mean duration per job type'),
  'queue.list': method(QueueListInput, z.object({ items: z.array(Job), total: z.number().int().nonnegative() }), 'Jobs, newest first, filtered by state, type, project or batch'),
  'queue.get': method(z.object({ id: Id }).strict(), JobDetail, 'One job with its payload and result'),
  'queue.batches': method(
    Page.extend({ state: z.union([BatchState, z.array(BatchState).min(1)]).optional(), projectId: Id.optional() }).strict(),
    z.object({ items: z.array(Batch), total: z.number().int().nonnegative() }),
    'Batches (parent jobs), newest first',
  ),
  'queue.batch': method(z.object({ id: Id }).strict(), Batch, 'One batch with its counts'),
  'queue.cancel': method(z.object({ id: Id }).strict(), Job, 'Cancel a job: a pending one at once, a running one through its abort signal'),
  'queue.cancelBatch': method(z.object({ id: Id }).strict(), Batch, "Cancel every unfinished job of a batch"),
  'queue.retry': method(z.object({ id: Id }).strict(), Job, 'Run a failed or cancelled job again'),
  'queue.retryFailedBatch': method(
    z.object({ batchId: Id.optional() }).strict(),
    z.object({ retried: z.number().int().nonnegative(), batch: Batch.nullable() }),
    "Run a batch's failed jobs again (every failed job when no batch is given)",
  ),
  'queue.pause': method(z.object({ batchId: Id.optional() }).strict(), QueueControl, 'Pause the whole queue, or one batch'),
  'queue.resume': method(z.object({ batchId: Id.optional() }).strict(), QueueControl, 'Resume the whole queue, or one batch'),
  'queue.clearFinished': method(
    z
      .object({
        states: z.array(FinishedJobState).min(1).optional(),
        /** Only jobs finished at least this long ago. */
        olderThanMs: z.number().int().nonnegative().optional(),
      })
      .strict(),
    z.object({ removed: z.number().int().nonnegative() }),
    'Remove finished jobs (completed, failed and cancelled unless states says otherwise)',
  ),
};

/** A job's lifecycle event: enough to update a row without fetching it. */
export const JobEvent = z.object({
  jobId: Id,
  type: z.string(),
  label: z.string().nullable(),
  batchId: Id.nullable(),
  projectId: Id.nullable(),
  state: JobState,
  attempt: z.number().int().nonnegative(),
  error: z.string().nullable(),
  errorKind: JobErrorKind.nullable(),
  errorCode: z.string().nullable(),
  /** Run time of the attempt that finished; null for started events. */
  durationMs: z.number().nonnegative().nullable(),
  /** When a retried job runs next. */
  runAt: Timestamp.nullable(),
});
export type JobEvent = z.infer<typeof JobEvent>;

export const JobProgress = z.object({
  jobId: Id,
  type: z.string(),
  batchId: Id.nullable(),
  projectId: Id.nullable(),
  stage: z.string(),
  percent: z.number().min(0).max(100).nullable(),
});
export type JobProgress = z.infer<typeof JobProgress>;

const queueEvents = {
  'job.started': JobEvent,
  /** Throttled to about 10 per second per job. */
  'job.progress': JobProgress,
  'job.completed': JobEvent,
  'job.failed': JobEvent,
  'job.cancelled': JobEvent,
  /** A failed attempt that will run again at runAt. */
  'job.retrying': JobEvent,
  'batch.started': Batch,
  /** Counts changed; throttled to about 10 per second per batch. */
  'batch.progress': Batch,
  'batch.completed': Batch,
  'batch.failed': Batch,
  'batch.cancelled': Batch,
  /** The queue or a batch was paused or resumed (reason: why the whole queue is paused). */
  'queue.changed': z.object({ paused: z.boolean(), batchId: Id.nullable(), reason: PauseReason.nullable().optional() }),
};

export const queueContract = defineSlice({ methods: queueMethods, events: queueEvents });
