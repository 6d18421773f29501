// The simnet's JSON-RPC methods, driven through @stellar/stellar-sdk's rpc.Server and checked
// against the OpenRPC result schemas, the chain's ground truth and stellar-rpc's error codes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Address, StrKey, nativeToScVal, rpc, scValToNative, xdr } from "@stellar/stellar-sdk";
import { startSimnet, type Simnet, type SimToken } from "../simnet/index.ts";
import { contractDataKey, creatorTokensKey, ammPairKey, instanceKey, tokenInfoKey, tokenInfoScVal } from "../simnet/encode.ts";
import { I128_MAX } from "../simnet/curve.ts";
import { call, rawResult, rawRpc, readTx, schemaErrors, simulate, xdrToJson } from "../simnet/testing.ts";

let sn: Simnet;
let server: rpc.Server;
const addrVal = (a: string) => new Address(a).toScVal();

beforeAll(async () => {
  sn = await startSimnet({ scenario: { seed: 11, tokens: 60, creators: 15 } });
  server = new rpc.Server(sn.url, { allowHttp: true });
});
afterAll(async () => {
  await sn.close();
});

const callFactory = (fn: string, ...args: xdr.ScVal[]) => call(server, sn.contractId, fn, args, sn.networkPassphrase);

describe("info methods", () => {
  it("getHealth reports the retention window and validates against the spec", async () => {
    const raw = await rawResult(sn.url, "getHealth");
    expect(schemaErrors("getHealth", raw)).toEqual([]);
    expect(raw).toMatchObject({
      status: "healthy",
      latestLedger: sn.chain.latestLedger,
      oldestLedger: sn.chain.oldestLedger,
      ledgerRetentionWindow: 120_960,
    });
    expect(raw.latestLedger - raw.oldestLedger + 1).toBe(120_960);
    expect(Number(raw.latestLedgerCloseTime) - Number(raw.oldestLedgerCloseTime)).toBe((raw.latestLedger - raw.oldestLedger) * 5);
    const h = await server.getHealth();
    expect(h.latestLedger).toBe(sn.chain.latestLedger);
  });

  it("getNetwork gives the passphrase and protocol 27", async () => {
    const n = await server.getNetwork();
    expect(n).toMatchObject({ passphrase: "Standalone Network ; February 2017", protocolVersion: 27 });
    expect(schemaErrors("getNetwork", await rawResult(sn.url, "getNetwork"))).toEqual([]);
  });

  it("getVersionInfo validates against the spec", async () => {
    const v = await rawResult(sn.url, "getVersionInfo");
    expect(schemaErrors("getVersionInfo", v)).toEqual([]);
    expect(v.protocolVersion).toBe(27);
    expect((await server.getVersionInfo()).version).toMatch(/^27\./);
  });

  it("getLatestLedger: id, sequence, and header/meta XDR shaped like stellar-rpc 27", async () => {
    const raw = await server._getLatestLedger();
    expect(schemaErrors("getLatestLedger", raw)).toEqual([]);
    expect(raw.sequence).toBe(sn.chain.latestLedger);
    expect(raw.id).toMatch(/^[0-9a-f]{64}$/);
    // Like the real server (see the spec's example), headerXdr is a LedgerHeaderHistoryEntry.
    const entry = xdr.LedgerHeaderHistoryEntry.fromXdr(raw.headerXdr, "base64");
    expect(Buffer.from(entry.hash.toBytes()).toString("hex")).toBe(raw.id);
    expect(entry.header.ledgerSeq).toBe(raw.sequence);
    expect(String(entry.header.scpValue.closeTime)).toBe(raw.closeTime);
    expect(xdr.LedgerCloseMeta.fromXdr(raw.metadataXdr, "base64").type).toBe("v2");
  });
});

describe("simulateTransaction: the factory's read-only functions", () => {
  it("get_token_count equals the number of launched tokens", async () => {
    const v = await callFactory("get_token_count");
    expect(v.type).toBe("scvU32");
    expect(scValToNative(v)).toBe(sn.chain.tokens.length);
  });

  it("get_token_info returns TokenInfo exactly as the chain holds it", async () => {
    for (const t of [sn.chain.tokens[0], sn.chain.tokens[sn.chain.tokens.length - 1], ...sn.scenario.hostileTokenIds.map((id) => sn.chain.tokens[id])] as SimToken[]) {
      const v = await callFactory("get_token_info", addrVal(t.tokenAddress));
      expect(v.toXdr("base64")).toBe(tokenInfoScVal(t).toXdr("base64"));
      const n = scValToNative(v);
      expect(n.id).toBe(t.id);
      expect(n.token_address).toBe(t.tokenAddress);
      expect(n.creator).toBe(t.creator);
      expect(n.status).toEqual([t.status]);
      expect(n.bonding_curve.k).toBe(t.bondingCurve.k);
      expect(n.xlm_raised).toBe(t.xlmRaised);
      expect(n.created_at).toBe(t.createdAt);
    }
  });

  it("get_token_info of an unknown token is void (Option::None)", async () => {
    const v = await callFactory("get_token_info", addrVal(StrKey.encodeContract(Buffer.alloc(32, 9))));
    expect(v.type).toBe("scvVoid");
  });

  it("get_creator_tokens lists a creator's tokens oldest first; unknown creators get []", async () => {
    const creator = sn.chain.creators[0] as string;
    const v = await callFactory("get_creator_tokens", addrVal(creator));
    expect(scValToNative(v)).toEqual(sn.chain.creatorTokens(creator).map((t) => t.tokenAddress));
    const none = await callFactory("get_creator_tokens", addrVal(StrKey.encodeEd25519PublicKey(Buffer.alloc(32, 1))));
    expect(scValToNative(none)).toEqual([]);
  });

  it("get_creator_tokens_paginated pages and caps limit at 100", async () => {
    const creator = sn.chain.creators.reduce((a, b) => (sn.chain.creatorTokens(b).length > sn.chain.creatorTokens(a).length ? b : a));
    const all = sn.chain.creatorTokens(creator).map((t) => t.tokenAddress);
    expect(all.length).toBeGreaterThan(2);
    const page = await callFactory("get_creator_tokens_paginated", addrVal(creator), nativeToScVal(1, { type: "u32" }), nativeToScVal(2, { type: "u32" }));
    expect(scValToNative(page)).toEqual(all.slice(1, 3));
    const past = await callFactory("get_creator_tokens_paginated", addrVal(creator), nativeToScVal(all.length, { type: "u32" }), nativeToScVal(5, { type: "u32" }));
    expect(scValToNative(past)).toEqual([]);
    // a creator with more than 100 tokens
    const whale = sn.chain.randomAccount();
    for (let i = 0; i < 105; i++) sn.chain.launchToken({ creator: whale });
    const capped = await callFactory("get_creator_tokens_paginated", addrVal(whale), nativeToScVal(0, { type: "u32" }), nativeToScVal(1000, { type: "u32" }));
    expect(scValToNative(capped)).toHaveLength(100);
  });

  it("get_price and get_graduation_progress follow the curve", async () => {
    const t = sn.chain.tokens.find((x) => x.status === "Bonding" && x.xlmRaised > 0n) as SimToken;
    const price = scValToNative(await callFactory("get_price", addrVal(t.tokenAddress)));
    expect(price).toBe((t.bondingCurve.xlmReserve * 10_000_000n) / t.bondingCurve.tokensRemaining);
    const bps = scValToNative(await callFactory("get_graduation_progress", addrVal(t.tokenAddress)));
    expect(bps).toBe((t.xlmRaised * 10_000n) / 100_000_000_000n);
    expect(bps).toBeGreaterThanOrEqual(0n);
    expect(bps).toBeLessThanOrEqual(10_000n);
    const fresh = sn.chain.launchToken();
    expect(scValToNative(await callFactory("get_price", addrVal(fresh.tokenAddress)))).toBe(12n);
    expect(scValToNative(await callFactory("get_graduation_progress", addrVal(fresh.tokenAddress)))).toBe(0n);
  });

  it("get_amm_pair is void before graduation and the pool after", async () => {
    const t = sn.chain.launchToken();
    expect((await callFactory("get_amm_pair", addrVal(t.tokenAddress))).type).toBe("scvVoid");
    const r = sn.chain.buy(t, 100_000_000_000n);
    expect(r.graduated).toBe(true);
    const pair = await callFactory("get_amm_pair", addrVal(t.tokenAddress));
    expect(scValToNative(pair)).toBe(t.ammPair);
    expect(scValToNative(await callFactory("get_graduation_progress", addrVal(t.tokenAddress)))).toBe(10_000n);
  });

  it("a successful result has results/auth, a valid transactionData footprint, fee and events", async () => {
    const t = sn.chain.tokens[3] as SimToken;
    const tx = readTx(sn.contractId, "get_token_info", [addrVal(t.tokenAddress)], sn.networkPassphrase);
    const raw = await server._simulateTransaction(tx);
    expect(schemaErrors("simulateTransaction", raw)).toEqual([]);
    expect(raw.error).toBeUndefined();
    expect(raw.results).toHaveLength(1);
    expect(raw.results?.[0]?.auth).toEqual([]);
    expect(Number(raw.minResourceFee)).toBeGreaterThan(0);
    expect(raw.latestLedger).toBe(sn.chain.latestLedger);
    const data = xdr.SorobanTransactionData.fromXdr(raw.transactionData as string, "base64");
    expect(String(data.resourceFee)).toBe(raw.minResourceFee);
    const ro = data.resources.footprint.readOnly.map((k) => k.toXdr("base64"));
    expect(ro).toContain(instanceKey(sn.contractId).toXdr("base64"));
    expect(ro).toContain(contractDataKey(sn.contractId, tokenInfoKey(t.tokenAddress)).toXdr("base64"));
    expect(data.resources.footprint.readWrite).toEqual([]);
    // fn_call / fn_return diagnostics as the host emits them
    const events = (raw.events ?? []).map((e) => xdr.DiagnosticEvent.fromXdr(e, "base64"));
    expect(events.map((e) => scValToNative(e.event.body.v0.topics[0] as xdr.ScVal))).toEqual(["fn_call", "fn_return"]);
    // and the SDK parses it as a success
    const sim = await server.simulateTransaction(tx);
    expect(rpc.Api.isSimulationSuccess(sim)).toBe(true);
  });

  it("failures are an `error` string in a normal result, not JSON-RPC errors", async () => {
    const cases: Array<[string, string, xdr.ScVal[], RegExp]> = [
      [sn.contractId, "no_such_fn", [], /Error\(WasmVm, MissingValue\)/],
      [sn.contractId, "get_token_info", [], /MismatchingParameterLen/],
      [sn.contractId, "get_token_info", [nativeToScVal(5, { type: "u32" })], /Error\(Value, UnexpectedType\)/],
      [sn.contractId, "get_price", [addrVal(StrKey.encodeContract(Buffer.alloc(32, 3)))], /Error\(Contract, #3\)/],
      [StrKey.encodeContract(Buffer.alloc(32, 4)), "get_token_count", [], /Error\(Storage, MissingValue\)/],
    ];
    for (const [contract, fn, args, pattern] of cases) {
      const raw = await server._simulateTransaction(readTx(contract, fn, args, sn.networkPassphrase));
      expect(schemaErrors("simulateTransaction", raw)).toEqual([]);
      expect(raw.error).toMatch(pattern);
      expect(raw.results).toBeUndefined();
      expect(raw.transactionData).toBeUndefined();
      expect(raw.latestLedger).toBe(sn.chain.latestLedger);
      const sim = await simulate(server, contract, fn, args, sn.networkPassphrase);
      expect(rpc.Api.isSimulationError(sim)).toBe(true);
    }
  });

  it("xdrFormat json renders the same values as the Rust XDR-JSON (as stellar-rpc does)", async () => {
    const t = sn.chain.tokens[2] as SimToken;
    const tx = readTx(sn.contractId, "get_token_info", [addrVal(t.tokenAddress)], sn.networkPassphrase).toXdr();
    const b64 = await rawResult(sn.url, "simulateTransaction", { transaction: tx });
    const json = await rawResult(sn.url, "simulateTransaction", { transaction: tx, xdrFormat: "json" });
    expect(json.results[0].returnValueJson).toEqual(xdrToJson("ScVal", b64.results[0].xdr));
    expect(json.transactionDataJson).toEqual(xdrToJson("SorobanTransactionData", b64.transactionData));
    expect(json.eventsJson).toEqual(b64.events.map((e: string) => xdrToJson("DiagnosticEvent", e)));
    const p = { startLedger: sn.chain.oldestLedger, pagination: { limit: 20 } };
    const ev = await rawResult(sn.url, "getEvents", p);
    const evJson = await rawResult(sn.url, "getEvents", { ...p, xdrFormat: "json" });
    expect(evJson.events.map((e: any) => [e.topicJson, e.valueJson])).toEqual(ev.events.map((e: any) => [e.topic.map((x: string) => xdrToJson("ScVal", x)), xdrToJson("ScVal", e.value)]));
    expect((await rawRpc(sn.url, "getHealth", { xdrFormat: "yaml" })).result).toBeDefined();
    expect((await rawRpc(sn.url, "getEvents", { ...p, xdrFormat: "yaml" })).error.code).toBe(-32602);
  });

  it("garbage transactions and non-invocations are reported like stellar-rpc", async () => {
    const bad = await rawResult(sn.url, "simulateTransaction", { transaction: "AAAA" });
    expect(bad.error).toBe("Could not unmarshal transaction");
    const missing = await rawRpc(sn.url, "simulateTransaction", {});
    expect(missing.error.code).toBe(-32602);
  });

  it("an archived TokenInfo still simulates (auto-restore) and is marked for restoration", async () => {
    const t = sn.chain.tokens[sn.scenario.archivedTokenIds[0] as number] as SimToken;
    expect(sn.chain.isArchived(t)).toBe(true);
    const tx = readTx(sn.contractId, "get_token_info", [addrVal(t.tokenAddress)], sn.networkPassphrase);
    const raw = await server._simulateTransaction(tx);
    expect(raw.error).toBeUndefined();
    expect(raw.results?.[0]?.xdr).toBe(tokenInfoScVal(t).toXdr("base64"));
    const data = xdr.SorobanTransactionData.fromXdr(raw.transactionData as string, "base64");
    const rw = data.resources.footprint.readWrite.map((k) => k.toXdr("base64"));
    expect(rw).toEqual([contractDataKey(sn.contractId, tokenInfoKey(t.tokenAddress)).toXdr("base64")]);
    expect(data.ext.type).toBe("resourceExt");
    if (data.ext.type === "resourceExt") expect(data.ext.resourceExt.archivedSorobanEntries).toEqual([0]);
    expect(raw.restorePreamble).toBeUndefined();
  });
});

describe("getLedgerEntries", () => {
  it("serves TokenInfo, CreatorTokens, AmmPairAddress and the instance's TokenCount", async () => {
    const grad = sn.chain.tokens.find((t) => t.status === "Graduated" && !sn.chain.isArchived(t)) as SimToken;
    const t = sn.chain.tokens[5] as SimToken;
    const keys = [
      contractDataKey(sn.contractId, tokenInfoKey(t.tokenAddress)),
      contractDataKey(sn.contractId, creatorTokensKey(t.creator)),
      contractDataKey(sn.contractId, ammPairKey(grad.tokenAddress)),
      instanceKey(sn.contractId),
    ];
    const raw = await server._getLedgerEntries(...keys);
    expect(schemaErrors("getLedgerEntries", raw)).toEqual([]);
    expect(raw.latestLedger).toBe(sn.chain.latestLedger);
    expect(raw.entries?.map((e) => e.key)).toEqual(keys.map((k) => k.toXdr("base64")));
    const parsed = await server.getLedgerEntries(...keys);
    const [info, creator, amm, inst] = parsed.entries.map((e) => (e.val.type === "contractData" ? e.val.contractData.val : undefined));
    expect(info?.toXdr("base64")).toBe(tokenInfoScVal(t).toXdr("base64"));
    expect(scValToNative(creator as xdr.ScVal)).toEqual(sn.chain.creatorTokens(t.creator).map((x) => x.tokenAddress));
    expect(scValToNative(amm as xdr.ScVal)).toBe(grad.ammPair);
    expect(inst?.type).toBe("scvContractInstance");
    const storage = inst?.type === "scvContractInstance" ? inst.instance.storage ?? [] : [];
    const count = storage.find((e) => JSON.stringify(scValToNative(e.key)) === '["TokenCount"]');
    expect(count?.val.type).toBe("scvU32");
    expect(scValToNative(count?.val as xdr.ScVal)).toBe(sn.chain.tokens.length);
    expect(parsed.entries[0]?.lastModifiedLedgerSeq).toBe(t.lastModifiedLedger);
    expect(parsed.entries[0]?.liveUntilLedgerSeq).toBe(t.liveUntilLedger);
  });

  it("omits missing entries, including other contracts' and unknown tokens", async () => {
    const unknown = StrKey.encodeContract(Buffer.alloc(32, 8));
    const r = await server.getLedgerEntries(
      contractDataKey(sn.contractId, tokenInfoKey(unknown)),
      contractDataKey(unknown, tokenInfoKey((sn.chain.tokens[0] as SimToken).tokenAddress)),
      contractDataKey(sn.contractId, ammPairKey((sn.chain.tokens.find((t) => t.status === "Bonding") as SimToken).tokenAddress)),
    );
    expect(r.entries).toEqual([]);
  });

  it("returns an archived entry with its last value and liveUntilLedgerSeq 0 (protocol 23+)", async () => {
    const t = sn.chain.tokens[sn.scenario.archivedTokenIds[0] as number] as SimToken;
    const raw = await server._getLedgerEntries(contractDataKey(sn.contractId, tokenInfoKey(t.tokenAddress)));
    expect(raw.entries).toHaveLength(1);
    expect(raw.entries?.[0]?.liveUntilLedgerSeq).toBe(0);
    expect(raw.entries?.[0]?.lastModifiedLedgerSeq).toBe(t.lastModifiedLedger);
  });

  it("accepts 200 keys and rejects 201 with -32602; rejects malformed keys", async () => {
    const keys = sn.chain.tokens.slice(0, 200).map((t) => contractDataKey(sn.contractId, tokenInfoKey(t.tokenAddress)).toXdr("base64"));
    while (keys.length < 200) keys.push(instanceKey(sn.contractId).toXdr("base64"));
    const ok = await rawRpc(sn.url, "getLedgerEntries", { keys });
    expect(ok.result.entries.length).toBe(200);
    const tooMany = await rawRpc(sn.url, "getLedgerEntries", { keys: [...keys, keys[0]] });
    expect(tooMany.error.code).toBe(-32602);
    const garbage = await rawRpc(sn.url, "getLedgerEntries", { keys: ["not xdr"] });
    expect(garbage.error.code).toBe(-32602);
  });

  it("xdrFormat json gives keyJson/dataJson in the XDR-JSON form", async () => {
    const key = contractDataKey(sn.contractId, tokenInfoKey((sn.chain.tokens[1] as SimToken).tokenAddress)).toXdr("base64");
    const b64 = await rawResult(sn.url, "getLedgerEntries", { keys: [key] });
    const json = await rawResult(sn.url, "getLedgerEntries", { keys: [key], xdrFormat: "json" });
    expect(json.entries[0].keyJson).toEqual(xdrToJson("LedgerKey", key));
    expect(json.entries[0].dataJson).toEqual(xdrToJson("LedgerEntryData", b64.entries[0].xdr));
  });
});

describe("JSON-RPC framing", () => {
  it("unknown method -32601, bad params -32602, invalid JSON -32700, invalid request -32600", async () => {
    expect((await rawRpc(sn.url, "getTransactionz")).error.code).toBe(-32601);
    expect((await rawRpc(sn.url, "getEvents", [1, 2])).error.code).toBe(-32602);
    const parse: any = await (await fetch(sn.url, { method: "POST", body: "{nope" })).json();
    expect(parse.error.code).toBe(-32700);
    const invalid: any = await (await fetch(sn.url, { method: "POST", body: JSON.stringify({ id: 1, method: 5 }) })).json();
    expect(invalid.error.code).toBe(-32600);
  });

  it("answers batches in order", async () => {
    const res = await fetch(sn.url, {
      method: "POST",
      body: JSON.stringify([
        { jsonrpc: "2.0", id: "a", method: "getHealth" },
        { jsonrpc: "2.0", id: "b", method: "nope" },
      ]),
    });
    const body: any = await res.json();
    expect(body.map((r: any) => r.id)).toEqual(["a", "b"]);
    expect(body[0].result.status).toBe("healthy");
    expect(body[1].error.code).toBe(-32601);
  });

  it("counts requests per method", async () => {
    sn.resetCounters();
    await server.getHealth();
    await server.getHealth();
    await server.getNetwork();
    await rawRpc(sn.url, "bogus");
    expect(sn.counters()).toEqual({ getHealth: 2, getNetwork: 1, bogus: 1 });
  });
});

describe("network reset", () => {
  it("restarts ledgers low; the contract is gone or redeployed empty at a new id", async () => {
    const local = await startSimnet({ scenario: { seed: 3, tokens: 12, creators: 4, hostile: false } });
    try {
      const s = new rpc.Server(local.url, { allowHttp: true });
      const before = local.contractId;
      const beforeLatest = local.chain.latestLedger;
      local.chain.reset();
      const h = await s.getHealth();
      expect(h.latestLedger).toBeLessThan(100);
      expect(h.latestLedger).toBeLessThan(beforeLatest);
      const gone = await simulate(s, before, "get_token_count", [], local.networkPassphrase);
      expect(rpc.Api.isSimulationError(gone) && gone.error).toMatch(/Storage, MissingValue/);
      expect((await s.getLedgerEntries(instanceKey(before))).entries).toEqual([]);

      local.chain.reset({ redeploy: true, networkPassphrase: "Test SDF Network ; September 2015" });
      expect(local.contractId).not.toBe(before);
      expect((await s.getNetwork()).passphrase).toBe("Test SDF Network ; September 2015");
      expect(scValToNative(await call(s, local.contractId, "get_token_count", [], local.networkPassphrase))).toBe(0);
      const t = local.chain.launchToken();
      expect(t.id).toBe(0);
      expect(scValToNative(await call(s, local.contractId, "get_token_count", [], local.networkPassphrase))).toBe(1);
    } finally {
      await local.close();
    }
  });
});

describe("hostile values encode", () => {
  it("i128 near 2^127-1 and u32::MAX survive the round trip", async () => {
    const edge = sn.chain.tokens.find((t) => t.bondingCurve.k === I128_MAX) as SimToken;
    expect(edge).toBeDefined();
    const n = scValToNative(await callFactory("get_token_info", addrVal(edge.tokenAddress)));
    expect(n.bonding_curve.k).toBe(I128_MAX);
    expect(n.holders_count).toBe(4_294_967_295);
    expect(n.status).toEqual(["GraduationFailed"]);
  });
});
