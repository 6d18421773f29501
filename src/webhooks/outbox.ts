// The transactional outbox: the statement that upserts a batch of tokens also records, from the rows' values
// before and after, the events they give rise to and one delivery per endpoint. All of it commits or none does,
// so a crash can neither lose a notification nor invent one.
import type { Logger } from "../runtime/logger.ts";
import type { Database } from "../store/database.ts";
import { INCOMING_TOKENS, TOKEN_VALUE_COLUMNS, upsertTokens, type ChangeRecorder } from "../store/token-store.ts";
import { redactUrl } from "../redact.ts";
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

// $20 ledger, $21 notify on the first sync, $22 contract id, $23 endpoint ids. A statement's parts all read the
// snapshot taken before it, so `old` holds the values the upsert replaces. The first sync of a contract (no
// cursor stored yet: an empty database, or one after a network reset) announces no additions unless asked.
const RECORDING_UPSERT = `
WITH ${INCOMING_TOKENS},
old AS (
  SELECT t.address, t.row FROM unnest($1::text[]) AS i(address)
  CROSS JOIN LATERAL (SELECT t.address, ${rowJson("t")} AS row FROM tokens t WHERE t.address = i.address LIMIT 1) t
),
up AS (${upsertTokens(`tokens.address, ${rowJson("tokens")} AS row, tokens.discovered_via::text AS strategy`)}),
ev AS (
  SELECT up.address, 0 AS ord, 'token.added' AS type,
         up.row || jsonb_build_object('strategy', up.strategy, 'ledger', $20::text) AS data
  FROM up LEFT JOIN old USING (address)
  WHERE old.address IS NULL AND ($21::boolean OR EXISTS (SELECT 1 FROM sync_state WHERE contract_id = $22))
  UNION ALL
  SELECT up.address, 1, 'token.updated', jsonb_build_object('address', up.address, 'ledger', $20::text, 'changes',
    (SELECT jsonb_object_agg(n.key, jsonb_build_object('old', o.value, 'new', n.value))
     FROM jsonb_each(up.row) n JOIN jsonb_each(old.row) o USING (key) WHERE n.value IS DISTINCT FROM o.value))
  FROM up JOIN old USING (address)
  UNION ALL
  SELECT up.address, 2, 'token.graduated', jsonb_build_object('address', up.address, 'ledger', $20::text,
    'name', up.row->'name', 'symbol', up.row->'symbol', 'previousStatus', old.row->'status', 'status', up.row->'status',
    'xlmRaised', up.row->'xlmRaised', 'marketCap', up.row->'marketCap')
  FROM up JOIN old USING (address)
  WHERE up.row->>'status' = 'GRADUATED' AND old.row->>'status' <> 'GRADUATED'
),
events AS (
  INSERT INTO webhook_events (contract_id, token_address, type, data)
  SELECT $22, address, type, data FROM ev ORDER BY address, ord
  RETURNING seq, token_address, type
),
deliveries AS (
  INSERT INTO webhook_deliveries (event_seq, endpoint_id, token_address)
  SELECT e.seq, ep.id, e.token_address FROM events e
  JOIN webhook_endpoints ep ON ep.id = ANY($23::text[]::int[]) AND ep.disabled_at IS NULL
    AND e.type = ANY(string_to_array(ep.events, ','))
)
SELECT address FROM up`;

export interface Endpoint {
  id: number;
  url: string;
  disabledAt: Date | null;
  disabledReason: string | null;
}

/** Stores the configured endpoints (and which events each takes); returns them with their ids. */
export async function registerEndpoints(db: Database, config: Pick<WebhookConfig, "urls" | "events">): Promise<Endpoint[]> {
  const events = config.events.join(",");
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO webhook_endpoints (url, events) SELECT unnest($1::text[]), $2
     ON CONFLICT (url) DO UPDATE SET events = excluded.events WHERE webhook_endpoints.events <> excluded.events`,
    config.urls,
    events,
  );
  return findEndpoints(db, config.urls);
}

export async function findEndpoints(db: Database, urls: string[]): Promise<Endpoint[]> {
  const rows = await db.prisma.$queryRawUnsafe<{ id: number; url: string; disabled_at: Date | null; disabled_reason: string | null }[]>(
    `SELECT id, url, disabled_at, disabled_reason FROM webhook_endpoints WHERE url = ANY($1::text[]) ORDER BY id`,
    urls,
  );
  return rows.map((r) => ({ id: Number(r.id), url: r.url, disabledAt: r.disabled_at, disabledReason: r.disabled_reason }));
}

/** Registers the endpoints and returns what TokenStore needs to write the outbox with every batch. */
export async function openOutbox(db: Database, contractId: string, config: WebhookConfig, logger: Logger): Promise<ChangeRecorder> {
  const endpoints = await registerEndpoints(db, config);
  for (const e of endpoints) {
    if (e.disabledAt) {
      logger.warn(`webhook endpoint ${redactUrl(e.url)} is disabled (${e.disabledReason ?? "by an operator"}): \`sync-tokens webhooks retry\` enables it again`);
    }
  }
  const ids = endpoints.map((e) => String(e.id));
  const notifyInitial = String(config.notifyInitial);
  return { statement: RECORDING_UPSERT, params: () => [notifyInitial, contractId, ids] };
}
