// Ledger headers and LedgerCloseMeta for getLatestLedger, getLedgers and the SEP-54 data lake,
// built with the SDK's XDR types. Transactions are rebuilt from the chain's events:
// - protocol 23+ (LedgerCloseMeta v2): TransactionMetaV4, the fee event as a transaction-level
//   event (stage beforeAllTxs) and contract events per operation;
// - older ledgers (LedgerCloseMeta v1): TransactionMetaV3, contract events in sorobanMeta.events,
//   no fee events (CAP-67 introduced them).
// The transaction set holds no envelopes (readers of events never need them): the XDR is valid,
// but txSet does not hash to the header's txSetHash.

import { createHash } from "node:crypto";
import { StrKey, xdr } from "@stellar/stellar-sdk";
import { LEGACY_PROTOCOL_VERSION, type SimChain, type SimTransaction } from "./chain.ts";
import type { SimEvent } from "./events.ts";

const ZERO = new Uint8Array(32);
const sha256 = (b: Uint8Array | string): Buffer => createHash("sha256").update(b).digest();

export function ledgerHeaderEntry(chain: SimChain, seq: number): xdr.LedgerHeaderHistoryEntry {
  const hash = chain.ledgerHash(seq);
  const header = new xdr.LedgerHeader({
    ledgerVersion: chain.protocolAt(seq),
    previousLedgerHash: chain.ledgerHash(seq - 1),
    scpValue: new xdr.StellarValue({
      txSetHash: sha256(hash),
      closeTime: BigInt(chain.closeTime(seq)),
      upgrades: [],
      ext: xdr.StellarValueExt.stellarValueBasic(),
    }),
    txSetResultHash: ZERO,
    bucketListHash: ZERO,
    ledgerSeq: seq,
    totalCoins: 1_000_000_000_000_000_000n,
    feePool: 0n,
    inflationSeq: 0,
    idPool: 0n,
    baseFee: 100,
    baseReserve: 5_000_000,
    maxTxSetSize: 1000,
    skipList: [ZERO, ZERO, ZERO, ZERO],
    ext: xdr.LedgerHeaderExt.v0(),
  });
  return new xdr.LedgerHeaderHistoryEntry({ hash, header, ext: xdr.LedgerHeaderHistoryEntryExt.v0() });
}

function contractEvent(e: SimEvent): xdr.ContractEvent {
  return new xdr.ContractEvent({
    ext: xdr.ExtensionPoint.v0(),
    contractId: new xdr.ContractId(StrKey.decodeContract(e.contractId)),
    type: xdr.ContractEventType.contract,
    body: xdr.ContractEventBody.v0(new xdr.ContractEventV0({ topics: e.topics(), data: e.value() })),
  });
}

function transactionResult(tx: SimTransaction): xdr.TransactionResultPair {
  const op = xdr.OperationResult.opInner(
    xdr.OperationResultTr.invokeHostFunction(xdr.InvokeHostFunctionResult.invokeHostFunctionSuccess(sha256(tx.hash))),
  );
  return new xdr.TransactionResultPair({
    transactionHash: Buffer.from(tx.hash, "hex"),
    result: new xdr.TransactionResult({
      feeCharged: tx.fee,
      result: xdr.TransactionResultResult.txSuccess([op]),
      ext: xdr.TransactionResultExt.v0(),
    }),
  });
}

function transactionMetaV4(tx: SimTransaction): xdr.TransactionMeta {
  return xdr.TransactionMeta.v4(
    new xdr.TransactionMetaV4({
      ext: xdr.ExtensionPoint.v0(),
      txChangesBefore: [],
      operations: [new xdr.OperationMetaV2({ ext: xdr.ExtensionPoint.v0(), changes: [], events: tx.events.map(contractEvent) })],
      txChangesAfter: [],
      sorobanMeta: new xdr.SorobanTransactionMetaV2({ ext: xdr.SorobanTransactionMetaExt.v0(), returnValue: xdr.ScVal.scvVoid() }),
      events: [
        new xdr.TransactionEvent({
          stage: xdr.TransactionEventStage.transactionEventStageBeforeAllTxs,
          event: contractEvent(tx.feeEvent),
        }),
      ],
      diagnosticEvents: [],
    }),
  );
}

function transactionMetaV3(tx: SimTransaction): xdr.TransactionMeta {
  return xdr.TransactionMeta.v3(
    new xdr.TransactionMetaV3({
      ext: xdr.ExtensionPoint.v0(),
      txChangesBefore: [],
      operations: [new xdr.OperationMeta({ changes: [] })],
      txChangesAfter: [],
      sorobanMeta: new xdr.SorobanTransactionMeta({
        ext: xdr.SorobanTransactionMetaExt.v0(),
        events: tx.events.map(contractEvent),
        returnValue: xdr.ScVal.scvVoid(),
        diagnosticEvents: [],
      }),
    }),
  );
}

/** The ledger's LedgerCloseMeta, or undefined when the chain does not keep that ledger. */
export function ledgerCloseMeta(chain: SimChain, seq: number): xdr.LedgerCloseMeta | undefined {
  const txs = chain.ledgerTransactions(seq);
  if (!txs) return undefined;
  const ledgerHeader = ledgerHeaderEntry(chain, seq);
  const txSet = xdr.GeneralizedTransactionSet.v1TxSet(
    new xdr.TransactionSetV1({ previousLedgerHash: chain.ledgerHash(seq - 1), phases: [] }),
  );
  if (chain.protocolAt(seq) <= LEGACY_PROTOCOL_VERSION) {
    return xdr.LedgerCloseMeta.v1(
      new xdr.LedgerCloseMetaV1({
        ext: xdr.LedgerCloseMetaExt.v0(),
        ledgerHeader,
        txSet,
        txProcessing: txs.map(
          (tx) => new xdr.TransactionResultMeta({ result: transactionResult(tx), feeProcessing: [], txApplyProcessing: transactionMetaV3(tx) }),
        ),
        upgradesProcessing: [],
        scpInfo: [],
        totalByteSizeOfLiveSorobanState: 0n,
        evictedKeys: [],
        unused: [],
      }),
    );
  }
  return xdr.LedgerCloseMeta.v2(
    new xdr.LedgerCloseMetaV2({
      ext: xdr.LedgerCloseMetaExt.v0(),
      ledgerHeader,
      txSet,
      txProcessing: txs.map(
        (tx) =>
          new xdr.TransactionResultMetaV1({
            ext: xdr.ExtensionPoint.v0(),
            result: transactionResult(tx),
            feeProcessing: [],
            txApplyProcessing: transactionMetaV4(tx),
            postTxApplyFeeProcessing: [],
          }),
      ),
      upgradesProcessing: [],
      scpInfo: [],
      totalByteSizeOfLiveSorobanState: 0n,
      evictedKeys: [],
    }),
  );
}
