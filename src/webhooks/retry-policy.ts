// When a failed delivery is tried again: exponential backoff with jitter, Retry-After on 429 and 503, and a
// retry budget of about three days after which the delivery is marked failed. (Not the RPC's RetryPolicy in
// src/rpc/retry.ts: that one retries a request within seconds; this one schedules a stored delivery over days.)
import { parseRetryAfter } from "../rpc/retry.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export interface DeliveryRetryPolicy {
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

export const DEFAULT_DELIVERY_RETRY_POLICY: DeliveryRetryPolicy = {
  schedule: [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 24 * HOUR],
  maxAgeMs: 72 * HOUR,
  jitter: 0.2,
  maxRetryAfterMs: 24 * HOUR,
  random: Math.random,
};

/** Milliseconds until the next attempt, or null when the delivery has used its budget. */
export function nextDelay(
  policy: DeliveryRetryPolicy,
  attempts: number,
  ageMs: number,
  retryAfter: string | null,
  now = Date.now(),
): number | null {
  const honoured = parseRetryAfter(retryAfter, now);
  const base = policy.schedule[Math.min(Math.max(attempts, 1), policy.schedule.length) - 1] ?? 0;
  const delay = honoured !== undefined ? Math.min(honoured, policy.maxRetryAfterMs) : base * (1 - policy.jitter + 2 * policy.jitter * policy.random());
  return ageMs + delay > policy.maxAgeMs ? null : Math.round(delay);
}
