// The simulator creates the situations of real networks that the sync must handle: dense trading
// (full pages in a row), a provider's page cap, a live chain whose window slides, archival by age,
// a reset above the cursor, and faults aimed at one creator's entries.

import { afterEach, describe, expect, it } from "vitest";
import { Address, xdr } from "@stellar/stellar-sdk";
import { SimChain, startSimnet, type Simnet } from "../simnet/index.ts";
import { contractDataKey, creatorTokensKey, tokenInfoKey } from "../simnet/encode.ts";
import { rawResult, rawRpc, readTx } from "../simnet/testing.ts";

const open: Simnet[] = [];
async function simnet(opts: Parameters<typeof startSimnet>[0]): Promise<Simnet> {
  const sn = await startSimnet(opts);
  open.push(sn);
  return sn;
}
afterEach(async () => {
  for (const sn of open.splice(0)) await sn.close();
});

const factoryFilter = (sn: Simnet) => [{ type: "contract", contractIds: [sn.contractId] }];

describe("dense trading", () => {
  it("tradeBurst puts more than 10,000 factory events in one 10,000-ledger range: several full pages in a row", async () => {
    const sn = await simnet({ scenario: { seed: 3, tokens: 20, creators: 5, hostile: false, retentionLedgers: 20_000, denseTrading: { ledgers: 1500, tradesPerLedger: 4 } } });
    const start = sn.chain.latestLedger - 1499;
    const inBurst = sn.chain.retainedEvents({ factoryOnly: true }).filter((e) => e.ledger >= start);
    expect(inBurst.length).toBe(12_000);
    expect(new Set(inBurst.map((e) => e.name))).toEqual(new Set(["tokens_bought", "tokens_bought_detailed"]));
    // Only active creators' tokens trade: dormant creators stay dormant.
    expect(sn.scenario.dormantCreators.length).toBeGreaterThan(0);
    expect(sn.chain.dormantCreators()).toEqual(sn.scenario.dormantCreators);

    let res = await rawResult(sn.url, "getEvents", { startLedger: start, filters: factoryFilter(sn), pagination: { limit: 5_000 } });
    const pages = [res.events.length];
    const ids: string[] = res.events.map((e: { id: string }) => e.id);
    while (res.events.length === 5_000) {
      res = await rawResult(sn.url, "getEvents", { filters: factoryFilter(sn), pagination: { cursor: res.cursor, limit: 5_000 } });
      pages.push(res.events.length);
      ids.push(...res.events.map((e: { id: string }) => e.id));
    }
    expect(pages).toEqual([5_000, 5_000, 2_000]);
    expect(ids).toEqual(inBurst.map((e) => e.id));
  });

  it("a fractional rate spreads buys over ledgers, and graduation is never reached", () => {
    const chain = new SimChain({ seed: 2 });
    const t = chain.launchToken();
    const before = chain.latestLedger;
    expect(chain.tradeBurst({ ledgers: 10, tradesPerLedger: 0.5 })).toBe(5);
    expect(chain.latestLedger).toBe(before + 10);
    expect(chain.retainedEvents({ factoryOnly: true }).filter((e) => e.name === "tokens_bought")).toHaveLength(5);
    chain.tradeBurst({ ledgers: 2_000, tradesPerLedger: 10, tokens: [t] });
    expect(t.status).toBe("Bonding");
  });
});

describe("maxEventsLimit", () => {
  it("getEvents refuses a larger limit with -32602 `limit must not exceed N`, like stellar-rpc's max-events-limit", async () => {
    const sn = await simnet({ scenario: { seed: 5, tokens: 10, creators: 3 }, maxEventsLimit: 1000 });
    const p = { startLedger: sn.chain.oldestLedger, filters: factoryFilter(sn) };
    const refused = await rawRpc(sn.url, "getEvents", { ...p, pagination: { limit: 1001 } });
    expect(refused.error).toEqual({ code: -32602, message: "limit must not exceed 1000" });
    expect((await rawRpc(sn.url, "getEvents", { ...p, pagination: { limit: 1000 } })).result).toBeDefined();
    sn.setMaxEventsLimit(undefined);
    expect((await rawRpc(sn.url, "getEvents", { ...p, pagination: { limit: 10_000 } })).result).toBeDefined();
    expect((await rawRpc(sn.url, "getEvents", { ...p, pagination: { limit: 10_001 } })).error.message).toBe("limit must not exceed 10000");
  });

  it("a cursor with an endLedger is still refused (stellar-rpc's GetEventsRequest.Valid)", async () => {
    const sn = await simnet({ scenario: { seed: 5, tokens: 10, creators: 3 } });
    const first = await rawResult(sn.url, "getEvents", { startLedger: sn.chain.oldestLedger, pagination: { limit: 5 } });
    const both = await rawRpc(sn.url, "getEvents", { endLedger: sn.chain.latestLedger, pagination: { cursor: first.cursor, limit: 5 } });
    expect(both.error).toEqual({ code: -32602, message: "ledger ranges and cursor cannot both be set" });
  });
});

describe("live mode", () => {
  it("closes ledgers on a timer, slides the window, and pause() freezes the chain", async () => {
    const sn = await simnet({ scenario: { seed: 6, tokens: 10, creators: 3, retentionLedgers: 200 }, ledgerCloseMs: 20 });
    const first = await rawResult(sn.url, "getHealth");
    let health = first;
    for (let i = 0; i < 200 && health.oldestLedger < first.oldestLedger + 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      health = await rawResult(sn.url, "getHealth");
    }
    expect(health.oldestLedger).toBeGreaterThanOrEqual(first.oldestLedger + 5);
    expect(health.latestLedger - health.oldestLedger).toBe(199);
    const stale = await rawRpc(sn.url, "getEvents", { startLedger: first.oldestLedger, pagination: { limit: 10 } });
    expect(stale.error.code).toBe(-32600);
    expect(stale.error.message).toMatch(/^startLedger must be within the ledger range: \d+ - \d+$/);

    sn.pause();
    const frozen = sn.chain.latestLedger;
    await new Promise((r) => setTimeout(r, 100));
    expect(sn.chain.latestLedger).toBe(frozen);
    sn.resume();
    for (let i = 0; i < 200 && sn.chain.latestLedger === frozen; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sn.chain.latestLedger).toBeGreaterThan(frozen);
  });

  it("with activity, closed ledgers carry launches and trades", async () => {
    const sn = await simnet({ scenario: { seed: 6, tokens: 10, creators: 3 }, ledgerCloseMs: 5, liveActivity: 1 });
    const before = sn.chain.retainedEvents({ factoryOnly: true }).length;
    for (let i = 0; i < 200 && sn.chain.retainedEvents({ factoryOnly: true }).length < before + 10; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sn.chain.retainedEvents({ factoryOnly: true }).length).toBeGreaterThanOrEqual(before + 10);
  });
});

describe("archival by age", () => {
  it("serves untouched TokenInfo and CreatorTokens entries archived: evicted with liveUntilLedgerSeq 0, expired with their past one", async () => {
    const sn = await simnet({ scenario: { seed: 8, tokens: 150, creators: 30, archiveAfterLedgers: 60_000 } });
    const { chain } = sn;
    expect(chain.evictAfterLedgers).toBe(15_000);
    const key = (k: xdr.ScVal) => contractDataKey(chain.contractId, k).toXdr("base64");
    const tokenKeys = chain.tokens.map((t) => key(tokenInfoKey(t.tokenAddress)));
    const creatorKeys = chain.creators.map((c) => key(creatorTokensKey(c)));
    const absent = key(tokenInfoKey(chain.randomContract()));
    const res = await rawResult(sn.url, "getLedgerEntries", { keys: [...tokenKeys, absent] });
    const creators = await rawResult(sn.url, "getLedgerEntries", { keys: creatorKeys });
    expect(res.entries).toHaveLength(chain.tokens.length); // the absent key is omitted

    const seen = { live: 0, expired: 0, evicted: 0 };
    const check = (entries: Array<{ key: string; liveUntilLedgerSeq: number; lastModifiedLedgerSeq: number }>, meta: (k: string) => { state: string; liveUntil: number }) => {
      for (const e of entries) {
        const m = meta(e.key);
        seen[m.state as keyof typeof seen]++;
        if (m.state === "evicted") expect(e.liveUntilLedgerSeq).toBe(0);
        else expect(e.liveUntilLedgerSeq).toBe(m.liveUntil);
        if (m.state === "expired") expect(e.liveUntilLedgerSeq).toBeLessThan(chain.latestLedger);
      }
    };
    check(res.entries, (k) => {
      const t = chain.tokens[tokenKeys.indexOf(k)]!;
      return { state: chain.tokenEntryState(t), liveUntil: t.liveUntilLedger };
    });
    const tokensSeen = { ...seen };
    check(creators.entries, (k) => {
      const c = chain.creators[creatorKeys.indexOf(k)]!;
      return { state: chain.creatorEntryState(c)!, liveUntil: chain.creatorEntryMeta(c)!.liveUntilLedger };
    });
    // Most entries archived, both kinds present, for tokens and for creators' lists.
    expect(tokensSeen.evicted + tokensSeen.expired).toBeGreaterThan(chain.tokens.length / 2);
    expect(tokensSeen.evicted).toBeGreaterThan(0);
    expect(tokensSeen.expired).toBeGreaterThan(0);
    expect(seen.evicted - tokensSeen.evicted).toBeGreaterThan(0);
    expect(seen.expired - tokensSeen.expired + seen.evicted - tokensSeen.evicted).toBeGreaterThan(chain.creators.length / 2);

    // Simulation still reads an archived entry, auto-restoring it.
    const t = chain.tokens.find((x) => chain.tokenEntryState(x) === "evicted")!;
    const sim = await rawResult(sn.url, "simulateTransaction", {
      transaction: readTx(chain.contractId, "get_token_info", [new Address(t.tokenAddress).toScVal()], chain.networkPassphrase).toXDR(),
    });
    expect(sim.error).toBeUndefined();
    const data = xdr.SorobanTransactionData.fromXdr(sim.transactionData, "base64");
    expect(data.ext.type).toBe("resourceExt");
  });

  it("a trade writes the entry again: live, with a fresh TTL", () => {
    const chain = new SimChain({ archiveAfterLedgers: 100, evictAfterLedgers: 10 });
    const t = chain.launchToken();
    chain.advance(105);
    expect(chain.tokenEntryState(t)).toBe("expired");
    chain.advance(10);
    expect(chain.tokenEntryState(t)).toBe("evicted");
    expect(chain.creatorEntryState(t.creator)).toBe("evicted");
    chain.buy(t, 10_000_000n);
    expect(chain.tokenEntryState(t)).toBe("live");
    expect(t.liveUntilLedger).toBe(chain.latestLedger + 100);
    chain.archive(t, { evict: false });
    expect(chain.tokenEntryState(t)).toBe("expired");
  });
});

describe("reset above the cursor", () => {
  it("keeps passphrase and contract id, numbers the new chain above the old one, and changes ledger hashes", async () => {
    const sn = await simnet({ scenario: { seed: 9, tokens: 10, creators: 3 } });
    const { chain } = sn;
    const old = { latest: chain.latestLedger, id: chain.contractId, passphrase: chain.networkPassphrase };
    const oldHash = chain.ledgerHash(old.latest + 100).toString("hex");
    expect((await rawResult(sn.url, "getLatestLedger")).id).toBe(chain.ledgerHash(old.latest).toString("hex"));

    chain.reset({ redeploy: true, sameContractId: true, startLedger: old.latest + 50 });
    expect(chain.contractId).toBe(old.id);
    expect(chain.networkPassphrase).toBe(old.passphrase);
    expect(chain.firstLedger).toBe(old.latest + 50);
    expect(chain.tokens).toHaveLength(0);
    chain.launchToken();
    chain.advance(60);
    expect(chain.latestLedger).toBeGreaterThan(old.latest + 100);
    expect(chain.ledgerHash(old.latest + 100).toString("hex")).not.toBe(oldHash);
    const health = await rawResult(sn.url, "getHealth");
    expect(health.oldestLedger).toBe(old.latest + 50);
    expect((await rawResult(sn.url, "getLatestLedger")).id).toBe(chain.ledgerHash(chain.latestLedger).toString("hex"));
  });
});

describe("faults aimed at entries", () => {
  it("fail only the requests that read one creator's CreatorTokens, through getLedgerEntries or simulation", async () => {
    const sn = await simnet({ scenario: { seed: 10, tokens: 20, creators: 5 } });
    const [target, other] = sn.chain.creators as [string, string];
    sn.setFaults({ rate: 1, kinds: ["rpc32602"], entries: { creatorTokens: [target] } });
    const key = (c: string) => contractDataKey(sn.contractId, creatorTokensKey(c)).toXdr("base64");
    const sim = (c: string) =>
      rawRpc(sn.url, "simulateTransaction", {
        transaction: readTx(sn.contractId, "get_creator_tokens_paginated", [new Address(c).toScVal(), xdr.ScVal.scvU32(0), xdr.ScVal.scvU32(100)], sn.networkPassphrase).toXDR(),
      });
    expect((await rawRpc(sn.url, "getLedgerEntries", { keys: [key(target), key(other)] })).error.code).toBe(-32602);
    expect((await rawRpc(sn.url, "getLedgerEntries", { keys: [key(other)] })).result.entries).toHaveLength(1);
    expect((await sim(target)).error.code).toBe(-32602);
    expect((await sim(other)).result.results).toHaveLength(1);
    expect((await rawRpc(sn.url, "getEvents", { startLedger: sn.chain.oldestLedger, pagination: { limit: 5 } })).result).toBeDefined();
  });
});
