// What the factory's events say about the market, collected while they are scanned: every buy and sell (a buy
// joined with its tokens_bought_detailed twin of the same operation), the ledger of each launch, and each
// graduation's ledger and time. The run writes it with the cursor that passes those events.
import type { FactoryEvent } from "../contract/types.ts";
import { BUY_DETAIL_TOPIC, decodeBuyDetail, decodeTradeAmounts, TRADE_TOPICS, type BuyDetail, type Trade } from "../contract/market-events.ts";

/** The fields of a raw event the market needs besides its decoded head. */
export interface MarketRawEvent {
  id: string;
  ledger: number;
  value: string;
  ledgerClosedAt?: string;
  txHash?: string;
}

export interface Graduation {
  ledger: number;
  /** Unix milliseconds. */
  closedAt: number;
}

export class MarketLog {
  readonly #trades = new Map<string, Trade>();
  /** Detailed twins by operation (the event id's TOID): a buy and its twin share it. */
  readonly #details = new Map<string, BuyDetail>();
  /** token -> ledger of its launch. */
  readonly launches = new Map<string, number>();
  readonly graduations = new Map<string, Graduation>();

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
    if (!TRADE_TOPICS.has(topic)) return;
    const amounts = decodeTradeAmounts(topic, raw.value);
    if (!amounts) return;
    this.#trades.set(raw.id, {
      eventId: raw.id,
      token,
      ledger: raw.ledger,
      closedAt,
      txHash: raw.txHash ?? "",
      side: topic === "tokens_bought" ? "BUY" : "SELL",
      ...amounts,
      fee: null,
      priceBefore: null,
      priceAfter: null,
    });
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

  /** Every trade, in chain order, buys with their twin's fee and prices. */
  trades(): Trade[] {
    const out = [...this.#trades.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    for (const t of out) {
      const detail = t.side === "BUY" ? this.#details.get(operationOf(t.eventId)) : undefined;
      if (detail) {
        t.fee = detail.fee;
        t.priceBefore = detail.priceBefore;
        t.priceAfter = detail.priceAfter;
      }
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

/** The TOID part of an event id ("<toid>-<index>"): the operation that emitted it. */
function operationOf(id: string): string {
  const dash = id.indexOf("-");
  return dash < 0 ? id : id.slice(0, dash);
}
