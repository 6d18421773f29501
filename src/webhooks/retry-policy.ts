// When a failed delivery is tried again: exponential backoff with jitter, Retry-After on 429 and 503, and a
// retry budget of about three days after which the delivery is marked failed.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export interface RetryPolicy {
  /** Delay before attempt n+1 after n failed attempts; the last entry repeats. */
  schedule: readonly number[];
  /** A delivery whose next attempt would come this long after it was queued is marked failed. */
  maxAgeMs: number;
  /** Each delay is multiplied by a factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  /** Retry-After is honoured up to this. */
  maxRetryAfterMs: number;
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  schedule: [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 24 * HOUR],
  maxAgeMs: 72 * HOUR,
  jitter: 0.2,
  maxRetryAfterMs: 24 * HOUR,
  random: Math.random,
};

/** Milliseconds until the next attempt, or null when the delivery has used its budget. */
export function nextDelay(
  policy: RetryPolicy,
  attempts: number,
  ageMs: number,
  retryAfter: string | null,
  now = Date.now(),
): number | null {
  const honoured = retryAfter === null ? null : parseRetryAfter(retryAfter, now);
  const base = policy.schedule[Math.min(Math.max(attempts, 1), policy.schedule.length) - 1] ?? 0;
  const delay = honoured !== null ? Math.min(honoured, policy.maxRetryAfterMs) : base * (1 - policy.jitter + 2 * policy.jitter * policy.random());
  return ageMs + delay > policy.maxAgeMs ? null : Math.round(delay);
}

/** Retry-After as delay-seconds or an HTTP date; null when it is neither. */
export function parseRetryAfter(value: string, now = Date.now()): number | null {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * SECOND;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
