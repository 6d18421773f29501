// The direct XDR decoding (src/contract/direct-decode.ts over xdr-reader.ts) against the SDK path in codec.ts,
// its reference: on everything the simulator and the contract's own snapshots produce, and on seeded mutations
// of it, the direct path gives exactly the SDK path's result or defers to it; it never gives another value and
// never throws.
import { Address, StrKey, xdr } from "@stellar/stellar-sdk";
import { describe, expect, it } from "vitest";
import { addressText } from "../../src/contract/address-text.ts";
import {
  DecodeError,
  creatorTokensKey,
  decodeAddressVec,
  decodeContractDataEntry,
  decodeFactoryEvent,
  decodeFactoryEventWithSdk,
  decodeTokenInfo,
  tokenInfoKey,
} from "../../src/contract/codec.ts";
import { LAUNCH_TOPICS } from "../../src/contract/decode-rules.ts";
import { DEFER, eventFields, readAddressVec, readTokenInfo } from "../../src/contract/direct-decode.ts";
import { EntryKeys } from "../../src/contract/entry-keys.ts";
import { SC_ADDRESS, SCV, XdrReader } from "../../src/contract/xdr-reader.ts";
import type { FactoryEvent } from "../../src/contract/types.ts";
import type { SimChain } from "../simnet/chain.ts";
import { contractDataEntry, tokenInfoKey as simTokenInfoKey, tokenInfoScVal } from "../simnet/encode.ts";
import { Rng } from "../simnet/rng.ts";
import { buildScenario } from "../simnet/scenario.ts";
import { readFactoryEntry } from "../simnet/storage.ts";
import { type XdrJson, dataEntries, loadSnapshot, snapshotNames, toXdr } from "../support/snapshots.ts";

type RawEvent = { id: string; ledger: number; topic: string[]; value: string };
type Outcome<V> = { value: V } | { error: DecodeError };

// ---- the two paths ------------------------------------------------------------------------------------------

/** The SDK path's outcome; anything but DecodeError fails the test. */
function reference<V>(decode: () => V): Outcome<V> {
  try {
    return { value: decode() };
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return { error: e as DecodeError };
  }
}

const sdkTokenInfo = (entry: string) => reference(() => decodeTokenInfo(decodeContractDataEntry(entry).value));
const sdkAddressVec = (entry: string) => reference(() => decodeAddressVec(decodeContractDataEntry(entry).value, "CreatorTokens"));

/** The direct path on an entry: its value, DEFER, or "unmatched" when its key is not one of `keys`' layout. */
function direct<V>(keys: EntryKeys, entry: string, read: (r: XdrReader) => V | typeof DEFER): V | typeof DEFER | "unmatched" {
  const match = keys.match(entry);
  return match === undefined ? "unmatched" : read(match.reader);
}

const tally = { direct: 0, deferred: 0, unmatched: 0 };

/**
 * The direct path places the entry under the key the SDK reads from it, and gives the reference's value or
 * defers (only where `mayDefer`). An entry it cannot place goes to the SDK path whole (FactoryReader).
 */
function expectEntry<V>(keys: EntryKeys, entry: string, read: (r: XdrReader) => V | typeof DEFER, ref: Outcome<V>, mayDefer: boolean): void {
  const match = keys.match(entry);
  if (match === undefined) {
    tally.unmatched++;
    expect(mayDefer, "a well-formed entry was not placed").toBe(true);
    return;
  }
  const sdkKey = sdkKeyOf(entry);
  if (sdkKey !== undefined) {
    const item = (sdkKey.contractData.key as xdr.ScValVec).vec![1] as xdr.ScValAddress;
    const address = Address.fromScAddress(item.address).toString();
    expect(keys.key(address)).toEqual({ kind: match.kind, key: match.key, xdr: sdkKey.toXdr("base64") });
  }
  const got = read(match.reader);
  if (got === DEFER) {
    tally.deferred++;
    expect(mayDefer, "the direct path deferred on a well-formed value").toBe(true);
    return;
  }
  tally.direct++;
  expect("value" in ref, `direct path gave a value where the SDK path fails: ${"error" in ref ? ref.error.message : ""}`).toBe(true);
  expect(got).toEqual((ref as { value: V }).value);
}

function sdkKeyOf(entry: string): xdr.LedgerKeyContractDataArm | undefined {
  try {
    return decodeContractDataEntry(entry).key as xdr.LedgerKeyContractDataArm;
  } catch {
    return undefined;
  }
}

function expectEvent(raw: RawEvent, mayDefer: boolean): FactoryEvent | null {
  const ref = decodeFactoryEventWithSdk(raw);
  expect(decodeFactoryEvent(raw)).toEqual(ref);
  if (ref === null) return null;
  const fields = eventFields(raw.value, LAUNCH_TOPICS.has(ref.topic));
  if (fields === DEFER) {
    tally.deferred++;
    expect(mayDefer, `the direct path deferred on a well-formed ${ref.topic} event`).toBe(true);
  } else {
    tally.direct++;
    const { id: _id, ledger: _ledger, topic: _topic, ...refFields } = ref;
    expect(fields).toEqual(refFields);
  }
  return ref;
}

// ---- inputs: the simulator, the snapshots -------------------------------------------------------------------

interface Corpus {
  contractId: string;
  events: RawEvent[];
  tokenInfos: string[];
  creatorTokens: string[];
}

function corpusOf(chain: SimChain): Corpus {
  const events = chain.retainedEvents().map((e) => ({ id: e.id, ledger: e.ledger, topic: e.topicXdr(), value: e.valueXdr() }));
  const tokenInfos = chain.tokens.map((t) => readFactoryEntry(chain, { kind: "TokenInfo", address: t.tokenAddress })!.dataXdr);
  const creatorTokens = chain.creators.map((c) => readFactoryEntry(chain, { kind: "CreatorTokens", address: c })!.dataXdr);
  return { contractId: chain.contractId, events, tokenInfos, creatorTokens };
}

function hostileChain(): SimChain {
  const { chain } = buildScenario({ seed: 3, tokens: 40, creators: 9, denseTrading: { ledgers: 30, tradesPerLedger: 3 } });
  const invalid = Uint8Array.from([0x41, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x00, 0x42]);
  chain.launchToken({ name: invalid, symbol: "N\0L", description: Buffer.alloc(1 << 20, "\u202e\0é\xff", "latin1"), imageUrl: "" });
  chain.launchToken({ creator: chain.creators[0], name: "\ufeffbom", symbol: "🚀", xlmRaised: -(2n ** 127n), marketCap: 2n ** 127n - 1n, holdersCount: 0xffffffff });
  chain.emitForeignEvent({ kind: "impostor" });
  chain.emitForeignEvent({ kind: "transfer" });
  for (let i = 0; i < 3; i++) chain.emitAdminEvent();
  return chain;
}

// Each scenario is seeded: the topics its events decode to are known exactly ("(not factory-shaped)": the native
// fee and transfer events, and foreign contracts' events).
const COMMON_TOPICS = ["(not factory-shaped)", "fee_config_updated", "liquidity_locked", "ownership_transferred", "token_graduated", "token_launched", "token_launched_detailed", "tokens_bought", "tokens_bought_detailed", "tokens_sold"];
const scenarios: Array<[string, () => SimChain, string[]]> = [
  ["default scenario", () => buildScenario({ seed: 1 }).chain, [...COMMON_TOPICS, "role_granted"]],
  ["hostile strings, dense trading, graduations", hostileChain, [...COMMON_TOPICS, "contract_paused", "contract_unpaused", "role_revoked"]],
];

describe.each(scenarios)("the simulator's %s", (_name, build, expectedTopics) => {
  const chain = build();
  const corpus = corpusOf(chain);
  const tokenKeys = new EntryKeys(corpus.contractId, tokenInfoKey);
  const creatorKeys = new EntryKeys(corpus.contractId, creatorTokensKey);

  it("decodes every event as the SDK path does, without deferring", () => {
    const topics = new Set<string>();
    for (const raw of corpus.events) topics.add(expectEvent(raw, false)?.topic ?? "(not factory-shaped)");
    expect([...topics].sort()).toEqual([...expectedTopics].sort());
  });

  it("decodes every TokenInfo and CreatorTokens entry as the SDK path does, without deferring", () => {
    expect(chain.tokens.some((t) => t.status === "Graduated")).toBe(true);
    for (const entry of corpus.tokenInfos) expectEntry(tokenKeys, entry, readTokenInfo, sdkTokenInfo(entry), false);
    for (const entry of corpus.creatorTokens) expectEntry(creatorKeys, entry, readAddressVec, sdkAddressVec(entry), false);
  });

  it("builds each entry's key as the SDK does, and places the entry under it", () => {
    for (const t of chain.tokens) {
      const key = tokenKeys.key(t.tokenAddress)!;
      expect(key.xdr).toBe(tokenInfoKey(corpus.contractId, t.tokenAddress).toXdr("base64"));
      expect(tokenKeys.match(readFactoryEntry(chain, { kind: "TokenInfo", address: t.tokenAddress })!.dataXdr)?.key).toBe(key.key);
    }
    for (const c of chain.creators) {
      const key = creatorKeys.key(c)!;
      expect(key.xdr).toBe(creatorTokensKey(corpus.contractId, c).toXdr("base64"));
      expect(creatorKeys.match(readFactoryEntry(chain, { kind: "CreatorTokens", address: c })!.dataXdr)?.key).toBe(key.key);
      // The other kind of entry, or another contract's, is not placed.
      expect(tokenKeys.match(readFactoryEntry(chain, { kind: "CreatorTokens", address: c })!.dataXdr)).toBeUndefined();
    }
  });
});

describe("the contract's own snapshots", () => {
  it("decode identically through both paths, without deferring", () => {
    for (const name of snapshotNames()) {
      const snapshot = loadSnapshot(name);
      snapshot.events.forEach((event: XdrJson, i: number) => {
        const body = event.body.v0;
        expectEvent({ id: `e${i}`, ledger: 7, topic: body.topics.map((t: XdrJson) => toXdr("ScVal", t)), value: toXdr("ScVal", body.data) }, false);
      });
      for (const [tag, read, sdk] of [
        ["TokenInfo", readTokenInfo, sdkTokenInfo],
        ["CreatorTokens", readAddressVec, sdkAddressVec],
      ] as const) {
        for (const { key, entry } of dataEntries(snapshot, tag)) {
          const keys = new EntryKeys(key.contract_data.contract, tag === "TokenInfo" ? tokenInfoKey : creatorTokensKey);
          const b64 = toXdr("LedgerEntryData", entry.data);
          expect(keys.key(key.contract_data.key.vec[1].address)?.xdr).toBe(toXdr("LedgerKey", key));
          expectEntry(keys, b64, read as (r: XdrReader) => unknown, (sdk as (e: string) => Outcome<unknown>)(b64), false);
        }
      }
    }
  });
});

// ---- mutations ----------------------------------------------------------------------------------------------

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const raw = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "base64"));
const scvTypes = Object.values(SCV);

/** One seeded byte-level mutation: truncation, flipped bytes, a changed type tag or length, inserted bytes. */
function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const word = () => 4 * rng.int(0, Math.max(0, (out.length >> 2) - 1));
  switch (rng.int(0, 5)) {
    case 0:
      return out.subarray(0, rng.int(0, out.length - 1));
    case 1:
      for (let n = rng.int(1, 3); n > 0; n--) {
        const at = rng.int(0, out.length - 1);
        out[at] = (out[at] as number) ^ (1 << rng.int(0, 7));
      }
      return out;
    case 2: {
      // A type tag (or any word) set to another ScVal type, an unknown one, or an address arm.
      const at = word();
      new DataView(out.buffer).setInt32(at, rng.pick([...scvTypes, 19, 20, 21, 22, 23, -1, ...Object.values(SC_ADDRESS), 5]));
      return out;
    }
    case 3: {
      // A length or count off by a little or a lot.
      const at = word();
      const view = new DataView(out.buffer);
      view.setUint32(at, rng.pick([view.getUint32(at) + 1, view.getUint32(at) - 1, 0, 0xffffffff, 0x7fffffff]) >>> 0);
      return out;
    }
    case 4: {
      const at = word();
      return Uint8Array.from([...out.subarray(0, at), ...rng.bytes(4 * rng.int(1, 2)), ...out.subarray(at)]);
    }
    default:
      return Uint8Array.from([...out, ...rng.bytes(rng.int(1, 8))]);
  }
}

/** Structural mutations of a struct-shaped ScVal: missing, duplicate, retyped, reordered and extra fields. */
function mutateStruct(rng: Rng, val: xdr.ScVal): xdr.ScVal {
  if (val.type !== "scvMap" || val.map === null) return val;
  const entries = [...val.map];
  const i = rng.int(0, entries.length - 1);
  const entry = entries[i]!;
  const other = rng.pick([
    xdr.ScVal.scvU32(7),
    xdr.ScVal.scvU64(7n),
    xdr.ScVal.scvI32(-7),
    xdr.ScVal.scvVoid(),
    xdr.ScVal.scvBool(true),
    xdr.ScVal.scvString("x"),
    xdr.ScVal.scvSymbol("Graduated"),
    xdr.ScVal.scvVec([xdr.ScVal.scvSymbol(rng.pick(["Bonding", "Paused", "toString"]))]),
    xdr.ScVal.scvVec(null),
    xdr.ScVal.scvMap(null),
    addressVal(SC_ADDRESS.liquidityPool, new Uint8Array(32)),
    addressVal(SC_ADDRESS.account, new Uint8Array(4), rng.bytes(32)),
    xdr.ScVal.scvLedgerKeyContractInstance(),
    entries[rng.int(0, entries.length - 1)]!.val,
  ]);
  switch (rng.int(0, 6)) {
    case 0:
      entries.splice(i, 1);
      break;
    case 1:
      entries.splice(i, 0, entry);
      break;
    case 2:
      entries[i] = new xdr.ScMapEntry({ key: entry.key, val: other });
      break;
    case 3:
      entries.reverse();
      break;
    case 4:
      entries.push(new xdr.ScMapEntry({ key: rng.pick([xdr.ScVal.scvU32(1), other]), val: other }));
      break;
    case 5:
      entries.push(new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol(rng.pick(["zz_future", "zz\u00ff", "\u00ff"])), val: other }));
      break;
    default:
      // Invalid UTF-8 or NUL in a key, and two keys decoding to the same text.
      entries.push(new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol(Buffer.from([0xff])), val: other }));
      entries.push(new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol(Buffer.from([0xfe])), val: other }));
      break;
  }
  return xdr.ScVal.scvMap(entries);
}

/** Base64 the SDK's atob reads and Buffer reads differently, or not at all. */
function mutateText(rng: Rng, text: string): string {
  const at = rng.int(0, text.length);
  switch (rng.int(0, 3)) {
    case 0:
      return text.slice(0, at) + rng.pick([" ", "\n", "*", "=", "-", "_", "é"]) + text.slice(at);
    case 1:
      return text.replace(/=+$/, "");
    case 2:
      return text.replaceAll("+", "-").replaceAll("/", "_");
    default:
      return `${text}=`;
  }
}

const CASES = 20_000;

describe("seeded mutations", () => {
  const chain = hostileChain();
  const corpus = corpusOf(chain);
  // The 1 MB token makes each mutation slow; its bytes are covered above.
  const infos = corpus.tokenInfos.filter((e) => e.length < 100_000);
  const tokenKeys = new EntryKeys(corpus.contractId, tokenInfoKey);
  const creatorKeys = new EntryKeys(corpus.contractId, creatorTokensKey);
  const factoryEvents = corpus.events.filter((e) => decodeFactoryEventWithSdk(e)?.token !== undefined);

  it(`give the SDK path's result or defer to it, over ${CASES} cases`, () => {
    const rng = new Rng(14);
    Object.assign(tally, { direct: 0, deferred: 0, unmatched: 0 });
    for (let n = 0; n < CASES; n++) {
      const kind = rng.int(0, 2);
      const how = rng.int(0, 9);
      if (kind === 0) {
        const event = rng.pick(factoryEvents);
        let value = event.value;
        if (how < 6) value = b64(mutateBytes(rng, raw(value)));
        else if (how < 9) value = mutateStruct(rng, xdr.ScVal.fromXdr(value, "base64")).toXdr("base64");
        else value = mutateText(rng, value);
        expectEvent({ ...event, value }, true);
        continue;
      }
      const [entries, keys, read, sdk] =
        kind === 1 ? ([infos, tokenKeys, readTokenInfo, sdkTokenInfo] as const) : ([corpus.creatorTokens, creatorKeys, readAddressVec, sdkAddressVec] as const);
      let entry = rng.pick(entries);
      if (how < 6) entry = b64(mutateBytes(rng, raw(entry)));
      else if (how < 9) {
        const data = xdr.LedgerEntryData.fromXdr(entry, "base64") as xdr.LedgerEntryDataContractData;
        const cd = data.contractData;
        const val = kind === 1 ? mutateStruct(rng, rng.chance(0.3) && cd.val.type === "scvMap" ? nested(rng, cd.val) : cd.val) : mutateVec(rng, cd.val);
        entry = xdr.LedgerEntryData.contractData(new xdr.ContractDataEntry({ ext: cd.ext, contract: cd.contract, key: cd.key, durability: cd.durability, val })).toXdr("base64");
      } else entry = mutateText(rng, entry);
      expectEntry(keys, entry, read as (r: XdrReader) => unknown, (sdk as (e: string) => Outcome<unknown>)(entry), true);
    }
    // Both ways were taken: mutations that leave a valid value (a flipped byte in a string, an extra field) are
    // decoded directly, and must then equal the SDK path.
    expect(tally.direct).toBeGreaterThan(CASES / 10);
    expect(tally.deferred).toBeGreaterThan(CASES / 10);
  });

  it("every truncation of an entry or event is read without throwing and deferred", () => {
    for (const entry of [infos[0]!, corpus.creatorTokens[0]!]) {
      const bytes = raw(entry);
      for (let n = 0; n < bytes.length; n++) {
        const cut = b64(bytes.subarray(0, n));
        expect(direct(tokenKeys, cut, readTokenInfo)).not.toSatisfy((v) => typeof v === "object");
        expect(direct(creatorKeys, cut, readAddressVec)).not.toSatisfy((v) => Array.isArray(v));
      }
    }
    const value = raw(factoryEvents[0]!.value);
    for (let n = 0; n < value.length; n++) expect(eventFields(b64(value.subarray(0, n)), true)).toBe(DEFER);
  });
});

/** An ScVal address of any arm, from its bytes (the SDK's arm classes want wrapped payloads). */
function addressVal(arm: number, ...parts: Uint8Array[]): xdr.ScVal {
  const head = new DataView(new ArrayBuffer(8));
  head.setInt32(0, SCV.address);
  head.setInt32(4, arm);
  return xdr.ScVal.fromXdr(Buffer.concat([new Uint8Array(head.buffer), ...parts]));
}

/** The bonding curve mutated inside TokenInfo. */
function nested(rng: Rng, info: xdr.ScVal): xdr.ScVal {
  const entries = (info as xdr.ScValMap).map!.map((e) =>
    String(e.key.value) === "bonding_curve" ? new xdr.ScMapEntry({ key: e.key, val: mutateStruct(rng, e.val) }) : e,
  );
  return xdr.ScVal.scvMap(entries);
}

function mutateVec(rng: Rng, val: xdr.ScVal): xdr.ScVal {
  if (val.type !== "scvVec" || val.vec === null) return val;
  const items = [...val.vec];
  const other = rng.pick([
    xdr.ScVal.scvU32(1),
    addressVal(SC_ADDRESS.liquidityPool, new Uint8Array(32)),
    addressVal(SC_ADDRESS.muxedAccount, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 5), rng.bytes(32)),
    xdr.ScVal.scvVec(null),
  ]);
  items.splice(rng.int(0, items.length), rng.int(0, 1), other);
  return rng.chance(0.2) ? xdr.ScVal.scvVec(null) : xdr.ScVal.scvVec(items);
}

// ---- the pieces -----------------------------------------------------------------------------------------------

describe("addressText", () => {
  it("is the SDK's StrKey of any key, at any offset", () => {
    const rng = new Rng(5);
    const edges = [new Uint8Array(32), new Uint8Array(32).fill(0xff)];
    for (let n = 0; n < 3_000; n++) {
      const key = edges[n] ?? rng.bytes(32);
      const bytes = Uint8Array.from([...rng.bytes(n % 5), ...key]);
      expect(addressText("contract", bytes, n % 5)).toBe(StrKey.encodeContract(Buffer.from(key)));
      expect(addressText("account", bytes, n % 5)).toBe(StrKey.encodeEd25519PublicKey(Buffer.from(key)));
    }
  });
});

describe("EntryKeys.key", () => {
  it("accepts exactly the addresses the SDK accepts", () => {
    const keys = new EntryKeys(StrKey.encodeContract(Buffer.alloc(32, 9)), tokenInfoKey);
    const rng = new Rng(8);
    const valid = [StrKey.encodeContract(Buffer.from(rng.bytes(32))), StrKey.encodeEd25519PublicKey(Buffer.from(rng.bytes(32)))];
    const candidates = [
      ...valid,
      ...valid.map((a) => a.toLowerCase()),
      ...valid.map((a) => `${a.slice(0, 55)}${a[55] === "A" ? "B" : "A"}`),
      ...valid.map((a) => a.slice(0, 55)),
      ...valid.map((a) => `${a}A`),
      StrKey.encodeMed25519PublicKey(Buffer.alloc(40, 1)),
      StrKey.encodeSha256Hash(Buffer.alloc(32, 1)),
      "",
      "C",
      "G".repeat(56),
    ];
    for (const a of candidates) {
      const accepted = StrKey.isValidContract(a) || StrKey.isValidEd25519PublicKey(a);
      expect(keys.key(a) !== undefined, a).toBe(accepted);
    }
  });
});

describe("XdrReader", () => {
  it("reads only canonical base64", () => {
    const text = Buffer.from("any bytes!").toString("base64");
    expect(XdrReader.fromBase64(text)?.bytes).toEqual(Buffer.from("any bytes!"));
    for (const bad of [text.slice(0, -1), ` ${text}`, `${text}====`, "A===", "AB*=", "AAAA\nAAA"]) expect(XdrReader.fromBase64(bad)).toBeUndefined();
  });

  it("reads i128 extremes and u64 as the SDK's Int128Parts do", () => {
    for (const v of [0n, -1n, 1n, 2n ** 127n - 1n, -(2n ** 127n), 2n ** 64n, -(2n ** 64n)]) {
      const val = xdr.ScVal.scvI128(new xdr.Int128Parts({ hi: v >> 64n, lo: BigInt.asUintN(64, v) }));
      const r = new XdrReader(val.toXdr());
      expect(r.i32()).toBe(SCV.i128);
      expect(r.i128()).toBe(v);
    }
    const r = new XdrReader(xdr.ScVal.scvU64(2n ** 64n - 1n).toXdr());
    r.i32();
    expect(r.u64()).toBe(2n ** 64n - 1n);
  });

  it("skips every ScVal type it knows and refuses the others", () => {
    const known = [
      xdr.ScVal.scvError(xdr.ScError.sceContract(3)),
      xdr.ScVal.scvError(xdr.ScError.sceAuth(xdr.ScErrorCode.scecInvalidInput)),
      xdr.ScVal.scvTimepoint(1n),
      xdr.ScVal.scvDuration(1n),
      xdr.ScVal.scvU128(new xdr.Uint128Parts({ hi: 1n, lo: 2n })),
      xdr.ScVal.scvU256(new xdr.Uint256Parts({ hiHi: 1n, hiLo: 2n, loHi: 3n, loLo: 4n })),
      xdr.ScVal.scvBytes(Buffer.from([1, 2, 3])),
      addressVal(SC_ADDRESS.claimableBalance, new Uint8Array(4), new Uint8Array(32)),
      addressVal(SC_ADDRESS.muxedAccount, new Uint8Array(8), new Uint8Array(32)),
      addressVal(SC_ADDRESS.liquidityPool, new Uint8Array(32)),
      xdr.ScVal.scvMap([new xdr.ScMapEntry({ key: xdr.ScVal.scvVoid(), val: xdr.ScVal.scvVec([xdr.ScVal.scvBool(false)]) })]),
    ];
    for (const val of known) {
      const r = new XdrReader(val.toXdr());
      r.skipScVal();
      expect(r.remaining).toBe(0);
    }
    const r = new XdrReader(xdr.ScVal.scvLedgerKeyContractInstance().toXdr());
    expect(() => r.skipScVal()).toThrow(DecodeError);
    let deep: xdr.ScVal = xdr.ScVal.scvVoid();
    for (let i = 0; i < 100; i++) deep = xdr.ScVal.scvVec([deep]);
    expect(() => new XdrReader(deep.toXdr()).skipScVal()).toThrow(DecodeError);
  });

  it("takes its enum numbers from the SDK", () => {
    expect(SCV.map).toBe(17);
    expect(SCV.address).toBe(18);
    expect(SC_ADDRESS.contract).toBe(1);
  });
});

// A simulator-encoded entry of a value the chain cannot hold (NUL-only and invalid-only texts) reads the same way.
describe("creator text edge cases", () => {
  it("match the SDK path's repairs", () => {
    const { chain } = buildScenario({ seed: 2, tokens: 3, creators: 2 });
    const keys = new EntryKeys(chain.contractId, tokenInfoKey);
    const t = chain.tokens[0]!;
    for (const bytes of [[0], [0, 0, 0xff], [0xef, 0xbb, 0xbf], [0xf0, 0x9f, 0x9a], [0xc0, 0x80]]) {
      const fields = { ...t, nameBytes: Uint8Array.from(bytes), descriptionBytes: Uint8Array.from(bytes.reverse()) };
      const entry = contractDataEntry(chain.contractId, simTokenInfoKey(t.tokenAddress), tokenInfoScVal(fields)).toXdr("base64");
      expectEntry(keys, entry, readTokenInfo, sdkTokenInfo(entry), false);
    }
  });
});
