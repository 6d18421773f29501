// getHealth, getNetwork, getLatestLedger, getVersionInfo.

import { PROTOCOL_VERSION, type SimChain } from "../chain.ts";
import { ledgerCloseMeta, ledgerHeaderEntry } from "../ledger-meta.ts";

export const RPC_VERSION = "27.1.1-simnet";
const COMMIT = "5133d1f9b2c3a4e5f60718293a4b5c6d7e8f9012";

export function getHealth(chain: SimChain) {
  return {
    status: "healthy",
    latestLedger: chain.latestLedger,
    latestLedgerCloseTime: String(chain.closeTime(chain.latestLedger)),
    oldestLedger: chain.oldestLedger,
    oldestLedgerCloseTime: String(chain.closeTime(chain.oldestLedger)),
    ledgerRetentionWindow: chain.retentionLedgers,
  };
}

export function getNetwork(chain: SimChain) {
  return { passphrase: chain.networkPassphrase, protocolVersion: PROTOCOL_VERSION };
}

export function getVersionInfo() {
  return {
    version: RPC_VERSION,
    commitHash: COMMIT,
    buildTimestamp: "2026-07-07T21:12:19",
    captiveCoreVersion: "stellar-core 27.1.0 (simnet)",
    protocolVersion: PROTOCOL_VERSION,
  };
}

/**
 * Like stellar-rpc 27, headerXdr is a LedgerHeaderHistoryEntry (hash + header; see the example in
 * the OpenRPC spec) and metadataXdr a LedgerCloseMeta.
 */
export function getLatestLedger(chain: SimChain) {
  const seq = chain.latestLedger;
  const meta = ledgerCloseMeta(chain, seq);
  return {
    id: chain.ledgerHash(seq).toString("hex"),
    protocolVersion: chain.protocolAt(seq),
    sequence: seq,
    closeTime: String(chain.closeTime(seq)),
    headerXdr: ledgerHeaderEntry(chain, seq).toXdr("base64"),
    metadataXdr: meta?.toXdr("base64") ?? "",
  };
}
