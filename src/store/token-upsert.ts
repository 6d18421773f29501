// The batch upsert of tokens: one statement for the whole batch, whose parameters are one text[] per column (both
// drivers serialise that alike) cast in SQL. A ChangeRecorder (the webhook outbox) wraps the same upsert in a
// statement of its own; only this module numbers the parameters.
import type { TokenInfo } from "../contract/types.ts";

export type DiscoverySource = "EVENTS" | "STORAGE" | "MANUAL";

export interface TokenWrite {
  info: TokenInfo;
  discoveredVia: DiscoverySource;
  /** The ledger of its launch event, when the run read it: stored with the row rather than by a second write. */
  launchLedger?: number;
}

// Columns compared to decide whether a row changed; the bookkeeping columns are not among them.
export const TOKEN_VALUE_COLUMNS = [
  "contract_id", "onchain_id", "creator", "name", "symbol", "image_url", "description", "status",
  "total_supply", "tokens_sold", "tokens_remaining", "xlm_reserve", "curve_k", "xlm_raised",
  "market_cap", "holders_count", "created_at",
] as const;

const INCOMING_COLUMNS = ["address", ...TOKEN_VALUE_COLUMNS, "discovered_via", "launch_ledger"] as const;
/** The batch's ledger follows the columns. */
const LEDGER = `$${INCOMING_COLUMNS.length + 1}`;

const INCOMING = `
incoming AS (
  SELECT address, contract_id, onchain_id::bigint, creator, name, symbol, image_url, description,
         status::token_status, total_supply::numeric, tokens_sold::numeric, tokens_remaining::numeric,
         xlm_reserve::numeric, curve_k::numeric, xlm_raised::numeric, market_cap::numeric,
         holders_count::bigint, created_at::numeric, discovered_via::discovery_source, launch_ledger::bigint
  FROM unnest(${INCOMING_COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(", ")})
    AS t(${INCOMING_COLUMNS.join(", ")})
)`;

/** The upsert of `incoming`; it returns `returning` for the rows inserted or changed. */
function upsert(returning: string): string {
  return `
INSERT INTO tokens (address, ${TOKEN_VALUE_COLUMNS.join(", ")}, discovered_via, launch_ledger, last_synced_ledger)
SELECT address, ${TOKEN_VALUE_COLUMNS.join(", ")}, discovered_via, launch_ledger, ${LEDGER}::bigint FROM incoming
ON CONFLICT (address) DO UPDATE SET
  ${TOKEN_VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(",\n  ")},
  launch_ledger = coalesce(tokens.launch_ledger, excluded.launch_ledger),
  last_synced_at = now(),
  last_synced_ledger = excluded.last_synced_ledger
WHERE (${TOKEN_VALUE_COLUMNS.map((c) => `tokens.${c}`).join(", ")})
  IS DISTINCT FROM (${TOKEN_VALUE_COLUMNS.map((c) => `excluded.${c}`).join(", ")})
RETURNING ${returning}`;
}

/** What a ChangeRecorder builds its statement from. */
export interface UpsertParts {
  /** The CTE `incoming AS (...)`: the batch's rows, typed. */
  incoming: string;
  /** The upsert of `incoming`, returning `returning` for the rows it inserted or changed. */
  upsert(returning: string): string;
  /** The placeholder of the batch's ledger (text; cast it). */
  ledger: string;
  /** Binds a value fixed for the recorder's life; returns its placeholder. */
  param(value: unknown): string;
}

/**
 * Records what a batch changed in the same transaction (the webhook outbox, src/webhooks/outbox.ts): its statement
 * replaces the plain upsert and returns `address` for the rows it inserted or changed.
 */
export interface ChangeRecorder {
  statement(parts: UpsertParts): string;
}

/** The upsert statement (the recorder's, when given) and the parameters of one batch. */
export interface TokenUpsert {
  readonly sql: string;
  params(contractId: string, tokens: TokenWrite[], ledger: number): unknown[];
}

export function tokenUpsert(recorder?: ChangeRecorder): TokenUpsert {
  const fixed: unknown[] = [];
  const param = (value: unknown): string => `$${INCOMING_COLUMNS.length + 1 + fixed.push(value)}`;
  const sql = recorder ? recorder.statement({ incoming: INCOMING, upsert, ledger: LEDGER, param }) : `WITH ${INCOMING}${upsert("address")}`;
  return { sql, params: (contractId, tokens, ledger) => [...tokenColumns(contractId, tokens), String(ledger), ...fixed] };
}

function tokenColumns(contractId: string, tokens: TokenWrite[]): string[][] {
  const col = (f: (t: TokenWrite) => string): string[] => tokens.map(f);
  // In INCOMING_COLUMNS' order.
  return [
    col((t) => t.info.tokenAddress),
    col(() => contractId),
    col((t) => String(t.info.id)),
    col((t) => t.info.creator),
    col((t) => t.info.name),
    col((t) => t.info.symbol),
    col((t) => t.info.imageUrl),
    col((t) => t.info.description),
    col((t) => t.info.status),
    col((t) => t.info.bondingCurve.totalSupply.toString()),
    col((t) => t.info.bondingCurve.tokensSold.toString()),
    col((t) => t.info.bondingCurve.tokensRemaining.toString()),
    col((t) => t.info.bondingCurve.xlmReserve.toString()),
    col((t) => t.info.bondingCurve.k.toString()),
    col((t) => t.info.xlmRaised.toString()),
    col((t) => t.info.marketCap.toString()),
    col((t) => String(t.info.holdersCount)),
    col((t) => t.info.createdAt.toString()),
    col((t) => t.discoveredVia),
    tokens.map((t) => (t.launchLedger === undefined ? null : String(t.launchLedger))) as string[],
  ];
}
