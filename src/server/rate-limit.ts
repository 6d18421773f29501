// Per-client rate limit: a token bucket per key (the client's address), refilled continuously. The table of
// buckets is bounded: full buckets are forgotten first, since forgetting one changes nothing.

export interface RateLimitOptions {
  /** Sustained requests per minute per client. */
  perMinute: number;
  /** Requests a client may make at once after being idle (default: perMinute / 6, at least 1). */
  burst?: number;
  /** Clients remembered at most (default 10,000). */
  maxClients?: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #maxClients: number;

  constructor(options: RateLimitOptions, private readonly now: () => number = () => performance.now()) {
    this.#ratePerMs = options.perMinute / 60_000;
    this.#burst = Math.max(1, options.burst ?? Math.floor(options.perMinute / 6));
    this.#maxClients = options.maxClients ?? 10_000;
  }

  /** 0 when the request may go ahead (and is counted), else the seconds until it may. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#ratePerMs);
    bucket.at = now;
    this.#buckets.delete(key); // re-inserted last: the map's order is least recently used first
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxClients) this.#evict();
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#ratePerMs / 1000));
  }

  #evict(): void {
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxClients) return;
      this.#buckets.delete(key);
    }
  }
}
