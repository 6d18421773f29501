// The scenario builder (determinism, realism, hostile data, scale) and the chain's mutators.

import { describe, expect, it } from "vitest";
import { Address, rpc, scValToNative, xdr } from "@stellar/stellar-sdk";
import { SimChain, startSimnet, type SimToken } from "../simnet/index.ts";
import { buildScenario } from "../simnet/scenario.ts";
import { GRADUATION_XLM, I128_MAX, TOTAL_SUPPLY } from "../simnet/curve.ts";
import { contractDataKey, tokenInfoKey } from "../simnet/encode.ts";
import { call, rawResult } from "../simnet/testing.ts";

const fingerprint = (tokens: readonly SimToken[]) =>
  JSON.stringify(tokens, (_k, v) => (typeof v === "bigint" ? `${v}n` : v && v.type === "Buffer" ? Buffer.from(v.data).toString("hex") : v));

describe("scenario", () => {
  const { chain, info } = buildScenario({ seed: 17 });
  const oldest = chain.oldestLedger;
  const events = chain.retainedEvents();
  const factory = events.filter((e) => e.contractId === chain.contractId);

  it("is deterministic for a seed and differs across seeds", () => {
    const again = buildScenario({ seed: 17 }).chain;
    expect(fingerprint(again.tokens)).toBe(fingerprint(chain.tokens));
    expect(again.retainedEvents().map((e) => `${e.id}:${e.valueXdr()}`)).toEqual(events.map((e) => `${e.id}:${e.valueXdr()}`));
    expect(again.contractId).toBe(chain.contractId);
    expect(fingerprint(buildScenario({ seed: 18 }).chain.tokens)).not.toBe(fingerprint(chain.tokens));
  });

  it("uses the documented defaults", () => {
    expect(chain.tokens).toHaveLength(60);
    expect(chain.creators).toHaveLength(15);
    expect(chain.retentionLedgers).toBe(120_960);
    expect(chain.latestLedger - info.firstLedger).toBe(400_000);
    expect(oldest).toBe(chain.latestLedger - 120_960 + 1);
  });

  it("numbers tokens in launch order and spreads launches beyond the window", () => {
    chain.tokens.forEach((t, i) => {
      expect(t.id).toBe(i);
      if (i > 0) {
        expect(t.launchLedger).toBeGreaterThanOrEqual((chain.tokens[i - 1] as SimToken).launchLedger);
        expect(t.createdAt).toBe(BigInt(chain.closeTime(t.launchLedger)));
      }
    });
    const before = chain.tokens.filter((t) => t.launchLedger < oldest).length;
    expect(before).toBeGreaterThan(20);
    expect(chain.tokens.length - before).toBeGreaterThan(5);
  });

  it("has dormant creators: nothing retained names them or their tokens", () => {
    expect(info.dormantCreators.length).toBeGreaterThan(0);
    const named = new Set(events.flatMap((e) => Object.values(e.data).filter((v): v is string => typeof v === "string")));
    for (const c of info.dormantCreators) {
      expect(named.has(c)).toBe(false);
      for (const t of chain.creatorTokens(c)) {
        expect(t.launchLedger).toBeLessThan(oldest);
        expect(named.has(t.tokenAddress)).toBe(false);
      }
    }
  });

  it("has old tokens reachable only through an active creator's list", () => {
    const named = new Set(factory.map((e) => e.token).filter(Boolean));
    const onlyViaCreator = chain.tokens.filter((t) => !named.has(t.tokenAddress) && !info.dormantCreators.includes(t.creator));
    expect(onlyViaCreator.length).toBeGreaterThan(0);
    // ...and their creators do appear through some retained event's token
    for (const t of onlyViaCreator) expect(chain.creatorTokens(t.creator).some((x) => named.has(x.tokenAddress))).toBe(true);
  });

  it("trades old and new tokens inside the window, with graduations, admin and foreign events", () => {
    const traded = (name: string) => factory.filter((e) => e.name === name).map((e) => chain.tokenByAddress(e.token as string) as SimToken);
    const bought = traded("tokens_bought");
    expect(bought.some((t) => t.launchLedger < oldest)).toBe(true);
    expect(bought.some((t) => t.launchLedger >= oldest)).toBe(true);
    expect(traded("tokens_sold").length).toBeGreaterThan(0);
    expect(traded("token_graduated").length).toBeGreaterThan(0);
    expect(factory.filter((e) => e.name === "liquidity_locked").length).toBe(traded("token_graduated").length);
    expect(factory.some((e) => e.name.startsWith("role_") || e.name.includes("_updated") || e.name.startsWith("contract_") || e.name === "ownership_transferred")).toBe(true);
    expect(events.some((e) => e.contractId !== chain.contractId && e.contractId !== chain.nativeAssetContract())).toBe(true);
  });

  it("keeps the curve invariants and status rules for every token", () => {
    for (const t of chain.tokens) {
      const c = t.bondingCurve;
      expect(c.tokensSold + c.tokensRemaining).toBe(c.totalSupply);
      expect(t.marketCap).toBe(2n * t.xlmRaised);
      if (t.status === "Graduated") {
        expect(t.xlmRaised).toBeGreaterThanOrEqual(GRADUATION_XLM);
        expect(t.ammPair).toMatch(/^C/);
      }
      if (t.status === "Bonding") {
        expect(t.xlmRaised).toBeLessThan(GRADUATION_XLM);
        expect(c.totalSupply).toBe(TOTAL_SUPPLY);
        expect(c.xlmReserve - 10_000_000_000n).toBe(t.xlmRaised);
      }
    }
    for (const c of chain.creators) expect(chain.creatorTokens(c).map((t) => t.id)).toEqual(chain.tokens.filter((t) => t.creator === c).map((t) => t.id));
    expect(chain.creators.some((c) => c.startsWith("C"))).toBe(true); // contracts can be creators
  });

  it("includes the hostile cases", () => {
    const texts = chain.tokens.flatMap((t) => [t.nameBytes, t.symbolBytes, t.imageUrlBytes, t.descriptionBytes].map((b) => Buffer.from(b)));
    expect(chain.tokens.some((t) => /\p{Extended_Pictographic}/u.test(t.name))).toBe(true);
    expect(chain.tokens.some((t) => t.descriptionBytes.length === 0)).toBe(true);
    expect(chain.tokens.some((t) => t.descriptionBytes.length === 4096)).toBe(true);
    expect(chain.tokens.some((t) => Buffer.from(t.nameBytes).includes(0))).toBe(true);
    const invalidUtf8 = texts.filter((b) => !Buffer.from(b.toString("utf8"), "utf8").equals(b));
    expect(invalidUtf8.length).toBeGreaterThan(0);
    expect(chain.tokens.some((t) => t.bondingCurve.k === I128_MAX && t.holdersCount === 4_294_967_295)).toBe(true);
    expect(chain.tokens.some((t) => t.status === "GraduationFailed" && t.bondingCurve.k !== I128_MAX)).toBe(true);
    expect(info.archivedTokenIds.every((id) => chain.isArchived(id))).toBe(true);
    expect(info.archivedTokenIds.length).toBe(1);
    // the lossy string is what a UTF-8 decoder with replacement produces
    for (const t of chain.tokens) expect(t.name).toBe(new TextDecoder().decode(t.nameBytes));
  });

  it("hostile: false gives clean text only", () => {
    const clean = buildScenario({ seed: 17, hostile: false }).chain;
    for (const t of clean.tokens) {
      for (const b of [t.nameBytes, t.symbolBytes, t.imageUrlBytes, t.descriptionBytes]) {
        expect(Buffer.from(b).includes(0)).toBe(false);
        expect(Buffer.from(Buffer.from(b).toString("utf8")).equals(Buffer.from(b))).toBe(true);
      }
      expect(t.bondingCurve.k).toBe(TOTAL_SUPPLY * 10_000_000_000n);
    }
  });

  // How fast belongs in `pnpm bench`; this only shows the size is served whole.
  it("scales: 10,000 tokens / 2,000 creators build and serve", async () => {
    const sn = await startSimnet({ scenario: { seed: 5, tokens: 10_000, creators: 2_000 } });
    try {
      expect(sn.chain.tokens).toHaveLength(10_000);
      expect(sn.chain.creators).toHaveLength(2_000);
      const server = new rpc.Server(sn.url, { allowHttp: true });
      const page = await rawResult(sn.url, "getEvents", { startLedger: sn.chain.oldestLedger, pagination: { limit: 10_000 } });
      const keys = sn.chain.tokens.slice(4_000, 4_200).map((t) => contractDataKey(sn.contractId, tokenInfoKey(t.tokenAddress)).toXdr("base64"));
      const entries = await rawResult(sn.url, "getLedgerEntries", { keys });
      const last = sn.chain.tokens[9_999] as SimToken;
      const info = await call(server, sn.contractId, "get_token_info", [new Address(last.tokenAddress).toScVal()], sn.networkPassphrase);
      expect(page.events.length).toBeGreaterThan(0);
      expect(entries.entries).toHaveLength(200);
      expect(scValToNative(info).id).toBe(9_999);
    } finally {
      await sn.close();
    }
  });
});

describe("chain mutators", () => {
  it("each mutator is a transaction in a new ledger; inOneLedger groups them", () => {
    const chain = new SimChain({ seed: 1 });
    const l0 = chain.latestLedger;
    const t = chain.launchToken({ name: "A" });
    expect(chain.latestLedger).toBe(l0 + 1);
    expect(t.launchLedger).toBe(l0 + 1);
    const r = chain.buy(t, 5_000_000_000n);
    expect(chain.latestLedger).toBe(l0 + 2);
    expect(r.events.map((e) => e.name)).toEqual(["transfer", "tokens_bought", "tokens_bought_detailed"]);
    expect(t.lastModifiedLedger).toBe(l0 + 2);
    chain.inOneLedger(() => {
      chain.buy(t, 1n * 10_000_000n);
      chain.sell(t, 1_000_000n);
    });
    expect(chain.latestLedger).toBe(l0 + 3);
    const inLedger = chain.retainedEvents().filter((e) => e.ledger === l0 + 3);
    expect(new Set(inLedger.filter((e) => e.txIndex > 0).map((e) => e.txIndex))).toEqual(new Set([1, 2]));
    expect(inLedger.filter((e) => e.name === "fee").map((e) => e.index)).toEqual([0, 1]);
    chain.advance(10);
    expect(chain.latestLedger).toBe(l0 + 13);
  });

  it("graduation at 10,000 XLM raised emits token_graduated + liquidity_locked and closes trading", () => {
    const chain = new SimChain({ seed: 2 });
    const t = chain.launchToken();
    const a = chain.buy(t, 60_000_000_000n);
    expect(a.graduated).toBe(false);
    const b = chain.buy(t, 40_000_000_000n);
    expect(b.graduated).toBe(true);
    expect(t.status).toBe("Graduated");
    expect(b.events.map((e) => e.name)).toEqual(["transfer", "tokens_bought", "tokens_bought_detailed", "token_graduated", "liquidity_locked"]);
    expect(b.events[3]?.data).toEqual({ token: t.tokenAddress, xlm_raised: 100_000_000_000n });
    expect(b.events[4]?.data["amm_pair"]).toBe(t.ammPair);
    expect(() => chain.buy(t, 1n)).toThrow(/Graduated/);
    expect(() => chain.sell(t, 1n)).toThrow(/Graduated/);
    const f = chain.launchToken();
    chain.buy(f, 120_000_000_000n, { failGraduation: true });
    expect(f.status).toBe("GraduationFailed");
    expect(f.ammPair).toBeUndefined();
  });

  it("emitForeignEvent and emitAdminEvent", () => {
    const chain = new SimChain({ seed: 3 });
    chain.launchToken();
    const f = chain.emitForeignEvent({ kind: "impostor" });
    expect(f.contractId).not.toBe(chain.contractId);
    expect(["tokens_bought", "token_launched"]).toContain(f.name);
    expect(chain.tokenByAddress(f.token as string)).toBeUndefined();
    const g = chain.emitForeignEvent({ kind: "transfer" });
    expect(g.topicXdr()).toHaveLength(4);
    const a = chain.emitAdminEvent("treasury_updated");
    expect(a.contractId).toBe(chain.contractId);
    expect(a.token).toBeUndefined();
  });

  it("archive() lapses TTLs; a later trade restores (bumps) the entry", async () => {
    const sn = await startSimnet({ scenario: { seed: 4, tokens: 3, creators: 1, hostile: false } });
    try {
      const t = sn.chain.launchToken();
      sn.chain.advance(5);
      sn.chain.archive(t);
      const key = contractDataKey(sn.contractId, tokenInfoKey(t.tokenAddress)).toXdr("base64");
      expect((await rawResult(sn.url, "getLedgerEntries", { keys: [key] })).entries[0].liveUntilLedgerSeq).toBe(0);
      sn.chain.buy(t, 10_000_000n);
      const e = (await rawResult(sn.url, "getLedgerEntries", { keys: [key] })).entries[0];
      expect(e.liveUntilLedgerSeq).toBe(sn.chain.latestLedger + 518_400);
      expect(e.lastModifiedLedgerSeq).toBe(sn.chain.latestLedger);
      expect(xdr.LedgerEntryData.fromXdr(e.xdr, "base64").type).toBe("contractData");
    } finally {
      await sn.close();
    }
  });
});
