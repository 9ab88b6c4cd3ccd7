/**
 * The queue's options as callers pass them, and the same with every default filled in and
 * checked (QueueSettings), which is what the queue's parts read.
 */
import os from 'node:os';
import { defaultBackoff } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { defaultRetention, type RetentionPolicy } from './retention.js';
import { resourceNames, type Resource, type RetryPolicy } from './types.js';

export interface QueueOptions {
  /** Jobs running at once per resource. Defaults: gpu 1, cpu cores − 1, io 4. */
  concurrency?: Partial<Record<Resource, number>>;
  /** A waiting job moves up one priority class per this much waiting, so background work is never starved. */
  agingMs?: number;
  /** How long a claim holds without renewal (renewed every third of it while running). */
  leaseMs?: number;
  /** After a cancel or timeout aborts a running job, how long before its worker is stopped. */
  graceMs?: number;
  /** On close, how long running jobs get to stop before they are stopped and put back. */
  closeGraceMs?: number;
  /** A job running during this many engine crashes (recorded by the fatal-error handler) is failed as a poison job. */
  poisonAfter?: number;
  /**
   * A job running during this many unexplained stops (SIGKILL, power loss, the OS's
   * out-of-memory killer, a native crash that left no record) is failed too: bounded, so a
   * job that kills the process natively cannot restart-loop it forever, yet far above what
   * a user's kills of a long job add up to.
   */
  maxInterruptions?: number;
  /** Defaults for job types that do not set their own. */
  retry?: Partial<RetryPolicy>;
  retention?: Partial<RetentionPolicy>;
  /** Progress events per job at most this often (~10 Hz). */
  progressEmitMs?: number;
  /** Progress written to the database at most this often per job. */
  progressPersistMs?: number;
  /** Looks for work enqueued or resumed by another process this often when idle. */
  pollMs?: number;
  /** A job put back by rate limits more than this many times fails. */
  maxDeferrals?: number;
  /** Models kept loaded per resource, for the affinity preference. */
  modelSlots?: number;
  clock?: Clock;
  random?: () => number;
}

export interface QueueSettings {
  limits: Record<Resource, number>;
  clock: Clock;
  random: () => number;
  agingMs: number;
  leaseMs: number;
  graceMs: number;
  closeGraceMs: number;
  poisonAfter: number;
  maxInterruptions: number;
  retryDefaults: RetryPolicy;
  retention: RetentionPolicy;
  progressEmitMs: number;
  progressPersistMs: number;
  pollMs: number;
  maxDeferrals: number;
  modelSlots: number;
}

export function resolveOptions(options: QueueOptions): QueueSettings {
  const cores = os.availableParallelism();
  const limits = { gpu: 1, cpu: Math.max(1, cores - 1), io: 4, ...options.concurrency };
  for (const r of resourceNames) {
    if (!Number.isInteger(limits[r]) || limits[r] < 1) throw new Error(`queue concurrency for ${r} must be a positive integer`);
  }
  return {
    limits,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    agingMs: Math.max(1, options.agingMs ?? 5 * 60_000),
    leaseMs: options.leaseMs ?? 60_000,
    graceMs: options.graceMs ?? 5_000,
    closeGraceMs: options.closeGraceMs ?? 2_000,
    poisonAfter: options.poisonAfter ?? 3,
    maxInterruptions: options.maxInterruptions ?? 12,
    retryDefaults: { maxAttempts: 3, ...defaultBackoff, ...options.retry },
    retention: { ...defaultRetention, ...options.retention },
    progressEmitMs: options.progressEmitMs ?? 100,
    progressPersistMs: options.progressPersistMs ?? 1_000,
    pollMs: options.pollMs ?? 1_000,
    maxDeferrals: options.maxDeferrals ?? 100,
    modelSlots: options.modelSlots ?? 1,
  };
}
