// Waiting between attempts of a long-running loop: exponential with jitter, capped, cut short by a signal.
import { setTimeout as delay } from "node:timers/promises";

export class Backoff {
  #attempt = 0;

  constructor(
    private readonly minMs = 500,
    private readonly maxMs = 30_000,
  ) {}

  /** The next wait: min * 2^attempt, capped, with ±25% jitter so that replicas do not retry in step. */
  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** this.#attempt++);
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** Sleeps `ms`; resolves false (at once) when the signal aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await delay(ms, undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}
