// Failed admin credentials (dashboard logins, admin bearer tokens) per client. Each failure takes a token from the
// client's bucket; when it is empty the client is refused (429) before its credential is even compared, until the
// bucket has refilled for one more try. A 128-bit token is beyond guessing anyway: the limit keeps guessing slow,
// the log short, and makes an attempt visible (every failure is logged with the client's address).
import type { Logger } from "../internal/logger.ts";
import { RateLimiter } from "./rate-limit.ts";

export interface AuthThrottleOptions {
  /** Failures a client may make at once (default 10). */
  burst?: number;
  /** Failures per minute a client may keep making after that (default 10). */
  perMinute?: number;
}

const MAX_BLOCKED = 10_000;

export class AuthThrottle {
  readonly #failures: RateLimiter;
  /** client -> the instant (this.now) from which it may try again. */
  readonly #blocked = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    options: AuthThrottleOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#failures = new RateLimiter({ perMinute: options.perMinute ?? 10, burst: options.burst ?? 10 }, now);
  }

  /** Seconds before `client` may present a credential again; 0 when it may now. */
  retryAfter(client: string): number {
    const until = this.#blocked.get(client);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.#blocked.delete(client);
    return 0;
  }

  /** Records a wrong credential (`what`, e.g. "dashboard login"): logged; returns retryAfter(client) after it. */
  failed(client: string, what: string): number {
    const wait = this.#failures.take(client);
    if (wait === 0) {
      this.logger.warn(`${what} with a wrong admin token from ${client} was refused`);
      return 0;
    }
    this.#blocked.delete(client);
    this.#blocked.set(client, this.now() + wait * 1000);
    // Oldest first: a flood of addresses forgets the earliest blocks, never grows without bound.
    for (const key of this.#blocked.keys()) {
      if (this.#blocked.size <= MAX_BLOCKED) break;
      this.#blocked.delete(key);
    }
    this.logger.warn(`${what} with a wrong admin token from ${client} was refused; too many from it: refusing its admin credentials for ${wait} s`);
    return wait;
  }
}
