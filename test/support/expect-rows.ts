// Compares the tokens table with the simulator's ground truth, field by field, as exact strings.
import type { SimToken } from "../simnet/index.ts";
import type { TestDatabase } from "./databases.ts";

const STATUS = { Bonding: "BONDING", Graduated: "GRADUATED", GraduationFailed: "GRADUATION_FAILED" } as const;
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** What PostgreSQL can hold of a chain string: invalid UTF-8 replaced, NUL bytes removed. */
export function storable(bytes: Uint8Array): string {
  return utf8.decode(bytes).replaceAll("\u0000", "");
}

export function expectedRow(t: SimToken, contractId: string): Record<string, string> {
  return {
    address: t.tokenAddress,
    contract_id: contractId,
    onchain_id: String(t.id),
    creator: t.creator,
    name: storable(t.nameBytes),
    symbol: storable(t.symbolBytes),
    image_url: storable(t.imageUrlBytes),
    description: storable(t.descriptionBytes),
    status: STATUS[t.status],
    total_supply: t.bondingCurve.totalSupply.toString(),
    tokens_sold: t.bondingCurve.tokensSold.toString(),
    tokens_remaining: t.bondingCurve.tokensRemaining.toString(),
    xlm_reserve: t.bondingCurve.xlmReserve.toString(),
    curve_k: t.bondingCurve.k.toString(),
    xlm_raised: t.xlmRaised.toString(),
    market_cap: t.marketCap.toString(),
    holders_count: String(t.holdersCount),
    created_at: t.createdAt.toString(),
  };
}

export const ROW_SQL = `SELECT address, contract_id, onchain_id::text, creator, name, symbol, image_url, description, status::text,
  total_supply::text, tokens_sold::text, tokens_remaining::text, xlm_reserve::text, curve_k::text, xlm_raised::text,
  market_cap::text, holders_count::text, created_at::text FROM tokens ORDER BY tokens.contract_id, tokens.onchain_id`;

export async function tokenRows(db: TestDatabase): Promise<Record<string, string>[]> {
  return db.sql<Record<string, string>>(ROW_SQL);
}
