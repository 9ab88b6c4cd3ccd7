export interface BackoffPolicy {
  /** Delay before the second attempt; each later one doubles it. */
  baseDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseDelayMs: 1_000, maxDelayMs: 5 * 60_000 };

/**
 * Exponential backoff with "equal jitter": half the exponential delay is kept, the other
 * half is random, so a burst of failures does not retry in lockstep yet no retry comes
 * sooner than half its nominal delay. `failedAttempt` is 1 after the first failure.
 */
export function backoffDelay(failedAttempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
