// Event extraction from transaction and ledger metadata, against real captured XDR: what
// src/history/extract.ts takes out must equal what the Rust XDR decoder (@stellar/stellar-xdr-json,
// wasm) independently finds in the same bytes, per contract. And the simulator's ledgers, both
// TransactionMeta v3 and v4, map through decodeFactoryEvent to the chain's own tokens and creators.

import { readFileSync } from "node:fs";
import path from "node:path";
import { StrKey } from "@stellar/stellar-sdk";
import { describe, expect, it } from "vitest";
import { recordFactoryEvent, type Discovered } from "../../src/discovery/events.ts";
import { EventExtractor, ledgerSummary, type RawContractEvent } from "../../src/history/extract.ts";
import { zstdDecompress } from "../../src/history/zstd.ts";
import { zstdCompressSync } from "node:zlib";
import { xdr } from "@stellar/stellar-sdk";
import { SimChain } from "../simnet/chain.ts";
import { ledgerCloseMeta } from "../simnet/ledger-meta.ts";
import { FIXTURES, xdrToJson } from "../simnet/testing.ts";

const corpus = JSON.parse(readFileSync(path.join(FIXTURES, "stellar-rpc/mainnet-corpus/transactions.json"), "utf8")) as {
  records: Array<{ txHash: string; resultMetaXdr: string }>;
};
const ledgers = JSON.parse(readFileSync(path.join(FIXTURES, "stellar-rpc/examples/Ledgers.json"), "utf8")).GetLedgersResult.value.ledgers as Array<{
  sequence: number;
  ledgerCloseTime: string;
  metadataXdr: string;
}>;

interface Plain {
  contract: string;
  topics: unknown[];
  data: unknown;
}

/** Contract events of one TransactionMeta in the Rust decoder's JSON (v3: sorobanMeta; v4: per operation). */
function eventsInMetaJson(meta: any): Plain[] {
  const events = meta.v4 ? meta.v4.operations.flatMap((op: any) => op.events) : meta.v3 ? (meta.v3.soroban_meta?.events ?? []) : [];
  return events.filter((e: any) => e.type_ === "contract" || e.type === "contract").map((e: any) => ({ contract: e.contract_id, topics: e.body.v0.topics, data: e.body.v0.data }));
}

const plain = (e: RawContractEvent): Plain => ({ contract: e.contractId, topics: e.topic.map((t) => xdrToJson("ScVal", t)), data: xdrToJson("ScVal", e.value) });
function group(events: Plain[]): Map<string, Plain[]> {
  const out = new Map<string, Plain[]>();
  for (const e of events) out.set(e.contract, [...(out.get(e.contract) ?? []), e]);
  return out;
}

describe("extracting contract events from real metadata", () => {
  it("50 mainnet transactions (TransactionMeta v4): per contract, the same events as the Rust decoder", () => {
    let compared = 0;
    for (const r of corpus.records) {
      const bytes = Buffer.from(r.resultMetaXdr, "base64");
      const expected = group(eventsInMetaJson(xdrToJson("TransactionMeta", r.resultMetaXdr)));
      for (const [contract, events] of expected) {
        const got = new EventExtractor(contract).fromTransactionMeta(bytes);
        expect(got.map(plain)).toEqual(events);
        compared += events.length;
      }
      // A contract that is not in the transaction: skipped on its raw bytes, nothing decoded.
      const absent = new EventExtractor(StrKey.encodeContract(Buffer.alloc(32, 7)));
      expect(absent.mayContain(bytes)).toBe(false);
      expect(absent.fromTransactionMeta(bytes)).toEqual([]);
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("a real testnet LedgerCloseMeta (v1, TransactionMeta v3): header and events as the Rust decoder reads them", () => {
    for (const l of ledgers) {
      const bytes = Buffer.from(l.metadataXdr, "base64");
      const json = xdrToJson("LedgerCloseMeta", l.metadataXdr);
      const body = json.v1 ?? json.v2;
      expect(ledgerSummary(xdr.LedgerCloseMeta.schema.decode(bytes))).toEqual({ sequence: l.sequence, closeTime: Number(l.ledgerCloseTime) });
      const expected = group(body.tx_processing.flatMap((tx: any) => eventsInMetaJson(tx.tx_apply_processing)));
      for (const [contract, events] of expected) {
        expect(new EventExtractor(contract).fromLedgerCloseMeta(bytes).map(plain)).toEqual(events);
      }
    }
    expect(ledgers.some((l) => xdrToJson("LedgerCloseMeta", l.metadataXdr).v1.tx_processing.length > 0)).toBe(true);
  });

  it("rejects truncated metadata with a decoding error instead of returning partial events", () => {
    const r = corpus.records.find((x) => eventsInMetaJson(xdrToJson("TransactionMeta", x.resultMetaXdr)).length > 0)!;
    const contract = eventsInMetaJson(xdrToJson("TransactionMeta", r.resultMetaXdr))[0]!.contract;
    const bytes = Buffer.from(r.resultMetaXdr, "base64");
    expect(() => new EventExtractor(contract).fromTransactionMeta(bytes.subarray(0, bytes.length - 9))).toThrow(/not a valid TransactionMeta/);
  });
});

describe("the simulator's ledgers through decodeFactoryEvent", () => {
  it("v3 ledgers before the protocol upgrade and v4 after name the chain's tokens and creators; other contracts' events are left out", () => {
    const chain = new SimChain({ seed: 5, keepHistory: true, firstLedger: 100, protocolUpgradeLedger: 120 });
    const before = chain.launchToken();
    chain.buy(before, 1_000_000_000n);
    chain.emitForeignEvent({ kind: "impostor" });
    chain.advance(20);
    const after = chain.launchToken();
    chain.emitAdminEvent();
    chain.emitForeignEvent({ kind: "transfer" });
    const extractor = new EventExtractor(chain.contractId);
    const found: Discovered = { tokens: new Map(), launches: new Map() };
    const versions = new Set<number>();
    for (let seq = chain.firstLedger; seq <= chain.latestLedger; seq++) {
      const meta = ledgerCloseMeta(chain, seq)!;
      const bytes = Buffer.from(meta.toXdr());
      versions.add(bytes.readInt32BE(0));
      for (const e of extractor.fromLedgerCloseMeta(bytes)) {
        expect(e.contractId).toBe(chain.contractId);
        recordFactoryEvent(found, e);
      }
    }
    expect([...versions].sort()).toEqual([1, 2]);
    expect(found.tokens).toEqual(new Map([[before.tokenAddress, before.lastActivityLedger], [after.tokenAddress, after.launchLedger]]));
    expect(found.launches).toEqual(new Map([[before.tokenAddress, before.creator], [after.tokenAddress, after.creator]]));
  });
});

describe("zstd", () => {
  it.each(["node:zlib", "fzstd"] as const)("%s decompresses the real metas and refuses a truncated frame", async (impl) => {
    const raw = Buffer.concat(corpus.records.map((r) => Buffer.from(r.resultMetaXdr, "base64")));
    const packed = zstdCompressSync(raw);
    expect(Buffer.from(await zstdDecompress(packed, impl)).equals(raw)).toBe(true);
    await expect(zstdDecompress(packed.subarray(0, packed.length - 5), impl)).rejects.toThrow(/truncated|end|unexpected/i);
    await expect(zstdDecompress(Buffer.from("not zstd at all"), impl)).rejects.toThrow(/not a zstd frame/);
  });
});
