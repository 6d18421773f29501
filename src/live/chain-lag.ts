// How far the stored cursor is behind the chain, in the chain's own seconds: the close time of the RPC's latest
// ledger minus that of the cursor's ledger, both from one getLedgers answer. A count of ledgers times an assumed
// interval is wrong until the interval is learnt (a standby once reported 59 one-second ledgers as 295 s).
import type { RpcClient } from "../rpc/client.ts";
import { RpcError } from "../rpc/client.ts";

export interface ChainLag {
  latestLedger: number;
  /** Seconds between the cursor's ledger closing and the latest one closing. */
  seconds: number;
}

interface GetLedgersAnswer {
  latestLedger?: unknown;
  latestLedgerCloseTime?: unknown;
  ledgers?: Array<{ sequence?: unknown; ledgerCloseTime?: unknown }>;
}

/**
 * The lag behind the chain of a cursor at `cursor`; null when the RPC cannot tell (the cursor's ledger is out of
 * its window or not closed yet, or it has no getLedgers). Transient failures are thrown, like any read's.
 */
export async function chainLag(rpc: RpcClient, cursor: number): Promise<ChainLag | null> {
  let answer: GetLedgersAnswer | null;
  try {
    answer = await rpc.request<GetLedgersAnswer | null>("getLedgers", { startLedger: cursor, pagination: { limit: 1 } });
  } catch (error) {
    if (error instanceof RpcError && !error.transient) return null;
    throw error;
  }
  const ledger = answer?.ledgers?.[0];
  const latestLedger = answer?.latestLedger;
  const latestClose = Number(answer?.latestLedgerCloseTime);
  const cursorClose = Number(ledger?.ledgerCloseTime);
  if (typeof latestLedger !== "number" || ledger?.sequence !== cursor || !Number.isFinite(latestClose) || !Number.isFinite(cursorClose)) return null;
  return { latestLedger, seconds: Math.max(0, latestClose - cursorClose) };
}
