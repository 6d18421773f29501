// FactoryReader against a small scripted RPC: which path (entries or simulation) each item takes, batching,
// the concurrency bound, and which failures stay per item. End-to-end coverage comes from the simulator.
import { afterEach, describe, expect, it } from "vitest";
import { Address, Networks, scValToNative, xdr } from "@stellar/stellar-sdk";
import { DecodeError, creatorTokensKey, tokenInfoKey } from "../../src/contract/codec.ts";
import { FactoryReader, SimulationError, UnknownTokenError } from "../../src/contract/factory.ts";
import { RpcClient, RpcError } from "../../src/rpc/client.ts";
import { dataEntries, loadRpcExamples, loadSnapshot, toXdr } from "../support/snapshots.ts";
import { type Reply, type StubRequest, type StubServer, startStub } from "../support/stub-rpc.ts";

const FACTORY = "CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD2KM";
const LATEST = 5_000;

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

/** Distinct addresses for test item `n` (0..65535). */
const token = (n: number) => Address.contract(idBytes(n)).toString();
const creator = (n: number) => Address.account(idBytes(n)).toString();

function idBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(32).fill(9);
  bytes[0] = n & 0xff;
  bytes[1] = n >> 8;
  return bytes;
}

/** A real TokenInfo from the fixtures, re-addressed to `address` (keys stay sorted: only a value changes). */
function tokenInfo(address: string, name = "Token"): xdr.ScVal {
  const [entry] = dataEntries(loadSnapshot("test_launch_token_success"), "TokenInfo");
  const val = xdr.ScVal.fromXdr(toXdr("ScVal", entry!.entry.data.contract_data.val), "base64");
  if (val.type !== "scvMap" || val.map === null) throw new Error("fixture changed");
  return xdr.ScVal.scvMap(
    val.map.map((e) => {
      const field = String(e.key.value);
      if (field === "token_address") return new xdr.ScMapEntry({ key: e.key, val: new Address(address).toScVal() });
      if (field === "name") return new xdr.ScMapEntry({ key: e.key, val: xdr.ScVal.scvString(name) });
      return e;
    }),
  );
}

/** A getLedgerEntries entry as `World.entries` holds it. */
function stored(key: xdr.LedgerKey, val: xdr.ScVal, liveUntil?: number): [string, { xdr: string; liveUntil?: number }] {
  return [key.toXdr("base64"), { xdr: entryData(key, val), ...(liveUntil === undefined ? {} : { liveUntil }) }];
}

function entryData(key: xdr.LedgerKey, val: xdr.ScVal): string {
  if (key.type !== "contractData") throw new Error("not contract data");
  const { contract, key: k, durability } = key.contractData;
  return xdr.LedgerEntryData.contractData(
    new xdr.ContractDataEntry({ ext: xdr.ExtensionPoint.v0(), contract, key: k, durability, val }),
  ).toXdr("base64");
}

interface Call {
  fn: string;
  args: unknown[];
}

function invocation(req: StubRequest): Call {
  const env = xdr.TransactionEnvelope.fromXdr((req.params as { transaction: string }).transaction, "base64");
  if (env.type !== "envelopeTypeTx") throw new Error(env.type);
  const body = env.v1.tx.operations[0]!.body;
  if (body.type !== "invokeHostFunction") throw new Error(body.type);
  const hf = body.invokeHostFunctionOp.hostFunction;
  if (hf.type !== "hostFunctionTypeInvokeContract") throw new Error(hf.type);
  expect(Address.fromScAddress(hf.invokeContract.contractAddress).toString()).toBe(FACTORY);
  return { fn: String(hf.invokeContract.functionName), args: hf.invokeContract.args.map(scValToNative) };
}

interface World {
  /** Entries getLedgerEntries serves, by base64 key, with their liveUntilLedgerSeq. */
  entries: Map<string, { xdr: string; liveUntil?: number }>;
  simulate: (call: Call) => { result: xdr.ScVal } | { error: string };
  delayMs?: number;
}

async function reader(world: World, concurrency = 4) {
  let inFlight = 0;
  let maxInFlight = 0;
  const calls: Call[] = [];
  stub = await startStub(async (req): Promise<Reply> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, world.delayMs ?? 0));
    inFlight--;
    if (req.method === "getLedgerEntries") {
      const keys = (req.params as { keys: string[] }).keys;
      expect(keys.length).toBeLessThanOrEqual(200);
      const found = keys.flatMap((k) => {
        const e = world.entries.get(k);
        if (e === undefined) return [];
        const ttl = e.liveUntil === undefined ? {} : { liveUntilLedgerSeq: e.liveUntil };
        return [{ key: k, xdr: e.xdr, lastModifiedLedgerSeq: 1, ...ttl }];
      });
      return { result: { entries: found, latestLedger: LATEST } };
    }
    if (req.method === "simulateTransaction") {
      const call = invocation(req);
      calls.push(call);
      const out = world.simulate(call);
      return "error" in out
        ? { result: { error: out.error, latestLedger: LATEST } }
        : { result: { results: [{ auth: [], xdr: out.result.toXdr("base64") }], latestLedger: LATEST } };
    }
    return { error: { code: -32601, message: "method not found" } };
  });
  const rpc = new RpcClient({ url: stub.url, retries: 1, minBackoffMs: 5, maxBackoffMs: 5 });
  const factory = new FactoryReader({ rpc, contractId: FACTORY, networkPassphrase: Networks.TESTNET, concurrency });
  return { factory, rpc, calls, maxInFlight: () => maxInFlight };
}

function plainReader(url: string): FactoryReader {
  return new FactoryReader({ rpc: new RpcClient({ url }), contractId: FACTORY, networkPassphrase: Networks.TESTNET });
}

const failedSimulation = loadRpcExamples("Simulations.json").FailedSimulationResult!.value.error as string;

describe("FactoryReader.readTokenInfos", () => {
  it("reads every returned entry directly, archived and expired ones too, and simulates only what is absent or unreadable", async () => {
    const [live, archived, expired, noTtl, missing, unknown, undecodable, rejected] = [1, 2, 3, 4, 5, 6, 7, 8].map(token);
    const entry = (t: string, liveUntil: number | undefined, val = tokenInfo(t, "from entry")) =>
      stored(tokenInfoKey(FACTORY, t), val, liveUntil);
    const world: World = {
      entries: new Map([
        entry(live!, LATEST),
        entry(archived!, 0),
        entry(expired!, LATEST - 1),
        entry(noTtl!, undefined),
        entry(undecodable!, LATEST + 100, xdr.ScVal.scvU32(1)),
        entry(rejected!, LATEST + 100, xdr.ScVal.scvU32(1)),
      ]),
      simulate: ({ fn, args }) => {
        expect(fn).toBe("get_token_info");
        const t = args[0] as string;
        if (t === unknown) return { result: xdr.ScVal.scvVoid() };
        if (t === undecodable) return { result: xdr.ScVal.scvU32(1) };
        if (t === rejected) return { error: failedSimulation };
        return { result: tokenInfo(t, "from simulation") };
      },
    };
    const { factory, calls, rpc } = await reader(world);
    const asked = [live!, archived!, expired!, noTtl!, missing!, unknown!, undecodable!, rejected!];
    const result = await factory.readTokenInfos([...asked, live!, "nope"]);

    expect([...result.keys()]).toEqual([...asked, "nope"]);
    const name = (t: string) => {
      const v = result.get(t);
      return v instanceof Error ? v : v?.name;
    };
    expect(name(live!)).toBe("from entry");
    expect(name(noTtl!)).toBe("from entry");
    expect(name(archived!)).toBe("from entry");
    expect(name(expired!)).toBe("from entry");
    expect(name(missing!)).toBe("from simulation");
    expect(result.get(unknown!)).toEqual(new UnknownTokenError(`${unknown}: token unknown to the factory`));
    expect(result.get(unknown!)).toBeInstanceOf(UnknownTokenError);
    expect(result.get(undecodable!)).toBeInstanceOf(DecodeError);
    expect(result.get(rejected!)).toBeInstanceOf(SimulationError);
    expect((result.get(rejected!) as Error).message).toBe(
      "get_token_info: simulation failed: host invocation failed: HostError: Error(WasmVm, InternalError)",
    );
    expect((result.get("nope") as Error).message).toMatch(/not a G\.\.\. or C\.\.\. address/);

    expect(calls.map((c) => c.args[0]).sort()).toEqual([missing, unknown, undecodable, rejected].sort());
    expect(rpc.requestCounts).toEqual({ getLedgerEntries: 1, simulateTransaction: 4 });
  });

  it("rejects an entry whose token_address is not the token asked for", async () => {
    const [a, b] = [token(1), token(2)];
    const world: World = {
      entries: new Map([stored(tokenInfoKey(FACTORY, a), tokenInfo(b), LATEST)]),
      simulate: () => ({ result: tokenInfo(b) }),
    };
    const { factory } = await reader(world);
    const result = await factory.readTokenInfos([a]);
    expect(result.get(a)).toBeInstanceOf(DecodeError);
    expect((result.get(a) as Error).message).toMatch(/does not match the requested token/);
  });

  it("batches at most 200 keys per request under the concurrency bound", async () => {
    const tokens = Array.from({ length: 450 }, (_, i) => token(i));
    const world: World = {
      entries: new Map(tokens.map((t) => stored(tokenInfoKey(FACTORY, t), tokenInfo(t), LATEST))),
      simulate: () => ({ error: "unexpected" }),
      delayMs: 30,
    };
    const { factory, rpc, maxInFlight } = await reader(world, 2);
    const result = await factory.readTokenInfos(tokens);
    expect([...result.values()].every((v) => !(v instanceof Error))).toBe(true);
    expect(rpc.requestCounts).toEqual({ getLedgerEntries: 3 });
    expect(maxInFlight()).toBe(2);
  });

  it("throws when the RPC keeps failing", async () => {
    stub = await startStub(() => ({ status: 503 }));
    const rpc = new RpcClient({ url: stub.url, retries: 2, minBackoffMs: 1, maxBackoffMs: 1 });
    const factory = new FactoryReader({ rpc, contractId: FACTORY, networkPassphrase: Networks.TESTNET });
    await expect(factory.readTokenInfos([token(1)])).rejects.toBeInstanceOf(RpcError);
    expect(rpc.requestCounts).toEqual({ getLedgerEntries: 3 });
  });
});

describe("FactoryReader creator tokens", () => {
  const list = (n: number) => Array.from({ length: n }, (_, i) => token(1000 + i));
  const paginated = (all: string[]) => (call: Call) => {
    expect(call.fn).toBe("get_creator_tokens_paginated");
    const [, offset, limit] = call.args as [string, number, number];
    return { result: xdr.ScVal.scvVec(all.slice(offset, offset + limit).map((t) => new Address(t).toScVal())) };
  };

  it.each([
    [0, 1],
    [99, 1],
    [100, 2],
    [250, 3],
  ])("pages %i tokens with %i simulations", async (n, pages) => {
    const all = list(n);
    const { factory, calls } = await reader({ entries: new Map(), simulate: paginated(all) });
    expect(await factory.getCreatorTokens(creator(1))).toEqual(all);
    expect(calls.map((c) => c.args[1])).toEqual(Array.from({ length: pages }, (_, i) => i * 100));
  });

  it("stops when the contract ignores the offset", async () => {
    const page = list(100);
    const firstPage = paginated(page)({ fn: "get_creator_tokens_paginated", args: ["", 0, 100] });
    const { factory } = await reader({ entries: new Map(), simulate: () => firstPage });
    await expect(factory.getCreatorTokens(creator(1))).rejects.toThrow(DecodeError);
  });

  it("reads CreatorTokens entries and falls back to pagination for missing ones", async () => {
    const [known, other] = [creator(1), creator(2)];
    const tokens = list(3);
    const vec = xdr.ScVal.scvVec(tokens.map((t) => new Address(t).toScVal()));
    const { factory, rpc } = await reader({
      entries: new Map([stored(creatorTokensKey(FACTORY, known), vec, LATEST + 1)]),
      simulate: paginated(list(2)),
    });
    const result = await factory.readCreatorTokens([known, other]);
    expect(result.get(known)).toEqual(tokens);
    expect(result.get(other)).toEqual(list(2));
    expect(rpc.requestCounts).toEqual({ getLedgerEntries: 1, simulateTransaction: 1 });
  });
});

describe("FactoryReader thin calls", () => {
  it("reads the token count and a single token", async () => {
    const t = token(3);
    const { factory } = await reader({
      entries: new Map(),
      simulate: ({ fn }) => (fn === "get_token_count" ? { result: xdr.ScVal.scvU32(42) } : { result: tokenInfo(t, "single") }),
    });
    expect((await factory.getTokenCount()).count).toBe(42);
    expect((await factory.getTokenInfo(t))?.name).toBe("single");
  });

  it("decodes the real testnet simulation result", async () => {
    const captured = loadRpcExamples("Simulations.json").SuccessfulSimulationResult!.value;
    stub = await startStub(() => ({ result: captured }));
    const factory = plainReader(stub.url);
    const val = await factory.simulate("increment", []);
    expect(val.type === "scvU32" && val.u32).toBe(12);
  });

  it("wraps getHealth and getNetwork", async () => {
    const health = { status: "healthy", latestLedger: 3730763, oldestLedger: 3609804, ledgerRetentionWindow: 120960 };
    stub = await startStub((req) =>
      req.method === "getHealth"
        ? { result: { ...health, latestLedgerCloseTime: "1784671485" } }
        : { result: { passphrase: Networks.TESTNET, protocolVersion: 23 } },
    );
    const factory = plainReader(stub.url);
    const { status: _status, ...window } = health;
    expect(await factory.getHealth()).toEqual(window);
    expect(await factory.getNetworkPassphrase()).toBe(Networks.TESTNET);
  });
});
