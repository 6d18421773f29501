// The transactional outbox: the statement that upserts a batch of tokens also records, from the rows' values
// before and after, the events they give rise to and one delivery per endpoint. All of it commits or none does,
// so a crash can neither lose a notification nor invent one.
import type { Logger } from "../internal/logger.ts";
import type { Database } from "../store/database.ts";
import { TOKEN_VALUE_COLUMNS, type ChangeRecorder, type UpsertParts } from "../store/token-upsert.ts";
import type { TradeParts, TradeRecorder } from "../store/trade-store.ts";
import { redactUrl } from "../internal/redact.ts";
import type { WebhookConfig } from "../config/webhooks.ts";

/** Column → its key in event data. Every number goes out as a decimal string. */
const KEYS: Record<(typeof TOKEN_VALUE_COLUMNS)[number], string> = {
  contract_id: "contractId",
  onchain_id: "onchainId",
  creator: "creator",
  name: "name",
  symbol: "symbol",
  image_url: "imageUrl",
  description: "description",
  status: "status",
  total_supply: "totalSupply",
  tokens_sold: "tokensSold",
  tokens_remaining: "tokensRemaining",
  xlm_reserve: "xlmReserve",
  curve_k: "curveK",
  xlm_raised: "xlmRaised",
  market_cap: "marketCap",
  holders_count: "holdersCount",
  created_at: "createdAt",
};
const TEXT_COLUMNS = new Set(["contract_id", "creator", "name", "symbol", "image_url", "description"]);

/** The token's values as event data, from a row of `tokens` named `alias`. */
function rowJson(alias: string): string {
  const pairs = TOKEN_VALUE_COLUMNS.map((c) => `'${KEYS[c]}', ${alias}.${c}${TEXT_COLUMNS.has(c) ? "" : "::text"}`);
  return `jsonb_build_object('address', ${alias}.address, ${pairs.join(", ")})`;
}

/**
 * Writers of a contract's events take this transaction lock (two keys: the run lock's one-key locks stay apart)
 * before their sequence numbers, so that events commit in `seq` order: the event stream reads `seq > last` and
 * would otherwise pass by an event still in flight below a committed one. Only statements with events take it.
 */
const OUTBOX_LOCK_CLASS = 0x6f757462; // "outb"

/**
 * The store's upsert, recording events and deliveries. A statement's parts all read the snapshot taken before it,
 * so `old` holds the values the upsert replaces. The first sync of a contract (no cursor stored yet: an empty
 * database, or one after a network reset) announces no additions unless `notifyInitial`.
 */
function recordingUpsert(
  { incoming, upsert, ledger, param }: UpsertParts,
  { notifyInitial, contractId, endpointIds }: { notifyInitial: boolean; contractId: string; endpointIds: string[] },
): string {
  const notify = param(String(notifyInitial));
  const contract = param(contractId);
  const endpoints = param(endpointIds);
  return `
WITH ${incoming},
old AS (
  SELECT t.address, t.row FROM incoming i
  CROSS JOIN LATERAL (SELECT t.address, ${rowJson("t")} AS row FROM tokens t WHERE t.address = i.address LIMIT 1) t
),
up AS (${upsert(`tokens.address, ${rowJson("tokens")} AS row, tokens.discovered_via::text AS strategy`)}),
ev AS (
  SELECT up.address, 0 AS ord, 'token.added' AS type,
         up.row || jsonb_build_object('strategy', up.strategy, 'ledger', ${ledger}::text) AS data
  FROM up LEFT JOIN old USING (address)
  WHERE old.address IS NULL AND (${notify}::boolean OR EXISTS (SELECT 1 FROM sync_state WHERE contract_id = ${contract}))
  UNION ALL
  SELECT up.address, 1, 'token.updated', jsonb_build_object('address', up.address, 'ledger', ${ledger}::text, 'changes',
    (SELECT jsonb_object_agg(n.key, jsonb_build_object('old', o.value, 'new', n.value))
     FROM jsonb_each(up.row) n JOIN jsonb_each(old.row) o USING (key) WHERE n.value IS DISTINCT FROM o.value))
  FROM up JOIN old USING (address)
  UNION ALL
  SELECT up.address, 2, 'token.graduated', jsonb_build_object('address', up.address, 'ledger', ${ledger}::text,
    'name', up.row->'name', 'symbol', up.row->'symbol', 'previousStatus', old.row->'status', 'status', up.row->'status',
    'xlmRaised', up.row->'xlmRaised', 'marketCap', up.row->'marketCap')
  FROM up JOIN old USING (address)
  WHERE up.row->>'status' = 'GRADUATED' AND old.row->>'status' <> 'GRADUATED'
),
events AS (
  INSERT INTO webhook_events (contract_id, token_address, type, data)
  SELECT ${contract}, address, type, data FROM ev
  -- Correlated with ev, so that it runs only for rows, and all of it (ORDER BY sorts every row) before any number.
  CROSS JOIN LATERAL (SELECT pg_advisory_xact_lock(${OUTBOX_LOCK_CLASS}, hashtext(${contract})) WHERE ev.type IS NOT NULL) l
  ORDER BY address, ord
  RETURNING seq, token_address, type
),
deliveries AS (
  INSERT INTO webhook_deliveries (event_seq, endpoint_id, token_address)
  SELECT e.seq, ep.id, e.token_address FROM events e
  JOIN webhook_endpoints ep ON ep.id = ANY(${endpoints}::text[]::int[]) AND ep.disabled_at IS NULL
    AND e.type = ANY(string_to_array(ep.events, ','))
)
SELECT address FROM up`;
}

/**
 * The trades' insert, recording a `trade` event for each trade it inserts (a repeat inserts nothing, so it is
 * announced once) and a delivery per endpoint that takes them. A first sync announces none unless `notifyInitial`.
 */
function recordingTradeInsert({ insert, contract, param }: TradeParts, { notifyInitial, endpointIds }: { notifyInitial: boolean; endpointIds: string[] }): string {
  const notify = param(String(notifyInitial));
  const endpoints = param(endpointIds);
  return `
WITH ins AS (${insert}
  RETURNING token, event_id, ledger, closed_at, tx_hash, side, trader, xlm_amount, token_amount, fee, price_before, price_after),
events AS (
  INSERT INTO webhook_events (contract_id, token_address, type, data)
  SELECT ${contract}, token, 'trade', jsonb_build_object('token', token, 'eventId', event_id, 'ledger', ledger::text,
    'closedAt', to_json(closed_at) #>> '{}', 'txHash', tx_hash, 'side', side::text, 'trader', trader,
    'xlmAmount', xlm_amount::text, 'tokenAmount', token_amount::text, 'fee', fee::text,
    'priceBefore', price_before::text, 'priceAfter', price_after::text)
  FROM ins
  WHERE ${notify}::boolean OR EXISTS (SELECT 1 FROM sync_state WHERE contract_id = ${contract})
  ORDER BY event_id
  RETURNING seq, token_address, type
)
INSERT INTO webhook_deliveries (event_seq, endpoint_id, token_address)
SELECT e.seq, ep.id, e.token_address FROM events e
JOIN webhook_endpoints ep ON ep.id = ANY(${endpoints}::text[]::int[]) AND ep.disabled_at IS NULL
  AND e.type = ANY(string_to_array(ep.events, ','))`;
}

export interface Endpoint {
  id: number;
  url: string;
  disabledAt: Date | null;
  disabledReason: string | null;
}

/** Stores the configured endpoints (and which events each takes); returns them with their ids. */
export async function registerEndpoints(db: Database, config: Pick<WebhookConfig, "urls" | "events">): Promise<Endpoint[]> {
  const events = config.events.join(",");
  await db.execute(
    `INSERT INTO webhook_endpoints (url, events) SELECT unnest($1::text[]), $2
     ON CONFLICT (url) DO UPDATE SET events = excluded.events WHERE webhook_endpoints.events <> excluded.events`,
    [config.urls, events],
  );
  return findEndpoints(db, config.urls);
}

export async function findEndpoints(db: Database, urls: string[]): Promise<Endpoint[]> {
  // id is int4 and disabled_at timestamptz: a number and a Date on both drivers.
  const rows = await db.query<{ id: number; url: string; disabled_at: Date | null; disabled_reason: string | null }>(
    `SELECT id, url, disabled_at, disabled_reason FROM webhook_endpoints WHERE url = ANY($1::text[]) ORDER BY id`,
    [urls],
  );
  return rows.map((r) => ({ id: r.id, url: r.url, disabledAt: r.disabled_at, disabledReason: r.disabled_reason }));
}

/** Registers the endpoints and returns what TokenStore needs to write the outbox with every batch. */
export async function openOutbox(
  db: Database,
  contractId: string,
  config: Pick<WebhookConfig, "urls" | "events" | "notifyInitial">,
  logger: Logger,
): Promise<ChangeRecorder> {
  const endpoints = await registerEndpoints(db, config);
  for (const e of endpoints) {
    if (e.disabledAt) {
      logger.warn(`webhook endpoint ${redactUrl(e.url)} is disabled (${e.disabledReason ?? "by an operator"}): \`sync-tokens webhooks retry\` enables it again`);
    }
  }
  const endpointIds = endpoints.map((e) => String(e.id));
  const recorder: ChangeRecorder & Partial<TradeRecorder> = {
    statement: (parts) => recordingUpsert(parts, { notifyInitial: config.notifyInitial, contractId, endpointIds }),
  };
  // Trades are recorded only for an endpoint that asked for them: thousands a day would otherwise fill the outbox.
  if (config.events.includes("trade")) {
    recorder.tradeStatement = (parts) => recordingTradeInsert(parts, { notifyInitial: config.notifyInitial, endpointIds });
  }
  return recorder;
}
