// Live mode: ledgers close on a timer, like a real network's (about every 5 s), so the retention
// window slides while clients work (oldestLedger moves with every close). Optionally some closes
// carry a launch or a few trades. Pausable, so tests can freeze the chain to compare with it.

import type { SimChain } from "./chain.ts";
import { Rng } from "./rng.ts";

export interface LiveOptions {
  /** Milliseconds between ledger closes. */
  ledgerCloseMs: number;
  /** Probability (0..1) that a closed ledger holds a launch or a few trades (default 0: empty ledgers). */
  activity?: number;
  seed?: number;
  /** Told about each ledger that held activity. */
  onActivity?: (note: string) => void;
}

export class LiveLedgers {
  private timer: NodeJS.Timeout | undefined;
  private readonly rng: Rng;
  private stopped = false;

  constructor(
    private readonly chain: SimChain,
    private readonly options: LiveOptions,
  ) {
    if (!(options.ledgerCloseMs > 0)) throw new RangeError(`ledgerCloseMs ${options.ledgerCloseMs}`);
    const activity = options.activity ?? 0;
    if (!(activity >= 0 && activity <= 1)) throw new RangeError(`activity ${activity} not in 0..1`);
    this.rng = new Rng((options.seed ?? 1) + 99);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts (or resumes) closing ledgers. */
  resume(): void {
    if (this.stopped || this.timer) return;
    this.timer = setInterval(() => this.close(), this.options.ledgerCloseMs);
    this.timer.unref();
  }

  /** Freezes the chain: no ledger closes until resume(). */
  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.pause();
    this.stopped = true;
  }

  /** Closes one ledger, with activity as configured. */
  close(): void {
    const chain = this.chain;
    if (!chain.deployed || !this.rng.chance(this.options.activity ?? 0)) return chain.advance(1);
    const bonding = chain.tokens.filter((t) => t.status === "Bonding");
    if (bonding.length === 0 || this.rng.chance(0.2)) {
      const t = chain.launchToken({ creator: chain.creators.length > 0 && this.rng.chance(0.5) ? this.rng.pick(chain.creators) : undefined });
      this.options.onActivity?.(`ledger ${chain.latestLedger}: launched #${t.id} ${t.tokenAddress}`);
      return;
    }
    chain.inOneLedger(() => {
      for (let i = this.rng.int(1, 3); i > 0; i--) {
        const t = this.rng.pick(bonding);
        if (t.status !== "Bonding") continue;
        if (t.bondingCurve.tokensSold > 0n && this.rng.chance(0.3)) chain.sell(t, t.bondingCurve.tokensSold / 4n || 1n);
        else chain.buy(t, BigInt(this.rng.int(10_000_000, 20_000_000_000)));
      }
    });
    this.options.onActivity?.(`ledger ${chain.latestLedger}: trades`);
  }
}
