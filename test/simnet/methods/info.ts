// getHealth, getNetwork, getLatestLedger, getVersionInfo.

import { createHash } from "node:crypto";
import { xdr } from "@stellar/stellar-sdk";
import { PROTOCOL_VERSION, type SimChain } from "../chain.ts";

export const RPC_VERSION = "27.1.1-simnet";
const COMMIT = "5133d1f9b2c3a4e5f60718293a4b5c6d7e8f9012";

export function ledgerHash(chain: SimChain, seq: number): Buffer {
  return createHash("sha256").update(`${chain.networkPassphrase}|${chain.closeTime(seq)}|${seq}`).digest();
}

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
 * the OpenRPC spec) and metadataXdr a LedgerCloseMeta (v2, here with an empty transaction set).
 */
export function getLatestLedger(chain: SimChain) {
  const seq = chain.latestLedger;
  const hash = ledgerHash(chain, seq);
  const prev = ledgerHash(chain, seq - 1);
  const zero = new Uint8Array(32);
  const header = new xdr.LedgerHeader({
    ledgerVersion: PROTOCOL_VERSION,
    previousLedgerHash: prev,
    scpValue: new xdr.StellarValue({
      txSetHash: createHash("sha256").update(hash).digest(),
      closeTime: BigInt(chain.closeTime(seq)),
      upgrades: [],
      ext: xdr.StellarValueExt.stellarValueBasic(),
    }),
    txSetResultHash: zero,
    bucketListHash: zero,
    ledgerSeq: seq,
    totalCoins: 1_000_000_000_000_000_000n,
    feePool: 0n,
    inflationSeq: 0,
    idPool: 0n,
    baseFee: 100,
    baseReserve: 5_000_000,
    maxTxSetSize: 1000,
    skipList: [zero, zero, zero, zero],
    ext: xdr.LedgerHeaderExt.v0(),
  });
  const entry = new xdr.LedgerHeaderHistoryEntry({ hash, header, ext: xdr.LedgerHeaderHistoryEntryExt.v0() });
  const meta = xdr.LedgerCloseMeta.v2(
    new xdr.LedgerCloseMetaV2({
      ext: xdr.LedgerCloseMetaExt.v0(),
      ledgerHeader: entry,
      txSet: xdr.GeneralizedTransactionSet.v1TxSet(new xdr.TransactionSetV1({ previousLedgerHash: prev, phases: [] })),
      txProcessing: [],
      upgradesProcessing: [],
      scpInfo: [],
      totalByteSizeOfLiveSorobanState: 0n,
      evictedKeys: [],
    }),
  );
  return {
    id: hash.toString("hex"),
    protocolVersion: PROTOCOL_VERSION,
    sequence: seq,
    closeTime: String(chain.closeTime(seq)),
    headerXdr: entry.toXdr("base64"),
    metadataXdr: meta.toXdr("base64"),
  };
}
