// When to poll next. stellar-rpc has no push API, so a follower polls; polling just as each ledger becomes
// visible keeps it at most one ledger behind without hammering the RPC. The clock learns two things from what
// the follower observes: the interval between ledgers, and their phase. Each poll is aimed one step before the
// next ledger is due: a miss then a hit one step later bracket the moment it appeared, which corrects the phase
// and, from two such brackets, the interval. A fixed interval (--poll-interval) overrides it all.

const DEFAULT_LEDGER_MS = 5000; // Stellar's target close time
const MIN_LEDGER_MS = 100;
const MAX_LEDGER_MS = 60_000;
/** Weight of a new observation in the moving average of the interval. */
const ALPHA = 0.3;

export class LedgerClock {
  #ledgerMs = DEFAULT_LEDGER_MS;
  #learnt = false;
  /** The latest ledger seen, when it became visible (the middle of the window the polls bound) and that window's half-width. */
  #last: { ledger: number; at: number; halfWidth: number } | null = null;
  /** The last poll, that did not see the ledger after #last: the next one becomes visible later. */
  #lastPollAt: number | null = null;

  constructor(
    /** --poll-interval: poll this often, whatever the ledgers do. */
    private readonly fixedMs?: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The observed (or assumed) interval between ledger closes, in ms. */
  get ledgerMs(): number {
    return this.#ledgerMs;
  }

  /**
   * Records the latest ledger a poll answered just now. `sentAt`, when the poll was sent: a ledger the answer
   * lacks was not visible then yet, and one it has was visible by now, whatever the RPC's latency.
   */
  observe(latestLedger: number, sentAt?: number): void {
    const now = this.now();
    const last = this.#last;
    if (!last || latestLedger <= last.ledger) {
      this.#last ??= { ledger: latestLedger, at: now, halfWidth: this.#ledgerMs / 2 };
      this.#lastPollAt = sentAt ?? now;
      return;
    }
    // It became visible after the last poll that did not see it, and by now.
    const after = Math.max(this.#lastPollAt ?? now - this.#ledgerMs, now - this.#ledgerMs);
    const seen = { ledger: latestLedger, at: (after + now) / 2, halfWidth: (now - after) / 2 };
    const ledgers = latestLedger - last.ledger;
    const step = this.#stepMs();
    // Since the previous one was seen, `ledgers` appeared: the interval is at most this.
    const atMost = (now - (last.at - last.halfWidth)) / ledgers;
    if (!this.#learnt) {
      this.#ledgerMs = clamp((seen.at - last.at) / ledgers);
      this.#learnt = true;
    } else if (seen.halfWidth <= step && last.halfWidth <= step) {
      // Two close brackets: a measurement, averaged so that one odd ledger moves it little.
      this.#ledgerMs = (1 - ALPHA) * this.#ledgerMs + ALPHA * clamp((seen.at - last.at) / ledgers);
    } else if (atMost < this.#ledgerMs - step) {
      // A bound, not a guess: the ledgers are faster than believed. (An early one errs short: polls then
      // come a little early and miss, and the next close brackets set it right.)
      this.#ledgerMs = clamp(atMost);
    }
    this.#last = seen;
    this.#lastPollAt = sentAt ?? now;
  }

  /**
   * How long to wait before the next poll: until the earliest moment the next ledger may appear (so that a miss
   * and a retry one step later bracket it closely), or one step when that moment has passed.
   */
  nextPollInMs(): number {
    if (this.fixedMs !== undefined) return this.fixedMs;
    const step = this.#stepMs();
    const last = this.#last;
    const due = last ? last.at + this.#ledgerMs - Math.max(step, last.halfWidth) - this.now() : 0;
    return Math.round(due > 0 ? Math.min(this.#ledgerMs, due) : step);
  }

  /** The retry step while a ledger is due: how closely polls bracket its appearance. */
  #stepMs(): number {
    return Math.max(25, this.#ledgerMs / 20);
  }
}

function clamp(ms: number): number {
  return Math.min(MAX_LEDGER_MS, Math.max(MIN_LEDGER_MS, ms));
}
