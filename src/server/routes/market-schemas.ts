// The market routes' shapes (GET /api/tokens/{address}/trades and /candles) as zod schemas: they validate the query
// and write /openapi.json. Refusals name the bad value in one line.
import { z } from "@hono/zod-openapi";
import { quoteValue as quote } from "../../internal/text/quote.ts";
import { CANDLE_INTERVALS, MAX_TRADE_PAGE } from "../../store/trade-queries.ts";

const decimal = (description: string) => z.string().openapi({ description, pattern: "^-?[0-9]+(\\.[0-9]+)?$" });
const stroops = (description: string) => z.string().openapi({ description: `${description} (a decimal string, exact)`, pattern: "^-?[0-9]+$" });
const INTERVALS = Object.keys(CANDLE_INTERVALS) as [keyof typeof CANDLE_INTERVALS, ...(keyof typeof CANDLE_INTERVALS)[]];

/** A query object refusing parameters it does not know, naming the first. */
function strictQuery<T extends z.ZodRawShape>(shape: T) {
  const names = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `unknown query parameter ${quote(String(issue.keys[0]))}: expected ${names}` : undefined),
  });
}

/** Unix seconds, or an ISO 8601 time, as unix seconds. */
const time = (name: string) =>
  z
    .string()
    .transform((raw, ctx) => {
      if (/^\d{1,12}$/.test(raw)) return Number(raw);
      const ms = /^\d{4}-\d\d-\d\dT/.test(raw) ? Date.parse(raw) : Number.NaN;
      if (Number.isFinite(ms)) return Math.floor(ms / 1000);
      ctx.addIssue({ code: "custom", message: `${name} must be unix seconds or an ISO 8601 time, got ${quote(raw)}` });
      return z.NEVER;
    })
    .optional()
    .openapi({ type: "string", description: "unix seconds, or an ISO 8601 time" });

export const TradeQuery = strictQuery({
  limit: z
    .string()
    .refine((s) => /^\d{1,6}$/.test(s) && Number(s) >= 1 && Number(s) <= MAX_TRADE_PAGE, {
      error: (i) => `limit must be an integer from 1 to ${MAX_TRADE_PAGE}, got ${quote(String(i.input))}`,
    })
    .transform(Number)
    .optional()
    .openapi({ type: "integer", minimum: 1, maximum: MAX_TRADE_PAGE, default: 50 }),
  cursor: z.string().optional().openapi({ type: "string", description: "the previous page's `nextCursor` (keyset paging)" }),
  order: z
    .enum(["asc", "desc"], { error: (i) => `order must be asc or desc, got ${quote(String(i.input))}` })
    .optional()
    .openapi({ type: "string", enum: ["asc", "desc"], default: "desc" }),
});

export const CandleQuery = strictQuery({
  interval: z
    .enum(INTERVALS, { error: (i) => `interval must be one of ${INTERVALS.join(", ")}, got ${quote(String(i.input))}` })
    .optional()
    .openapi({ type: "string", enum: INTERVALS, default: "1h" }),
  from: time("from"),
  to: time("to"),
});

export const Trade = z
  .object({
    eventId: z.string().openapi({ description: "stellar-rpc's event id of the trade's event" }),
    ledger: z.number().int(),
    closedAt: z.string().openapi({ format: "date-time", description: "the ledger's close time" }),
    txHash: z.string(),
    side: z.enum(["BUY", "SELL"]),
    trader: z.string(),
    xlmAmount: stroops("XLM paid or received, in stroops"),
    tokenAmount: stroops("tokens bought or sold, in the token's smallest unit"),
    fee: stroops("fee, from the detailed buy event").nullable(),
    priceBefore: stroops("curve price before, from the detailed buy event").nullable(),
    priceAfter: stroops("curve price after, from the detailed buy event").nullable(),
    price: decimal("XLM per whole token, exact to at least 18 significant digits").nullable(),
  })
  .openapi("Trade");

export const TradePage = z
  .object({
    trades: z.array(Trade),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page (same order); null on the last page" }),
  })
  .openapi("TradePage");

export const CandleList = z
  .object({
    candles: z.array(
      z.object({
        time: z.number().int().openapi({ description: "the interval's start, unix seconds" }),
        open: decimal("XLM per whole token"),
        high: decimal("XLM per whole token"),
        low: decimal("XLM per whole token"),
        close: decimal("XLM per whole token"),
        volumeXlm: stroops("XLM traded, in stroops"),
        volumeTokens: stroops("tokens traded"),
        trades: z.number().int(),
      }),
    ),
  })
  .openapi("Candles");
