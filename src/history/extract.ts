// The factory's contract events inside ledger metadata (LedgerCloseMeta v1/v2, in batches or one
// by one), as the raw getEvents shape that decodeFactoryEvent reads.
//
// Decoding is the hot path, so:
// - a ledger (or a whole batch) whose bytes do not contain the factory's 32-byte contract id cannot
//   hold one of its events (ContractEvent.contractId is those bytes, unaligned nowhere) and is
//   skipped without decoding; on a public network that is nearly every ledger;
// - otherwise the XDR is decoded with the SDK's schemas into plain objects (about 9x faster than
//   the SDK's classes) and only the factory's events are re-encoded for decodeFactoryEvent.
// XDR has no length prefixes, so a single transaction cannot be skipped without parsing it.
//
// TransactionMeta v3 (protocol < 23) keeps events in sorobanMeta.events; v4 keeps contract events
// per operation (and transaction-level events, such as fees, apart).

import { StrKey, xdr } from "@stellar/stellar-sdk";

type MetaWire = ReturnType<typeof xdr.TransactionMeta.schema.decode>;
type CloseMetaWire = ReturnType<typeof xdr.LedgerCloseMeta.schema.decode>;
type EventWire = ReturnType<typeof xdr.ContractEvent.schema.decode>;

/** What decodeFactoryEvent reads (a getEvents event's fields). */
export interface RawContractEvent {
  id: string;
  ledger: number;
  contractId: string;
  topic: string[];
  value: string;
  /** From a LedgerCloseMeta: the ledger's close time (ISO 8601) and the transaction's hash (hex), as getEvents has them. */
  ledgerClosedAt?: string;
  txHash?: string;
}

export interface LedgerSummary {
  sequence: number;
  closeTime: number;
}

export class CorruptLedgerError extends Error {}

/** Finds one contract's events; the id is compared as raw bytes before anything is decoded. */
export class EventExtractor {
  readonly contractId: string;
  readonly #id: Buffer;

  constructor(contractId: string) {
    this.contractId = contractId;
    this.#id = Buffer.from(StrKey.decodeContract(contractId));
  }

  /** Whether these bytes could hold one of the contract's events at all. */
  mayContain(bytes: Uint8Array): boolean {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(this.#id) !== -1;
  }

  /** Events of one TransactionMeta (e.g. getTransaction's resultMetaXdr); `ledger`/`txIndex` only make ids. */
  fromTransactionMeta(bytes: Uint8Array, ledger = 0, txIndex = 1): RawContractEvent[] {
    if (!this.mayContain(bytes)) return [];
    return this.#fromMeta(decode(xdr.TransactionMeta.schema, bytes, "TransactionMeta"), ledger, txIndex);
  }

  /** Events of one LedgerCloseMeta (getLedgers' metadataXdr). */
  fromLedgerCloseMeta(bytes: Uint8Array): RawContractEvent[] {
    if (!this.mayContain(bytes)) return [];
    return this.#fromCloseMeta(decode(xdr.LedgerCloseMeta.schema, bytes, "LedgerCloseMeta"));
  }

  /** Events of a SEP-54 LedgerCloseMetaBatch, with the range it covers. */
  fromBatch(bytes: Uint8Array): { startSequence: number; endSequence: number; events: RawContractEvent[] } {
    if (bytes.byteLength < 12) throw new CorruptLedgerError(`LedgerCloseMetaBatch of ${bytes.byteLength} bytes is truncated`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const startSequence = view.getUint32(0);
    const endSequence = view.getUint32(4);
    if (endSequence < startSequence) throw new CorruptLedgerError(`LedgerCloseMetaBatch claims ledgers ${startSequence}..${endSequence}`);
    if (!this.mayContain(bytes)) return { startSequence, endSequence, events: [] };
    const batch = decode(xdr.LedgerCloseMetaBatch.schema, bytes, "LedgerCloseMetaBatch");
    return { startSequence, endSequence, events: batch.ledgerCloseMetas.flatMap((m) => this.#fromCloseMeta(m)) };
  }

  #fromCloseMeta(meta: CloseMetaWire): RawContractEvent[] {
    if (meta.v === 0) return []; // protocol < 20: no Soroban
    const body = meta.v === 1 ? meta.v1 : meta.v2;
    const ledger = body.ledgerHeader.header.ledgerSeq;
    const closedAt = new Date(Number(body.ledgerHeader.header.scpValue.closeTime) * 1000).toISOString();
    const out: RawContractEvent[] = [];
    body.txProcessing.forEach((tx, i) => {
      const events = this.#fromMeta(tx.txApplyProcessing, ledger, i + 1);
      if (events.length === 0) return;
      const txHash = Buffer.from(tx.result.transactionHash).toString("hex");
      for (const e of events) out.push({ ...e, ledgerClosedAt: closedAt, txHash });
    });
    return out;
  }

  #fromMeta(meta: MetaWire, ledger: number, txIndex: number): RawContractEvent[] {
    const out: RawContractEvent[] = [];
    const take = (events: readonly EventWire[], op: number) => {
      events.forEach((e, index) => {
        if (e.type !== xdr.ContractEventType.contract.value || !e.contractId || !this.#id.equals(e.contractId)) return;
        if (e.body.v !== 0) return;
        out.push({
          id: eventId(ledger, txIndex, op, index),
          ledger,
          contractId: this.contractId,
          topic: e.body.v0.topics.map((t) => base64(xdr.ScVal.schema.encode(t))),
          value: base64(xdr.ScVal.schema.encode(e.body.v0.data)),
        });
      });
    };
    if (meta.v === 3) take(meta.v3.sorobanMeta?.events ?? [], 0);
    else if (meta.v === 4) meta.v4.operations.forEach((op, i) => take(op.events, i));
    return out;
  }
}

/** The sequence and close time of one LedgerCloseMeta, decoding only as far as its header. */
export function ledgerSummary(meta: CloseMetaWire): LedgerSummary {
  const header = meta.v === 0 ? meta.v0.ledgerHeader : meta.v === 1 ? meta.v1.ledgerHeader : meta.v2.ledgerHeader;
  return { sequence: header.header.ledgerSeq, closeTime: Number(header.header.scpValue.closeTime) };
}

export function decode<T>(schema: { decode(bytes: Uint8Array): T }, bytes: Uint8Array, what: string): T {
  try {
    return schema.decode(bytes);
  } catch (error) {
    throw new CorruptLedgerError(`not a valid ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");

/** getEvents' id format: TOID (ledger, transaction, operation) and the event's index. */
function eventId(ledger: number, txIndex: number, op: number, index: number): string {
  const toid = (BigInt(ledger) << 32n) | (BigInt(txIndex) << 12n) | BigInt(op);
  return `${toid.toString().padStart(19, "0")}-${index.toString().padStart(10, "0")}`;
}
