// What a session asks the RPC before any work: that it serves the configured network, and where the chain is (its
// retention window, latest ledger and the contract's token count).
import type { SyncConfig } from "../config/config.ts";
import type { FactoryReader } from "../contract/factory.ts";
import { FatalError, InterruptedError, messageOf } from "../internal/errors.ts";
import { redactUrl } from "../internal/redact.ts";

export interface ChainHead {
  latestLedger: number;
  oldestLedger: number;
  /** Hash of latestLedger, when the RPC reported it. */
  latestLedgerHash: string | null;
  /** get_token_count, read right after latestLedger. */
  tokenCount: number;
  /** The latest ledger of the node that counted, when it said (a load-balanced node may be ahead of latestLedger). */
  tokenCountLedger: number | null;
}

type Chain = Pick<SyncConfig, "rpcUrl" | "contractId" | "networkPassphrase">;

/** The RPC's retention window and latest ledger, and the contract's token count read after them. */
export async function readHead(reader: FactoryReader, config: Chain): Promise<ChainHead> {
  const where = redactUrl(config.rpcUrl);
  const [health, latest] = await Promise.allSettled([reader.getHealth(), reader.getLatestLedger()]);
  const h = settled(health, (e) => `the RPC at ${where} failed getHealth: ${messageOf(e)}`);
  // Only a fingerprint: an RPC without getLatestLedger still syncs.
  const hash = latest.status === "fulfilled" && latest.value.sequence === h.latestLedger ? latest.value.hash : null;
  if (latest.status === "rejected" && latest.reason instanceof InterruptedError) throw latest.reason;
  // After getHealth, so that the count never includes a launch newer than the event window read up to it.
  let tokenCount: { count: number; ledger: number | null };
  try {
    tokenCount = await reader.getTokenCount();
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    throw new FatalError(`contract ${config.contractId} does not answer as a SAC Factory on this network: get_token_count failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return { latestLedger: h.latestLedger, oldestLedger: h.oldestLedger, latestLedgerHash: hash, tokenCount: tokenCount.count, tokenCountLedger: tokenCount.ledger };
}

/** The network check and the head at once; the network's verdict comes first, so the first failing check is named. */
export async function preflight(reader: FactoryReader, config: Chain): Promise<ChainHead> {
  const [network, head] = await Promise.allSettled([checkNetwork(reader, config), readHead(reader, config)]);
  if (network.status === "rejected") throw network.reason;
  if (head.status === "rejected") throw head.reason;
  return head.value;
}

/** Checks, before any work, that the RPC serves the configured network. */
async function checkNetwork(reader: FactoryReader, config: Chain): Promise<void> {
  const where = redactUrl(config.rpcUrl);
  let passphrase: string;
  try {
    passphrase = await reader.getNetworkPassphrase();
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    throw new FatalError(`${where} does not answer as a Stellar RPC: getNetwork failed: ${messageOf(error)}`, { cause: error });
  }
  if (passphrase === "") throw new FatalError(`${where} does not answer as a Stellar RPC: getNetwork returned no network passphrase`);
  if (passphrase !== config.networkPassphrase) {
    throw new FatalError(
      `network passphrase mismatch: the RPC at ${where} serves "${passphrase}", but "${config.networkPassphrase}" is configured (check --network / --network-passphrase)`,
    );
  }
}

function settled<T>(result: PromiseSettledResult<T>, describe: (error: unknown) => string): T {
  if (result.status === "fulfilled") return result.value;
  if (result.reason instanceof InterruptedError) throw result.reason;
  throw new FatalError(describe(result.reason), { cause: result.reason });
}
