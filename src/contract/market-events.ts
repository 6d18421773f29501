// The amounts of the factory's trade events (tokens_bought, its tokens_bought_detailed twin, tokens_sold): read
// straight from the XDR bytes like the other hot values (direct-decode.ts), with the SDK path deciding whatever the
// direct path does not vouch for. A field that is missing or of the wrong type makes the event carry no trade.
import { xdr } from "@stellar/stellar-sdk";
import { decodeAddress, decodeI128, decodeStruct, field } from "./codec.ts";
import { addressAt, i128At, readStruct } from "./direct-decode.ts";
import { SCV, XdrReader } from "./xdr-reader.ts";

export type TradeSide = "BUY" | "SELL";

/** stellar-rpc's event id, as every source writes it: the operation's TOID (19 digits) and the event's index (10). */
export const EVENT_ID = /^\d{19}-\d{10}$/;

/** One buy or sell as the sync stores it: amounts in stroops, the price fields only for buys with a detailed twin. */
export interface Trade {
  /** stellar-rpc's id of the plain event (tokens_bought / tokens_sold). */
  eventId: string;
  token: string;
  ledger: number;
  /** The ledger's close time, unix milliseconds. */
  closedAt: number;
  txHash: string;
  side: TradeSide;
  trader: string;
  xlmAmount: bigint;
  tokenAmount: bigint;
  fee: bigint | null;
  priceBefore: bigint | null;
  priceAfter: bigint | null;
}

export interface TradeAmounts {
  trader: string;
  xlmAmount: bigint;
  tokenAmount: bigint;
}

export interface BuyDetail {
  fee: bigint;
  priceBefore: bigint;
  priceAfter: bigint;
}

const names = (...list: string[]): Uint8Array[] => list.map((n) => Buffer.from(n, "latin1"));

/** Field names per topic: [trader, xlm, tokens]. */
const TRADE_FIELDS = {
  tokens_bought: ["buyer", "xlm_amount", "tokens_received"],
  tokens_sold: ["seller", "xlm_received", "tokens_sold"],
} as const;
const TRADE_BYTES = { tokens_bought: names(...TRADE_FIELDS.tokens_bought), tokens_sold: names(...TRADE_FIELDS.tokens_sold) };
const DETAIL_FIELDS = ["fee_amount", "price_before", "price_after"] as const;
const DETAIL_BYTES = names(...DETAIL_FIELDS);
const at3 = new Int32Array(3);

export const TRADE_TOPICS: ReadonlySet<string> = new Set(Object.keys(TRADE_FIELDS));
export const BUY_DETAIL_TOPIC = "tokens_bought_detailed";

/** The side, trader and amounts of a tokens_bought / tokens_sold event's data; null when they cannot be read. */
export function decodeTradeAmounts(topic: string, value: string): TradeAmounts | null {
  if (topic !== "tokens_bought" && topic !== "tokens_sold") return null;
  const direct = readFields(value, TRADE_BYTES[topic], (r) => {
    const trader = addressAt(r, at3[0] as number, true, true);
    const xlmAmount = i128At(r, at3[1] as number);
    const tokenAmount = i128At(r, at3[2] as number);
    return trader === undefined || xlmAmount === undefined || tokenAmount === undefined ? undefined : { trader, xlmAmount, tokenAmount };
  });
  if (direct !== undefined) return direct;
  return withSdk(value, topic, (f) => {
    const [trader, xlm, tokens] = TRADE_FIELDS[topic];
    return {
      trader: decodeAddress(field(f, trader, topic), `${topic}.${trader}`),
      xlmAmount: decodeI128(field(f, xlm, topic), `${topic}.${xlm}`),
      tokenAmount: decodeI128(field(f, tokens, topic), `${topic}.${tokens}`),
    };
  });
}

/** The fee and prices of a tokens_bought_detailed event's data; null when they cannot be read. */
export function decodeBuyDetail(value: string): BuyDetail | null {
  const direct = readFields(value, DETAIL_BYTES, (r) => {
    const fee = i128At(r, at3[0] as number);
    const priceBefore = i128At(r, at3[1] as number);
    const priceAfter = i128At(r, at3[2] as number);
    return fee === undefined || priceBefore === undefined || priceAfter === undefined ? undefined : { fee, priceBefore, priceAfter };
  });
  if (direct !== undefined) return direct;
  return withSdk(value, BUY_DETAIL_TOPIC, (f) => {
    const [fee, before, after] = DETAIL_FIELDS.map((n) => decodeI128(field(f, n, BUY_DETAIL_TOPIC), `${BUY_DETAIL_TOPIC}.${n}`));
    return { fee: fee!, priceBefore: before!, priceAfter: after! };
  });
}

/** The direct path: undefined whenever the bytes hold anything it does not vouch for. */
function readFields<T>(value: string, fields: Uint8Array[], read: (r: XdrReader) => T | undefined): T | undefined {
  const r = XdrReader.fromBase64(value);
  if (r === undefined) return undefined;
  try {
    if (r.i32() !== SCV.map || !readStruct(r, fields, at3, 0)) return undefined;
    r.end();
    return read(r);
  } catch {
    return undefined;
  }
}

function withSdk<T>(value: string, topic: string, read: (fields: Map<string, xdr.ScVal>) => T): T | null {
  try {
    return read(decodeStruct(xdr.ScVal.fromXDR(value, "base64"), topic));
  } catch {
    return null;
  }
}
