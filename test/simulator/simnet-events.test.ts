// getEvents: paging, cursors, the 10,000-ledger scan limit, retention errors and filters.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc, xdr } from "@stellar/stellar-sdk";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { parseCursor } from "../simnet/events.ts";
import { rawRpc, schemaErrors } from "../simnet/testing.ts";

let sn: Simnet;
let server: rpc.Server;
const sym = (s: string) => xdr.ScVal.scvSymbol(s).toXdr("base64");

beforeAll(async () => {
  sn = await startSimnet({ scenario: { seed: 21, tokens: 80, creators: 12 } });
  server = new rpc.Server(sn.url, { allowHttp: true });
});
afterAll(async () => {
  await sn.close();
});

/** Pages from `startLedger` to the head with the SDK; returns events and the requests made. */
async function pageAll(startLedger: number, limit: number, filters: rpc.Api.EventFilter[] = []) {
  const events: rpc.Api.EventResponse[] = [];
  let res = await server.getEvents({ startLedger, filters, limit });
  let requests = 1;
  events.push(...res.events);
  for (;;) {
    const at = parseCursor(res.cursor);
    if (!at) throw new Error(`bad cursor ${res.cursor}`);
    if (at.ledger >= res.latestLedger && res.events.length < limit) break;
    res = await server.getEvents({ cursor: res.cursor, filters, limit });
    requests++;
    events.push(...res.events);
  }
  return { events, requests };
}

describe("paging", () => {
  it("walking the window with cursors yields every retained event once, in order", async () => {
    const truth = sn.chain.retainedEvents();
    expect(truth.length).toBeGreaterThan(300);
    const { events, requests } = await pageAll(sn.chain.oldestLedger, 100);
    expect(events.map((e) => e.id)).toEqual(truth.map((e) => e.id));
    expect(events.map((e) => e.contractId?.contractId())).toEqual(truth.map((e) => e.contractId));
    expect(events.map((e) => e.value.toXdr("base64"))).toEqual(truth.map((e) => e.valueXdr()));
    // 120,960 ledgers cannot be covered in fewer than 13 scans of 10,000
    expect(requests).toBeGreaterThanOrEqual(13);
    const ids = events.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("one request scans at most 10,000 ledgers, and a short page's cursor ends the scanned range", async () => {
    const start = sn.chain.oldestLedger;
    const raw = await rawRpc(sn.url, "getEvents", { startLedger: start, pagination: { limit: 10_000 } });
    expect(schemaErrors("getEvents", raw.result)).toEqual([]);
    const r = raw.result;
    expect(r.events.every((e: any) => e.ledger >= start && e.ledger < start + 10_000)).toBe(true);
    expect(r.events.length).toBe(sn.chain.retainedEvents().filter((e) => e.ledger < start + 10_000).length);
    expect(r.cursor).toBe(`${((BigInt(start + 9_999) << 32n) | 0xffffffffn).toString().padStart(19, "0")}-4294967295`);
  });

  it("empty pages still advance", async () => {
    const local = await startSimnet({ scenario: { seed: 2, tokens: 5, creators: 2, historyLedgers: 2000, retentionLedgers: 100_000 } });
    try {
      local.chain.advance(25_000); // a long stretch without events
      const start = local.chain.latestLedger - 24_000;
      const r1 = await new rpc.Server(local.url, { allowHttp: true }).getEvents({ startLedger: start, filters: [] });
      expect(r1.events).toEqual([]);
      expect(parseCursor(r1.cursor)?.ledger).toBe(start + 9_999);
      const r2 = await new rpc.Server(local.url, { allowHttp: true }).getEvents({ cursor: r1.cursor, filters: [] });
      expect(r2.events).toEqual([]);
      // Like stellar-rpc, a cursor request scans from the cursor's own ledger, so it moves 9,999 on.
      expect(parseCursor(r2.cursor)?.ledger).toBe(start + 9_999 + 9_999);
    } finally {
      await local.close();
    }
  });

  it("at the head, the cursor stays at the latest ledger until new events arrive", async () => {
    const latest = sn.chain.latestLedger;
    const r = await server.getEvents({ startLedger: latest, filters: [] });
    const head = await server.getEvents({ cursor: r.cursor, filters: [] });
    expect(head.events).toEqual([]);
    expect(parseCursor(head.cursor)?.ledger).toBe(latest);
    const launched = sn.chain.launchToken();
    const next = await server.getEvents({ cursor: head.cursor, filters: [{ type: "contract", contractIds: [sn.contractId] }] });
    expect(next.events.map((e) => e.ledger)).toEqual([latest + 1, latest + 1]);
    expect(next.events.map((e) => e.topic[0]?.toXdr("base64"))).toEqual([sym("token_launched"), sym("token_launched_detailed")]);
    expect(next.events.map((e) => e.id)).toEqual(sn.chain.retainedEvents({ factoryOnly: true }).filter((e) => e.ledger === latest + 1).map((e) => e.id));
    expect(launched.launchLedger).toBe(latest + 1);
  });

  it("a full page's cursor is its last event id; limit defaults to 100; endLedger is exclusive", async () => {
    const r = await server.getEvents({ startLedger: sn.chain.oldestLedger, filters: [], limit: 7 });
    expect(r.events).toHaveLength(7);
    expect(r.cursor).toBe(r.events[6]?.id);
    const burst = sn.chain.inOneLedger(() => Array.from({ length: 40 }, () => sn.chain.launchToken()));
    const d = await server.getEvents({ startLedger: burst[0]?.launchLedger as number, filters: [] });
    expect(d.events).toHaveLength(100);
    expect(d.cursor).toBe(d.events[99]?.id);
    const end = (r.events[3]?.ledger ?? 0) + 1;
    const bounded = await rawRpc(sn.url, "getEvents", { startLedger: sn.chain.oldestLedger, endLedger: end, pagination: { limit: 10_000 } });
    expect(bounded.result.events.every((e: any) => e.ledger < end)).toBe(true);
    expect(parseCursor(bounded.result.cursor)?.ledger).toBe(end - 1);
  });

  it("event objects: TOID ids agree with ledger/transaction/operation; close times agree with the chain", async () => {
    const raw = await rawRpc(sn.url, "getEvents", { startLedger: sn.chain.oldestLedger, pagination: { limit: 300 } });
    for (const e of raw.result.events) {
      const p = parseCursor(e.id);
      expect(p).toMatchObject({ ledger: e.ledger, txIndex: e.transactionIndex, opIndex: e.operationIndex });
      expect(Date.parse(e.ledgerClosedAt) / 1000).toBe(sn.chain.closeTime(e.ledger));
      expect(e.txHash).toMatch(/^[0-9a-f]{64}$/);
      expect(e.type).toBe("contract");
    }
  });
});

describe("retention and parameter errors", () => {
  const msg = () => `startLedger must be within the ledger range: ${sn.chain.oldestLedger} - ${sn.chain.latestLedger}`;

  it("start outside oldest..latest is -32600 with stellar-rpc's message", async () => {
    for (const startLedger of [sn.chain.oldestLedger - 1, sn.chain.latestLedger + 1, 1]) {
      const r = await rawRpc(sn.url, "getEvents", { startLedger });
      expect(r.error).toEqual({ code: -32600, message: msg() });
    }
    await expect(server.getEvents({ startLedger: sn.chain.oldestLedger - 5, filters: [] })).rejects.toMatchObject({ code: -32600 });
  });

  it("a cursor that fell out of retention is -32600 too", async () => {
    const local = await startSimnet({ scenario: { seed: 4, tokens: 6, creators: 2, retentionLedgers: 1000, historyLedgers: 5000 } });
    try {
      const r = await rawRpc(local.url, "getEvents", { startLedger: local.chain.oldestLedger });
      local.chain.advance(1500);
      const stale = await rawRpc(local.url, "getEvents", { pagination: { cursor: r.result.cursor } });
      expect(stale.error.code).toBe(-32600);
      expect(stale.error.message).toBe(`startLedger must be within the ledger range: ${local.chain.oldestLedger} - ${local.chain.latestLedger}`);
    } finally {
      await local.close();
    }
  });

  it("invalid combinations are -32602", async () => {
    const start = sn.chain.oldestLedger;
    const cursor = `${(BigInt(start) << 32n).toString().padStart(19, "0")}-0000000000`;
    const filter = { type: "contract" };
    const bad: unknown[] = [
      { startLedger: start, pagination: { cursor } },
      { pagination: {} },
      { startLedger: start, pagination: { limit: 10_001 } },
      { startLedger: start, filters: Array(6).fill(filter) },
      { startLedger: start, filters: [{ contractIds: ["GABC"] }] },
      { startLedger: start, filters: [{ type: "diagnostic" }] },
      { startLedger: start, filters: [{ topics: [["**", "*"]] }] },
      { startLedger: start, filters: [{ topics: [["*", "*", "*", "*", "*"]] }] },
      { startLedger: start, filters: [{ topics: [["not-base64!"]] }] },
      { startLedger: start, endLedger: start },
      { pagination: { cursor: "garbage" } },
      { startLedger: "100" },
    ];
    for (const params of bad) {
      const r = await rawRpc(sn.url, "getEvents", params);
      expect(r.error?.code, JSON.stringify(params)).toBe(-32602);
    }
    // the limits themselves are fine
    expect((await rawRpc(sn.url, "getEvents", { startLedger: start, pagination: { limit: 10_000 }, filters: Array(5).fill(filter) })).result).toBeDefined();
  });
});

describe("filters", () => {
  const all = () => sn.chain.retainedEvents();
  const fetchAll = async (filters: rpc.Api.EventFilter[]) => (await pageAll(sn.chain.oldestLedger, 10_000, filters)).events;

  it("contractIds keeps only that contract (the impostor with factory topics is excluded)", async () => {
    const got = await fetchAll([{ type: "contract", contractIds: [sn.contractId] }]);
    expect(got.map((e) => e.id)).toEqual(all().filter((e) => e.contractId === sn.contractId).map((e) => e.id));
    const impostors = all().filter((e) => ["tokens_bought", "token_launched"].includes(e.name) && e.contractId !== sn.contractId);
    expect(impostors.length).toBeGreaterThan(0);
  });

  it("an exact topic matches only events with that many topics; ** relaxes it", async () => {
    const bought = await fetchAll([{ topics: [[sym("tokens_bought")]] }]);
    expect(bought.map((e) => e.id)).toEqual(all().filter((e) => e.name === "tokens_bought").map((e) => e.id));
    const oneTopic = await fetchAll([{ topics: [["*"]] }]);
    expect(oneTopic.length).toBe(all().filter((e) => e.topicXdr().length === 1).length);
    expect(oneTopic.every((e) => e.topic.length === 1)).toBe(true);
    const feeExact = await fetchAll([{ topics: [[sym("fee")]] }]);
    expect(feeExact).toEqual([]); // fee events have two topics
    const feeFlexible = await fetchAll([{ topics: [[sym("fee"), "**"]] }]);
    expect(feeFlexible.length).toBe(all().filter((e) => e.name === "fee").length);
    expect(feeFlexible.length).toBeGreaterThan(0);
    const transfers = await fetchAll([{ topics: [[sym("transfer"), "*", "*", "*"]] }]);
    expect(transfers.length).toBe(all().filter((e) => e.name === "transfer").length);
    const everything = await fetchAll([{ topics: [["*", "**"]] }]);
    expect(everything.length).toBe(all().length);
  });

  it("filters are OR-ed; topic filters within a filter are OR-ed; type system matches nothing here", async () => {
    const got = await fetchAll([
      { type: "contract", contractIds: [sn.contractId], topics: [[sym("tokens_sold")], [sym("token_graduated")]] },
      { type: "contract", contractIds: [sn.contractId], topics: [[sym("liquidity_locked")]] },
    ]);
    const want = all().filter((e) => e.contractId === sn.contractId && ["tokens_sold", "token_graduated", "liquidity_locked"].includes(e.name));
    expect(want.some((e) => e.name === "token_graduated")).toBe(true);
    expect(got.map((e) => e.id)).toEqual(want.map((e) => e.id));
    expect(await fetchAll([{ type: "system" }])).toEqual([]);
  });

  it("admin events of the factory name no token", async () => {
    const admin = all().filter((e) => e.contractId === sn.contractId && !e.name.startsWith("token") && e.name !== "liquidity_locked");
    expect(admin.length).toBeGreaterThan(0);
    for (const e of admin) expect(e.token).toBeUndefined();
  });
});
