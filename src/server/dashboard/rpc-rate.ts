// RPC requests per minute by method, for the overview's chart: samples this process's cumulative per-method
// request counters (the metrics' counter, which outlives session renewals) and keeps the last hour in one-minute
// buckets, in memory. Every replica charts its own requests; the follower's are in the replica that follows.

export type RequestCounts = Readonly<Record<string, number>>;

export interface MinuteCounts {
  /** Start of the minute, ms since the epoch. */
  minute: number;
  counts: Record<string, number>;
}

const MINUTE_MS = 60_000;

export class RpcRequestRate {
  readonly #read: () => RequestCounts | Promise<RequestCounts>;
  readonly #now: () => number;
  readonly #keepMinutes: number;
  readonly #buckets = new Map<number, Record<string, number>>();
  /** The totals at the last sample; null before the first, whose totals only set the baseline. */
  #last: Record<string, number> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(read: () => RequestCounts | Promise<RequestCounts>, options: { now?: () => number; keepMinutes?: number } = {}) {
    this.#read = read;
    this.#now = options.now ?? Date.now;
    this.#keepMinutes = options.keepMinutes ?? 60;
  }

  /** Samples every `everyMs` until stop(); the timer never keeps the process alive. Returns stop. */
  start(everyMs = 10_000): () => void {
    this.stop();
    void this.sample().catch(() => {});
    this.#timer = setInterval(() => void this.sample().catch(() => {}), everyMs);
    this.#timer.unref();
    return () => this.stop();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Adds the requests made since the last sample to the current minute. */
  async sample(): Promise<void> {
    const now = await this.#read();
    const minute = Math.floor(this.#now() / MINUTE_MS) * MINUTE_MS;
    let bucket = this.#buckets.get(minute);
    for (const [method, total] of Object.entries(now)) {
      if (this.#last === null) break;
      // A counter that went down was replaced (a new client): count from its new start.
      const previous = this.#last[method] ?? 0;
      const delta = total >= previous ? total - previous : total;
      if (delta === 0) continue;
      bucket ??= {};
      bucket[method] = (bucket[method] ?? 0) + delta;
    }
    if (bucket) this.#buckets.set(minute, bucket);
    this.#last = { ...now };
    const oldest = minute - (this.#keepMinutes - 1) * MINUTE_MS;
    for (const m of this.#buckets.keys()) if (m < oldest) this.#buckets.delete(m);
  }

  /** The last `keepMinutes` minutes, oldest first, every minute present; the current one sampled now. */
  async minutes(): Promise<MinuteCounts[]> {
    await this.sample();
    const current = Math.floor(this.#now() / MINUTE_MS) * MINUTE_MS;
    const out: MinuteCounts[] = [];
    for (let i = this.#keepMinutes - 1; i >= 0; i--) {
      const minute = current - i * MINUTE_MS;
      out.push({ minute, counts: { ...(this.#buckets.get(minute) ?? {}) } });
    }
    return out;
  }
}
