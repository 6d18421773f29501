// The market's HTTP routes: a token's trades (keyset pages) and its price candles. Plain Hono handlers mounted by
// server.ts under /api/tokens; a bad query throws InvalidArgumentError, which the server's error handler answers
// with 400 and the one-line message (http-errors.ts). Answers hold only addresses, ids and decimal numbers.
import { Hono } from "hono";
import { AddressError, validateAddress } from "../internal/addresses.ts";
import { quoteValue as quote } from "../internal/text/quote.ts";
import type { LiveActions } from "../live/actions.ts";
import { InvalidArgumentError, UnknownTokenError } from "../live/errors.ts";
import { CANDLE_INTERVALS, MAX_CANDLE_SPAN, MAX_TRADE_PAGE, type CandleInterval } from "../store/trade-queries.ts";

/** The routes, relative to /api/tokens. */
export function marketRoutes(actions: Pick<LiveActions, "queries">): Hono {
  const app = new Hono();

  app.get("/:address/trades", async (c) => {
    const token = tokenParam(c.req.param("address"));
    const q = c.req.query();
    known(q, ["limit", "cursor", "order"]);
    const order = q["order"] ?? "desc";
    if (order !== "asc" && order !== "desc") throw new InvalidArgumentError(`order must be asc or desc, got ${quote(order)}`);
    const limit = q["limit"] === undefined ? undefined : integer(q["limit"], "limit", 1, MAX_TRADE_PAGE);
    const queries = actions.queries();
    await exists(queries, token);
    return c.json(await queries.market.trades(token, { limit, order, cursor: q["cursor"] }));
  });

  app.get("/:address/candles", async (c) => {
    const token = tokenParam(c.req.param("address"));
    const q = c.req.query();
    known(q, ["interval", "from", "to"]);
    const interval = q["interval"] ?? "1h";
    if (!(interval in CANDLE_INTERVALS)) {
      throw new InvalidArgumentError(`interval must be one of ${Object.keys(CANDLE_INTERVALS).join(", ")}, got ${quote(interval)}`);
    }
    const seconds = CANDLE_INTERVALS[interval as CandleInterval];
    const to = q["to"] === undefined ? Math.floor(Date.now() / 1000) : time(q["to"], "to");
    const from = q["from"] === undefined ? to - 500 * seconds : time(q["from"], "from");
    if (from >= to) throw new InvalidArgumentError(`from (${from}) must be before to (${to})`);
    if ((to - from) / seconds > MAX_CANDLE_SPAN) {
      throw new InvalidArgumentError(`from..to spans more than ${MAX_CANDLE_SPAN} candles of ${interval}: narrow the range or take a longer interval`);
    }
    const queries = actions.queries();
    await exists(queries, token);
    return c.json({ candles: await queries.market.candles(token, { interval: interval as CandleInterval, from, to }) });
  });

  return app;
}

function tokenParam(raw: string): string {
  try {
    return validateAddress(raw, "token address", ["contract"]);
  } catch (error) {
    throw new InvalidArgumentError((error as AddressError).message);
  }
}

async function exists(queries: ReturnType<LiveActions["queries"]>, token: string): Promise<void> {
  if ((await queries.get(token)) === null) throw new UnknownTokenError(`token ${token} is not in the database`);
}

function known(query: Record<string, string>, names: string[]): void {
  for (const name of Object.keys(query)) {
    if (!names.includes(name)) throw new InvalidArgumentError(`unknown query parameter ${quote(name)}: expected ${names.join(", ")}`);
  }
}

function integer(raw: string, name: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max)) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${quote(raw)}`);
  return n;
}

/** Unix seconds, or an ISO 8601 time. */
function time(raw: string, name: string): number {
  if (/^\d{1,12}$/.test(raw)) return Number(raw);
  const ms = /^\d{4}-\d\d-\d\dT/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`${name} must be unix seconds or an ISO 8601 time, got ${quote(raw)}`);
  return Math.floor(ms / 1000);
}
