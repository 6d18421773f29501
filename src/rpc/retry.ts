// When and how long to wait before sending a failed request again: exponential backoff with jitter (p-retry),
// bounded in attempts and in total time, stretched to what a server's Retry-After asks for.
import pRetry from "p-retry";
import { setTimeout as delay } from "node:timers/promises";

export interface RetryPolicy {
  retries: number;
  maxRetryTimeMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  signal?: AbortSignal | undefined;
}

/** What the policy needs to know about a failure. */
export interface RetryableError extends Error {
  readonly transient: boolean;
  readonly retryAfterMs?: number | undefined;
}

/**
 * Runs `attempt` until it succeeds, fails permanently, or the budget runs out; rejects with the last error.
 * A Retry-After longer than the time left in the budget ends retrying at once: waiting it out would only
 * fail later. Cancellation through `policy.signal` rejects with the signal's reason.
 */
export function withRetry<T, E extends RetryableError>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  isRetryable: (e: unknown) => e is E,
  onRetry?: (error: E, attemptNumber: number, delayMs: number) => void,
): Promise<T> {
  const start = performance.now();
  return pRetry(attempt, {
    retries: policy.retries,
    factor: 2,
    minTimeout: policy.minBackoffMs,
    maxTimeout: policy.maxBackoffMs,
    randomize: true,
    maxRetryTime: policy.maxRetryTimeMs,
    signal: policy.signal,
    // Called only while attempts and time remain; p-retry sleeps `retryDelay` after it returns true.
    shouldRetry: async ({ error, attemptNumber, retryDelay }) => {
      if (!isRetryable(error) || !error.transient) return false;
      const wanted = error.retryAfterMs ?? 0;
      if (wanted > policy.maxRetryTimeMs - (performance.now() - start)) return false;
      const extra = Math.max(0, wanted - retryDelay);
      onRetry?.(error, attemptNumber, retryDelay + extra);
      if (extra > 0) await sleep(extra, policy.signal);
      return true;
    },
  });
}

/** Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/^[A-Za-z]{3}/.test(value)) return undefined; // every HTTP-date form starts with the day name
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (e) {
    throw signal?.aborted ? signal.reason : e;
  }
}
