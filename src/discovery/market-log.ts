// What the factory's events say about the market, collected while they are scanned: every buy and sell (a buy
// joined with its tokens_bought_detailed twin of the same operation), the ledger of each launch, and each
// graduation's ledger and time. The run writes it with the cursor that passes those events.
import type { FactoryEvent } from "../contract/types.ts";
import { BUY_DETAIL_TOPIC, EVENT_ID, decodeBuyDetail, decodeTradeAmounts, TRADE_TOPICS, type BuyDetail, type Trade } from "../contract/market-events.ts";

/** The fields of a raw event the market needs besides its decoded head. */
export interface MarketRawEvent {
  id: string;
  ledger: number;
  value: string;
  ledgerClosedAt?: string;
  txHash?: string;
}

const TX_HASH = /^[0-9a-f]{64}$/;

export interface Graduation {
  ledger: number;
  /** Unix milliseconds. */
  closedAt: number;
}

export class MarketLog {
  /** Trades noted and not yet handed to the sink. */
  readonly #trades = new Map<string, Trade>();
  /** Detailed twins by operation (the event id's TOID): a buy and its twin share it. */
  readonly #details = new Map<string, BuyDetail>();
  /** token -> ledger of its launch. */
  readonly launches = new Map<string, number>();
  readonly graduations = new Map<string, Graduation>();

  /**
   * With a sink, each page's trades that can no longer change (a sell, a buy joined with its twin, and at the end
   * of a ledger range every one of its trades) are handed to it as they are read, and forgotten here.
   */
  constructor(private readonly sink?: (trades: Trade[]) => void) {}

  /** Notes what one factory event says; events without a token or a readable close time say nothing. */
  note(raw: MarketRawEvent, event: FactoryEvent): void {
    const token = event.token;
    if (token === undefined) return;
    const topic = event.topic;
    if (topic === "token_launched" || topic === "token_launched_detailed") {
      const seen = this.launches.get(token);
      if (seen === undefined || raw.ledger < seen) this.launches.set(token, raw.ledger);
      return;
    }
    if (topic === BUY_DETAIL_TOPIC) {
      const detail = decodeBuyDetail(raw.value);
      if (detail) this.#details.set(operationOf(raw.id), detail);
      return;
    }
    const closedAt = raw.ledgerClosedAt === undefined ? Number.NaN : Date.parse(raw.ledgerClosedAt);
    if (!Number.isFinite(closedAt)) return;
    if (topic === "token_graduated") {
      if (!this.graduations.has(token)) this.graduations.set(token, { ledger: raw.ledger, closedAt });
      return;
    }
    // The store joins these with commas (trade-store.ts): an id or hash not of its format is not stored as one.
    if (!TRADE_TOPICS.has(topic) || !EVENT_ID.test(raw.id)) return;
    const amounts = decodeTradeAmounts(topic, raw.value);
    if (!amounts) return;
    this.#trades.set(raw.id, {
      eventId: raw.id,
      token,
      ledger: raw.ledger,
      closedAt,
      txHash: raw.txHash !== undefined && TX_HASH.test(raw.txHash) ? raw.txHash : "",
      side: topic === "tokens_bought" ? "BUY" : "SELL",
      ...amounts,
      fee: null,
      priceBefore: null,
      priceAfter: null,
    });
  }

  /** A page of events noted: hands over what is settled. */
  pageRead(): void {
    if (this.sink) this.#handOver();
  }

  /** Every event of ledgers first..last noted: a buy of them without a twin has none. */
  rangeRead(first: number, last: number): void {
    if (this.sink) this.#handOver([first, last]);
  }

  #handOver(finished?: [number, number]): void {
    const ready: Trade[] = [];
    for (const [id, t] of this.#trades) {
      const op = operationOf(id);
      const detail = t.side === "BUY" ? this.#details.get(op) : undefined;
      // A buy's twin may come on the next page (a page can end inside an operation), but not after its range.
      if (t.side === "BUY" && !detail && !(finished && t.ledger >= finished[0] && t.ledger <= finished[1])) continue;
      if (detail) {
        withDetail(t, detail);
        this.#details.delete(op);
      }
      ready.push(t);
      this.#trades.delete(id);
    }
    if (ready.length > 0) this.sink!(ready);
  }

  /** Adds what another log collected (history's, merged into a run's scan). */
  merge(other: MarketLog): void {
    for (const [id, trade] of other.#trades) this.#trades.set(id, trade);
    for (const [op, detail] of other.#details) this.#details.set(op, detail);
    for (const [token, ledger] of other.launches) {
      const seen = this.launches.get(token);
      if (seen === undefined || ledger < seen) this.launches.set(token, ledger);
    }
    for (const [token, g] of other.graduations) if (!this.graduations.has(token)) this.graduations.set(token, g);
  }

  get tradeCount(): number {
    return this.#trades.size;
  }

  get empty(): boolean {
    return this.#trades.size === 0 && this.launches.size === 0 && this.graduations.size === 0;
  }

  /** Every trade not handed to the sink, in chain order, buys with their twin's fee and prices. */
  trades(): Trade[] {
    const out = [...this.#trades.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    for (const t of out) {
      const detail = t.side === "BUY" ? this.#details.get(operationOf(t.eventId)) : undefined;
      if (detail) withDetail(t, detail);
    }
    return out;
  }

  clear(): void {
    this.#trades.clear();
    this.#details.clear();
    this.launches.clear();
    this.graduations.clear();
  }
}

function withDetail(t: Trade, detail: BuyDetail): void {
  t.fee = detail.fee;
  t.priceBefore = detail.priceBefore;
  t.priceAfter = detail.priceAfter;
}

/** The TOID part of an event id ("<toid>-<index>"): the operation that emitted it. */
function operationOf(id: string): string {
  const dash = id.indexOf("-");
  return dash < 0 ? id : id.slice(0, dash);
}
