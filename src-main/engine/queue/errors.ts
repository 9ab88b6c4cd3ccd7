import { z } from 'zod';
import { ContractError, type JobErrorKind } from '../../../src-shared/contract/index.js';

/**
 * Errors a handler throws to say how its failure should be treated. Anything else is
 * classified by `classifyError` from what it is (a contract error, an errno, a message).
 */
export class JobError extends Error {
  /** A machine-readable reason stored with the failure (see errorCodeOf). */
  readonly errorCode: string | null;
  constructor(
    readonly kind: JobErrorKind,
    message: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, options);
    this.name = 'JobError';
    this.errorCode = options?.code ?? null;
  }
}

/** Bad input, unsupported format: retrying cannot help, fail at once with this reason. */
export class PermanentError extends JobError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super('permanent', message, options);
    this.name = 'PermanentError';
  }
}

/** Worth retrying after a backoff (a busy device, a dropped connection, an HTTP 5xx). */
export class TransientError extends JobError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super('transient', message, options);
    this.name = 'TransientError';
  }
}

/** Ran out of (GPU) memory: retried with a smaller batch or tile where the job type supports it. */
export class OutOfMemoryError extends JobError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('oom', message, options);
    this.name = 'OutOfMemoryError';
  }
}

/**
 * A remote provider refused for now (HTTP 429 on every key): the job goes back to the
 * queue until `retryAt` without using up an attempt.
 */
export class RateLimitedError extends JobError {
  constructor(
    message: string,
    readonly retryAt: number,
  ) {
    super('rate_limited', message);
    this.name = 'RateLimitedError';
  }
}

const OOM = /out of memory|\bENOMEM\b|bad_alloc|failed to allocate|CUDA error.*memory|cudaErrorMemoryAllocation|allocation failed/i;
const PERMANENT_ERRNO = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EINVAL', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE']);

/** How a thrown value should be treated when the job type has no opinion. */
export function classifyError(err: unknown): JobErrorKind {
  if (err instanceof JobError) return err.kind;
  if (err instanceof ContractError) return err.code === 'unavailable' || err.code === 'internal' ? 'transient' : 'permanent';
  if (err instanceof z.ZodError) return 'permanent';
  const message = err instanceof Error ? err.message : String(err);
  if (OOM.test(message)) return 'oom';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && PERMANENT_ERRNO.has(code)) return 'permanent';
  return 'transient';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/**
 * The failure's machine-readable code, when the error carries one: an `errorCode`
 * string property (JobError, errors a feature defines, errors rebuilt from a worker
 * thread's message by WorkerPool), or a disk-full errno. The UI words it in its
 * language; other features react to it instead of matching English text.
 */
export function errorCodeOf(err: unknown): string | null {
  const code = (err as { errorCode?: unknown } | null)?.errorCode;
  if (typeof code === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(code)) return code;
  const errno = (err as { code?: unknown } | null)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT' || errno === 'SQLITE_FULL') return 'disk_full';
  return null;
}
