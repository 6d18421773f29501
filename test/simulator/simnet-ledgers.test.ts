// The simnet's getLedgers: stellar-rpc's paging rules and errors, the OpenRPC result schema, and
// LedgerCloseMeta whose transaction metas hold exactly the chain's events (v3 before the protocol
// upgrade, v4 after), decoded independently with @stellar/stellar-xdr-json.

import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { zstdDecompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StrKey, xdr } from "@stellar/stellar-sdk";
import { datalakeKey, writeDatalake } from "../simnet/datalake.ts";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { rawResult, rawRpc, rpcExamples, schemaErrors, xdrToJson } from "../simnet/testing.ts";

let window: Simnet; // retention only
let lake: Simnet; // serves all history, as stellar-rpc with a datastore
const scenario = { seed: 21, tokens: 12, creators: 4, historyLedgers: 6_000, retentionLedgers: 1_000 };

beforeAll(async () => {
  [window, lake] = await Promise.all([startSimnet({ scenario }), startSimnet({ scenario, ledgersFromDatastore: true })]);
});
afterAll(async () => {
  await Promise.all([window.close(), lake.close()]);
});

/** Contract events of one LedgerCloseMeta, as the Rust XDR decoder (wasm) sees them. */
function eventsInMeta(metadataXdr: string): Array<{ contract: string; topics: unknown[]; data: unknown; version: number }> {
  const json = xdrToJson("LedgerCloseMeta", metadataXdr);
  const [version, body] = Object.entries(json)[0] as [string, any];
  const out = [];
  for (const tx of body.tx_processing) {
    const meta = tx.tx_apply_processing;
    const events = meta.v4
      ? [...meta.v4.operations.flatMap((op: any) => op.events), ...meta.v4.events.map((e: any) => e.event)]
      : meta.v3.soroban_meta.events;
    for (const e of events) out.push({ contract: e.contract_id, topics: e.body.v0.topics, data: e.body.v0.data, version: Number(version.slice(1)) });
  }
  return out;
}

const asJson = (v: xdr.ScVal) => xdrToJson("ScVal", v.toXdr("base64"));

describe("getLedgers", () => {
  it("pages with startLedger then cursor, in the shape of the spec and the real capture", async () => {
    const start = window.chain.oldestLedger;
    const first = await rawResult(window.url, "getLedgers", { startLedger: start, pagination: { limit: 3 } });
    expect(schemaErrors("getLedgers", first)).toEqual([]);
    expect(first.ledgers.map((l: any) => l.sequence)).toEqual([start, start + 1, start + 2]);
    expect(first.cursor).toBe(String(start + 2));
    const next = await rawResult(window.url, "getLedgers", { pagination: { cursor: first.cursor, limit: 2 } });
    expect(next.ledgers.map((l: any) => l.sequence)).toEqual([start + 3, start + 4]);
    const real = rpcExamples("Ledgers").GetLedgersResult.value;
    expect(Object.keys(first)).toEqual(Object.keys(real));
    expect(Object.keys(first.ledgers[0])).toEqual(Object.keys(real.ledgers[0]));
    expect(typeof first.latestLedgerCloseTime).toBe(typeof real.latestLedgerCloseTime);
    const l = first.ledgers[0];
    const entry = xdr.LedgerHeaderHistoryEntry.fromXdr(l.headerXdr, "base64");
    expect(Buffer.from(entry.hash.toBytes()).toString("hex")).toBe(l.hash);
    expect(entry.header.ledgerSeq).toBe(l.sequence);
    expect(String(entry.header.scpValue.closeTime)).toBe(l.ledgerCloseTime);
    const defaults = await rawResult(window.url, "getLedgers", { startLedger: start });
    expect(defaults.ledgers).toHaveLength(50);
  });

  it("answers stellar-rpc's errors", async () => {
    const { oldestLedger: oldest, latestLedger: latest } = window.chain;
    const err = async (params: unknown) => (await rawRpc(window.url, "getLedgers", params)).error;
    expect(await err({ startLedger: oldest - 1 })).toEqual({
      code: -32600,
      message: `start ledger must be between the oldest ledger: ${oldest} and the latest ledger: ${latest} for this rpc instance`,
    });
    expect(await err({ startLedger: oldest, pagination: { cursor: String(oldest) } })).toMatchObject({ code: -32600, message: "startLedger and cursor cannot both be set" });
    expect(await err({ startLedger: oldest, pagination: { limit: 201 } })).toMatchObject({ code: -32600, message: "limit must not exceed 200" });
    // A client that has read the latest ledger cannot ask for the next one.
    expect(await err({ pagination: { cursor: String(latest) } })).toMatchObject({ code: -32602, message: expect.stringContaining(`cursor ('${latest}') must be between`) });
    expect(await err({ startLedger: oldest, xdrFormat: "yaml" })).toMatchObject({ code: -32602 });
  });

  it("a max-ledgers-limit below 200 refuses larger pages as stellar-rpc does; the request hook runs before each answer", async () => {
    const err = async (params: unknown) => (await rawRpc(window.url, "getLedgers", params)).error;
    const oldest = window.chain.oldestLedger;
    const seen: Array<[string, number, number]> = [];
    window.setMaxLedgersLimit(25);
    window.resetCounters(); // the hook's count is the method's counter
    window.setRequestHook((method, count) => {
      seen.push([method, count, window.chain.latestLedger]);
      if (method === "getLedgers" && count === 2) window.chain.advance(1); // the second request sees one more ledger
    });
    try {
      const before = window.chain.latestLedger;
      expect(await err({ startLedger: oldest, pagination: { limit: 26 } })).toEqual({ code: -32600, message: "limit must not exceed 25" });
      const r = await rawResult(window.url, "getLedgers", { startLedger: oldest + 5, pagination: { limit: 25 } });
      expect(r.ledgers).toHaveLength(25);
      expect([r.latestLedger, r.oldestLedger]).toEqual([before + 1, oldest + 1]);
      expect((await rawResult(window.url, "getLedgers", { startLedger: oldest + 5 })).ledgers).toHaveLength(50); // the default is not refused
      expect(seen.filter(([m]) => m === "getLedgers").map(([, n]) => n)).toEqual([1, 2, 3]);
    } finally {
      window.setMaxLedgersLimit(undefined);
      window.setRequestHook(undefined);
    }
    expect(await err({ startLedger: window.chain.oldestLedger, pagination: { limit: 200 } })).toBeUndefined();
  });

  it("serves all history only in datastore mode, where oldestLedger stays the local window's", async () => {
    const first = lake.chain.firstLedger;
    expect((await rawRpc(window.url, "getLedgers", { startLedger: first })).error.code).toBe(-32600);
    const r = await rawResult(lake.url, "getLedgers", { startLedger: first, pagination: { limit: 1 } });
    expect(r.ledgers[0].sequence).toBe(first);
    expect(r.oldestLedger).toBe(lake.chain.oldestLedger);
  });

  it("holds each ledger's events in v3 metas before the protocol upgrade and v4 after, byte for byte", async () => {
    const chain = lake.chain;
    const tokens = chain.tokens.filter((t) => t.launchLedger < chain.oldestLedger);
    const before = tokens.find((t) => t.launchLedger < chain.protocolUpgradeLedger);
    const after = tokens.find((t) => t.launchLedger >= chain.protocolUpgradeLedger);
    expect(before && after).toBeTruthy();
    for (const [t, version] of [[before!, 1], [after!, 2]] as const) {
      const r = await rawResult(lake.url, "getLedgers", { startLedger: t.launchLedger, pagination: { limit: 1 } });
      const got = eventsInMeta(r.ledgers[0].metadataXdr);
      const truth = chain.ledgerTransactions(t.launchLedger)!.flatMap((tx) => (version === 2 ? [...tx.events, tx.feeEvent] : tx.events));
      expect(got.map((e) => e.version)).toEqual(truth.map(() => version));
      expect(got.map(({ contract, topics, data }) => ({ contract, topics, data }))).toEqual(
        truth.map((e) => ({ contract: e.contractId, topics: e.topics().map(asJson), data: asJson(e.value()) })),
      );
      expect(got.some((e) => e.contract === chain.contractId && (e.topics[0] as any).symbol === "token_launched")).toBe(true);
      expect(StrKey.isValidContract(got[0]!.contract)).toBe(true);
    }
  });

  it("xdrFormat json renders header and meta with the Rust XDR names", async () => {
    const start = window.chain.latestLedger;
    const r = await rawResult(window.url, "getLedgers", { startLedger: start, xdrFormat: "json" });
    expect(r.ledgers[0].headerJson.header.ledger_seq).toBe(start);
    expect(r.ledgers[0].metadataJson.v2.ledger_header.hash).toBe(r.ledgers[0].hash);
    expect(r.ledgers[0].headerXdr).toBeUndefined();
  });

  it("ledger hashes depend on the network's epoch: a reset changes them", () => {
    const chain = window.chain;
    const seq = chain.latestLedger;
    const before = chain.ledgerHash(seq).toString("hex");
    expect(chain.ledgerHash(seq - 1).toString("hex")).not.toBe(before);
    chain.reset({ redeploy: true, sameContractId: true });
    expect(chain.ledgerHash(seq).toString("hex")).not.toBe(before);
  });
});

describe("SEP-54 data lake writer", () => {
  it("names objects as SEP-54 and Galexie do", () => {
    expect(datalakeKey(3, { ledgersPerBatch: 2, batchesPerPartition: 8 })).toBe("FFFFFFFF--0-15/FFFFFFFD--2-3.xdr.zst");
    expect(datalakeKey(16, { ledgersPerBatch: 2, batchesPerPartition: 8 })).toBe("FFFFFFEF--16-31/FFFFFFEF--16-17.xdr.zst");
    expect(datalakeKey(1, { ledgersPerBatch: 1, batchesPerPartition: 64000 })).toBe("FFFFFFFF--0-63999/FFFFFFFE--1.xdr.zst");
    expect(datalakeKey(64000, { ledgersPerBatch: 1, batchesPerPartition: 64000 })).toBe("FFFF05FF--64000-127999/FFFF05FF--64000.xdr.zst");
    expect(datalakeKey(7, { ledgersPerBatch: 1, batchesPerPartition: 1 })).toBe("FFFFFFF8--7.xdr.zst");
  });

  it("writes every ledger's LedgerCloseMeta, the same bytes getLedgers serves, with the config last", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "lake-"));
    try {
      const chain = lake.chain;
      const from = chain.firstLedger;
      const to = from + 300;
      const summary = await writeDatalake(chain, dir, { ledgersPerBatch: 16, batchesPerPartition: 4, fromLedger: from, toLedger: to });
      const keys = new Set(Array.from({ length: to - from + 1 }, (_, i) => datalakeKey(from + i, summary)));
      expect(summary.files).toBe(keys.size);
      const config = JSON.parse(await readFile(path.join(dir, ".config.json"), "utf8"));
      expect(config).toMatchObject({ networkPassphrase: chain.networkPassphrase, compression: "zstd", ledgersPerBatch: 16, batchesPerPartition: 4 });
      const partitions = (await readdir(dir)).filter((f) => f !== ".config.json");
      expect(partitions.every((p) => /^[0-9A-F]{8}--\d+-\d+$/.test(p))).toBe(true);
      const seq = from + 100;
      const batch = xdr.LedgerCloseMetaBatch.fromXdr(zstdDecompressSync(await readFile(path.join(dir, datalakeKey(seq, config)))));
      expect(batch.endSequence - batch.startSequence + 1).toBe(batch.ledgerCloseMetas.length);
      const served = await rawResult(lake.url, "getLedgers", { startLedger: seq, pagination: { limit: 1 } });
      expect(batch.ledgerCloseMetas[seq - batch.startSequence]!.toXdr("base64")).toBe(served.ledgers[0].metadataXdr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("writes SEP-54 v0.2.0's layout: config.json naming ledgersPath from the store's root, partitions below it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "lake-sep54-"));
    try {
      const chain = lake.chain;
      const from = chain.firstLedger;
      const summary = await writeDatalake(chain, dir, { ledgersPerBatch: 2, batchesPerPartition: 8, fromLedger: from, toLedger: from + 40, format: "sep54", storePath: "stellar/pubnet" });
      expect(summary.root).toBe(path.join(dir, "stellar", "pubnet"));
      expect(await readdir(summary.root)).toEqual(["config.json", "ledgers"]);
      const config = JSON.parse(await readFile(path.join(summary.root, "config.json"), "utf8"));
      expect(config).toEqual({ networkPassphrase: chain.networkPassphrase, ledgersPath: "/stellar/pubnet/ledgers", compression: "zstd", ledgersPerBatch: 2, batchesPerPartition: 8 });
      const batch = xdr.LedgerCloseMetaBatch.fromXdr(zstdDecompressSync(await readFile(path.join(dir, config.ledgersPath, datalakeKey(from + 7, config)))));
      expect(batch.startSequence).toBe(from + 7 - ((from + 7) % 2));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
