// GET /api/tokens/{address}/trades (keyset pages) and /candles (price candles of one interval; empty ones left out).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ApiError } from "../http-errors.ts";
import { CANDLE_INTERVALS, MAX_CANDLE_SPAN } from "../../store/trade-queries.ts";
import type { RouteDeps } from "./guards.ts";
import { CandleList, CandleQuery, TradePage, TradeQuery } from "./market-schemas.ts";
import { errors, json } from "./respond.ts";
import { TokenAddressParams } from "./schemas.ts";

const trades = createRoute({
  method: "get",
  path: "/api/tokens/{address}/trades",
  tags: ["market"],
  summary: "A page of a token's trades, newest first by default",
  description: "Keyset paging: pass the page's `nextCursor` as `cursor` (with the same order) for the next one; null marks the last page.",
  request: { params: TokenAddressParams, query: TradeQuery },
  responses: {
    200: { description: "A page of trades", content: { "application/json": { schema: TradePage } } },
    ...errors(400, 404, 429, 503),
  },
});

const candles = createRoute({
  method: "get",
  path: "/api/tokens/{address}/candles",
  tags: ["market"],
  summary: "A token's price candles",
  description: `Candles of \`interval\` from \`from\` (default: 500 intervals before \`to\`) to \`to\` (default: now), at most ${MAX_CANDLE_SPAN} intervals; intervals without trades are left out. Prices are XLM per whole token, computed exactly.`,
  request: { params: TokenAddressParams, query: CandleQuery },
  responses: {
    200: { description: "The candles, oldest first", content: { "application/json": { schema: CandleList } } },
    ...errors(400, 404, 429, 503),
  },
});

export function marketRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  const known = async (address: string) => {
    const queries = deps.actions.queries();
    if ((await queries.get(address)) === null) throw new ApiError(404, "not_found", `token ${address} is not in the database`);
    return queries;
  };

  app.openapi({ ...trades, middleware: [deps.readLimit] }, async (c) => {
    const { address } = c.req.valid("param");
    const { limit, cursor, order } = c.req.valid("query");
    const queries = await known(address);
    return json(c, 200, await queries.market.trades(address, { limit, cursor, order: order ?? "desc" }));
  });

  app.openapi({ ...candles, middleware: [deps.readLimit] }, async (c) => {
    const { address } = c.req.valid("param");
    const query = c.req.valid("query");
    const interval = query.interval ?? "1h";
    const seconds = CANDLE_INTERVALS[interval];
    const to = query.to ?? Math.floor(Date.now() / 1000);
    const from = query.from ?? to - 500 * seconds;
    if (from >= to) throw new ApiError(400, "bad_request", `from (${from}) must be before to (${to})`);
    if ((to - from) / seconds > MAX_CANDLE_SPAN) {
      throw new ApiError(400, "bad_request", `from..to spans more than ${MAX_CANDLE_SPAN} candles of ${interval}: narrow the range or take a longer interval`);
    }
    const queries = await known(address);
    return json(c, 200, { candles: await queries.market.candles(address, { interval, from, to }) });
  });
}
