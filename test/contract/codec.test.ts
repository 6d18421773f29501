import { describe, expect, it } from "vitest";
import { xdr } from "@stellar/stellar-sdk";
import {
  DecodeError,
  creatorTokensKey,
  decodeAddressVec,
  decodeContractDataEntry,
  decodeFactoryEvent,
  decodeI128,
  decodeOptionTokenInfo,
  decodeTokenInfo,
  decodeU32,
  tokenInfoKey,
} from "../../src/contract/codec.ts";
import type { TokenInfo } from "../../src/contract/types.ts";
import { type XdrJson, dataEntries, loadRpcExamples, loadSnapshot, snapshotNames, toXdr } from "../support/snapshots.ts";

const FACTORY = "CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD2KM";
const TOKEN = "CAAJCMPUTCE2EBT6I5HYM535MONTXBCMRJUFS6CN444YFAV7EO45O3YT";
const ACCOUNT = "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF";

/** Fields of an XDR-JSON `{ map: [...] }` by Symbol name. */
function fieldsOf(json: XdrJson): Record<string, XdrJson> {
  return Object.fromEntries(json.map.map((e: XdrJson) => [e.key.symbol, e.val]));
}

/** What TokenInfo must decode to, read straight off the fixture's JSON (not via the codec). */
function expectedTokenInfo(json: XdrJson): TokenInfo {
  const f = fieldsOf(json);
  const curve = fieldsOf(f.bonding_curve);
  const status = { Bonding: "BONDING", Graduated: "GRADUATED", GraduationFailed: "GRADUATION_FAILED" } as const;
  return {
    id: f.id.u32,
    creator: f.creator.address,
    tokenAddress: f.token_address.address,
    name: f.name.string,
    symbol: f.symbol.string,
    imageUrl: f.image_url.string,
    description: f.description.string,
    createdAt: BigInt(f.created_at.u64),
    status: status[f.status.vec[0].symbol as keyof typeof status],
    bondingCurve: {
      totalSupply: BigInt(curve.total_supply.i128),
      tokensSold: BigInt(curve.tokens_sold.i128),
      tokensRemaining: BigInt(curve.tokens_remaining.i128),
      xlmReserve: BigInt(curve.xlm_reserve.i128),
      k: BigInt(curve.k.i128),
    },
    xlmRaised: BigInt(f.xlm_raised.i128),
    marketCap: BigInt(f.market_cap.i128),
    holdersCount: f.holders_count.u32,
    textRepairs: [],
  };
}

function entryValue(entryJson: XdrJson): xdr.ScVal {
  return decodeContractDataEntry(toXdr("LedgerEntryData", entryJson.data)).value;
}

describe.each(snapshotNames())("fixture %s", (name) => {
  const snapshot = loadSnapshot(name);

  it("decodes every TokenInfo entry to the values in the JSON, under the key we would request", () => {
    const entries = dataEntries(snapshot, "TokenInfo");
    expect(entries.length).toBeGreaterThan(0);
    for (const { key, entry } of entries) {
      const token = key.contract_data.key.vec[1].address as string;
      const b64 = toXdr("LedgerEntryData", entry.data);
      const decoded = decodeContractDataEntry(b64);
      expect(decoded.key.toXdr("base64")).toBe(toXdr("LedgerKey", key));
      expect(tokenInfoKey(FACTORY, token).toXdr("base64")).toBe(toXdr("LedgerKey", key));

      const info = decodeTokenInfo(decoded.value);
      expect(info).toEqual(expectedTokenInfo(entry.data.contract_data.val));
      expect(info.tokenAddress).toBe(token);
      expect(typeof info.bondingCurve.k).toBe("bigint");
      expect(typeof info.createdAt).toBe("bigint");
    }
  });

  it("decodes every CreatorTokens entry in order", () => {
    const entries = dataEntries(snapshot, "CreatorTokens");
    expect(entries.length).toBeGreaterThan(0);
    for (const { key, entry } of entries) {
      const creator = key.contract_data.key.vec[1].address as string;
      expect(creatorTokensKey(FACTORY, creator).toXdr("base64")).toBe(toXdr("LedgerKey", key));
      const expected = entry.data.contract_data.val.vec.map((v: XdrJson) => v.address);
      expect(decodeAddressVec(entryValue(entry))).toEqual(expected);
    }
  });

  it("decodes every event to its topic and token", () => {
    snapshot.events.forEach((event, i) => {
      const body = event.body.v0;
      const raw = {
        id: `0000000001-${i}`,
        ledger: 7,
        contractId: event.contract_id,
        topic: body.topics.map((t: XdrJson) => toXdr("ScVal", t)),
        value: toXdr("ScVal", body.data),
      };
      expect(decodeFactoryEvent(raw)).toEqual({
        id: raw.id,
        ledger: 7,
        topic: body.topics[0].symbol,
        token: fieldsOf(body.data).token.address,
      });
    });
  });
});

describe("fixture coverage", () => {
  it("includes the trade events the sync reacts to", () => {
    const topics = snapshotNames().flatMap((n) => loadSnapshot(n).events.map((e) => e.body.v0.topics[0].symbol));
    expect(new Set(topics)).toEqual(new Set(["tokens_bought", "tokens_bought_detailed", "tokens_sold"]));
  });
});

// ---- TokenInfo edge cases, built from a real entry --------------------------------------------------------

function realTokenInfo(): xdr.ScValMap {
  const [entry] = dataEntries(loadSnapshot("test_buy_tokens_success"), "TokenInfo");
  const val = entryValue(entry!.entry);
  if (val.type !== "scvMap") throw new Error("fixture changed");
  return val;
}

/** The real TokenInfo with one field replaced (or removed, or added), keys kept sorted like the host does. */
function withField(name: string, val: xdr.ScVal | undefined): xdr.ScVal {
  const entries = (realTokenInfo().map ?? []).filter((e) => String(e.key.value) !== name);
  if (val !== undefined) entries.push(new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol(name), val }));
  entries.sort((a, b) => String(a.key.value).localeCompare(String(b.key.value)));
  return xdr.ScVal.scvMap(entries);
}

function i128(v: bigint): xdr.ScVal {
  return xdr.ScVal.scvI128(new xdr.Int128Parts({ hi: v >> 64n, lo: BigInt.asUintN(64, v) }));
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error("expected a DecodeError");
}

describe("decodeTokenInfo", () => {
  it("decodes the buy fixture to concrete values", () => {
    const info = decodeTokenInfo(realTokenInfo());
    expect(info.name).toBe("Test Token");
    expect(info.status).toBe("BONDING");
    expect(info.xlmRaised).toBe(10_000_000_000n);
    expect(info.marketCap).toBe(20_000_000_000n);
    expect(info.bondingCurve.k).toBe(80_000_000_000_000_000_000_000_000n);
    expect(info.bondingCurve.totalSupply).toBe(8_000_000_000_000_000n);
  });

  it("names a missing field", () => {
    expect(decodeError(() => decodeTokenInfo(withField("market_cap", undefined))).message).toBe("market_cap: missing field");
  });

  it("names a missing bonding curve field by its path", () => {
    const curve = xdr.ScVal.scvMap([new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol("k"), val: i128(1n) })]);
    expect(decodeError(() => decodeTokenInfo(withField("bonding_curve", curve))).message).toBe(
      "bonding_curve.total_supply: missing field",
    );
  });

  it("ignores unknown extra fields", () => {
    const info = decodeTokenInfo(withField("zz_future", xdr.ScVal.scvBool(true)));
    expect(info.name).toBe("Test Token");
  });

  it("rejects type mismatches, e.g. a u64 where an i128 belongs", () => {
    const err = decodeError(() => decodeTokenInfo(withField("xlm_raised", xdr.ScVal.scvU64(5n))));
    expect(err.message).toBe("xlm_raised: expected i128, got scvU64");
    expect(decodeError(() => decodeTokenInfo(withField("id", xdr.ScVal.scvI32(1)))).message).toMatch(/^id: expected u32/);
    expect(decodeError(() => decodeTokenInfo(xdr.ScVal.scvVec([]))).message).toMatch(/expected map, got scvVec/);
  });

  it("requires the token address to be a contract", () => {
    const account = xdr.ScVal.fromXdr(toXdr("ScVal", { address: ACCOUNT }), "base64");
    expect(decodeError(() => decodeTokenInfo(withField("token_address", account))).message).toMatch(
      /^token_address: expected contract/,
    );
    expect(decodeTokenInfo(withField("creator", account)).creator).toBe(ACCOUNT);
  });

  it("keeps i128 extremes exact", () => {
    const max = 2n ** 127n - 1n;
    const min = -(2n ** 127n);
    expect(decodeTokenInfo(withField("xlm_raised", i128(max))).xlmRaised).toBe(max);
    expect(decodeTokenInfo(withField("xlm_raised", i128(min))).xlmRaised).toBe(min);
    expect(decodeTokenInfo(withField("xlm_raised", i128(-1n))).xlmRaised).toBe(-1n);
    const fromJson = xdr.ScVal.fromXdr(toXdr("ScVal", { i128: "-170141183460469231731687303715884105728" }), "base64");
    expect(decodeI128(fromJson)).toBe(min);
  });

  it("maps every status variant and names an unknown one", () => {
    const status = (variant: string) => xdr.ScVal.scvVec([xdr.ScVal.scvSymbol(variant)]);
    expect(decodeTokenInfo(withField("status", status("Graduated"))).status).toBe("GRADUATED");
    expect(decodeTokenInfo(withField("status", status("GraduationFailed"))).status).toBe("GRADUATION_FAILED");
    expect(decodeError(() => decodeTokenInfo(withField("status", status("Paused")))).message).toBe(
      'status: unknown status variant "Paused"',
    );
    const bare = withField("status", xdr.ScVal.scvSymbol("Bonding"));
    expect(decodeError(() => decodeTokenInfo(bare)).message).toMatch(/^status: expected vec/);
    expect(decodeError(() => decodeTokenInfo(withField("status", status("toString")))).message).toMatch(/unknown status variant/);
  });

  it("repairs strings PostgreSQL cannot hold and says so", () => {
    const bytes = (b: number[]) => xdr.ScVal.scvString(new Uint8Array(b));
    const info = decodeTokenInfo(
      xdrWith({
        name: bytes([0x41, 0x00, 0x42]), // A NUL B
        symbol: bytes([0x00, 0x00]),
        description: bytes([0x61, 0xff, 0x62]), // invalid UTF-8
        image_url: bytes([0xef, 0xbb, 0xbf, 0x78]), // a BOM is data, not a marker
      }),
    );
    expect(info.name).toBe("AB");
    expect(info.symbol).toBe("");
    expect(info.description).toBe("a\uFFFDb");
    expect(info.imageUrl).toBe("\uFEFFx");
    expect(info.textRepairs).toEqual([
      "name: removed 1 NUL byte",
      "symbol: removed 2 NUL bytes",
      "description: replaced invalid UTF-8",
    ]);
  });

  it("decodes Option<TokenInfo>", () => {
    expect(decodeOptionTokenInfo(xdr.ScVal.scvVoid())).toBeNull();
    expect(decodeOptionTokenInfo(realTokenInfo())?.name).toBe("Test Token");
  });

  it("has strict scalar helpers", () => {
    expect(decodeU32(xdr.ScVal.scvU32(4294967295))).toBe(4294967295);
    expect(() => decodeU32(xdr.ScVal.scvU64(1n))).toThrow(DecodeError);
    expect(() => decodeAddressVec(xdr.ScVal.scvVec([xdr.ScVal.scvU32(1)]))).toThrow("Vec<Address>[0]: expected address");
  });
});

function xdrWith(fields: Record<string, xdr.ScVal>): xdr.ScVal {
  let val: xdr.ScVal = realTokenInfo();
  for (const [name, v] of Object.entries(fields)) {
    const entries = (val as xdr.ScValMap).map ?? [];
    val = xdr.ScVal.scvMap(entries.map((e) => (String(e.key.value) === name ? new xdr.ScMapEntry({ key: e.key, val: v }) : e)));
  }
  return val;
}

// ---- events --------------------------------------------------------------------------------------------------

function rawEvent(topics: XdrJson[], data: XdrJson) {
  return {
    id: "0016010972359577600-0000000001",
    ledger: 3727845,
    contractId: FACTORY,
    topic: topics.map((t) => toXdr("ScVal", t)),
    value: toXdr("ScVal", data),
  };
}

const sym = (s: string) => ({ symbol: s });
const map = (fields: Record<string, XdrJson>) => ({
  map: Object.keys(fields)
    .sort()
    .map((k) => ({ key: sym(k), val: fields[k] })),
});

describe("decodeFactoryEvent", () => {
  const base = { id: "0016010972359577600-0000000001", ledger: 3727845 };

  it("yields token and creator for both launch events", () => {
    const launched = map({
      creator: { address: ACCOUNT },
      name: { string: "Test Token" },
      symbol: { string: "TEST" },
      token: { address: TOKEN },
    });
    expect(decodeFactoryEvent(rawEvent([sym("token_launched")], launched))).toEqual({
      ...base,
      topic: "token_launched",
      token: TOKEN,
      creator: ACCOUNT,
    });
    const detailed = map({
      bonding_curve_supply: { i128: "8000000000000000" },
      creation_fee_paid: { i128: "100000000" },
      creator: { address: FACTORY },
      initial_supply: { i128: "10000000000000000" },
      name: { string: "T" },
      symbol: { string: "T" },
      timestamp: { u64: "1784671886" },
      token: { address: TOKEN },
    });
    expect(decodeFactoryEvent(rawEvent([sym("token_launched_detailed")], detailed))).toEqual({
      ...base,
      topic: "token_launched_detailed",
      token: TOKEN,
      creator: FACTORY,
    });
  });

  it("yields the token of a graduation but no creator", () => {
    const data = map({ token: { address: TOKEN }, xlm_raised: { i128: "100000000000" } });
    expect(decodeFactoryEvent(rawEvent([sym("token_graduated")], data))).toEqual({
      ...base,
      topic: "token_graduated",
      token: TOKEN,
    });
  });

  it("returns topic-only events for liquidity_locked and admin events", () => {
    const locked = map({ amm_pair: { address: FACTORY }, lp_tokens: { i128: "5" } });
    expect(decodeFactoryEvent(rawEvent([sym("liquidity_locked")], locked))).toEqual({ ...base, topic: "liquidity_locked" });
    const role = map({ account: { address: ACCOUNT }, role: { u32: 1 } });
    expect(decodeFactoryEvent(rawEvent([sym("role_granted")], role))).toEqual({ ...base, topic: "role_granted" });
    expect(decodeFactoryEvent(rawEvent([sym("contract_paused")], "void"))).toEqual({ ...base, topic: "contract_paused" });
  });

  it("notices a token in events of unknown topics", () => {
    const data = map({ token: { address: TOKEN } });
    expect(decodeFactoryEvent(rawEvent([sym("token_renamed")], data))).toEqual({ ...base, topic: "token_renamed", token: TOKEN });
  });

  it("drops a malformed token or creator field but keeps the event", () => {
    const data = map({ creator: { u32: 1 }, token: { string: "C..." } });
    expect(decodeFactoryEvent(rawEvent([sym("token_launched")], data))).toEqual({ ...base, topic: "token_launched" });
    const garbage = { ...rawEvent([sym("tokens_sold")], "void"), value: "%%%" };
    expect(decodeFactoryEvent(garbage)).toEqual({ ...base, topic: "tokens_sold" });
  });

  it("returns null for events that are not factory-shaped", () => {
    expect(decodeFactoryEvent(rawEvent([sym("a"), sym("b")], "void"))).toBeNull();
    expect(decodeFactoryEvent(rawEvent([], "void"))).toBeNull();
    expect(decodeFactoryEvent(rawEvent([{ u32: 1 }], "void"))).toBeNull();
    expect(decodeFactoryEvent({ ...rawEvent([sym("x")], "void"), topic: ["not base64!"] })).toBeNull();
    const nul = xdr.ScVal.scvSymbol(new Uint8Array([0x61, 0x00])).toXdr("base64");
    expect(decodeFactoryEvent({ ...rawEvent([sym("x")], "void"), topic: [nul] })).toBeNull();
    expect(decodeFactoryEvent({ ...rawEvent([sym("x")], "void"), ledger: Number.NaN })).toBeNull();
    expect(decodeFactoryEvent(null as never)).toBeNull();
  });

  it("returns null for the real SAC transfer and fee events of the testnet capture", () => {
    const examples = loadRpcExamples("Events.json");
    const events = Object.values(examples).flatMap((ex) => (Array.isArray(ex.value?.events) ? ex.value.events : []));
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(decodeFactoryEvent(event)).toBeNull();
  });
});

// ---- real stellar-rpc getLedgerEntries captures ---------------------------------------------------------------

describe("decodeContractDataEntry on real getLedgerEntries results", () => {
  const examples = loadRpcExamples("LedgerEntries.json");

  it("reads the stored value of a Counter(Address) entry", () => {
    const [entry] = examples.LedgerEntryCounterAddressResult!.value.entries;
    expect(decodeU32(decodeContractDataEntry(entry.xdr).value)).toBe(12);
  });

  it("identifies entries by their own key, so swapped key fields cannot mislead", () => {
    const keys = examples.CombinedLedgerKeys!.value as string[];
    const entries = examples.CombinedLedgerEntryResult!.value.entries as { key: string; xdr: string }[];
    // In this capture each entry's `key` field names the other entry's data.
    expect(entries.map((e) => decodeContractDataEntry(e.xdr).key.toXdr("base64"))).toEqual([keys[1], keys[0]]);
    expect(entries.map((e) => e.key)).toEqual([keys[0], keys[1]]);
  });

  it("rejects entries that are not contract data, or not XDR", () => {
    const code = loadSnapshot("test_launch_token_success").entries.find((e) => e.key.contract_code !== undefined);
    expect(() => decodeContractDataEntry(toXdr("LedgerEntryData", code!.entry.data))).toThrow(
      "LedgerEntryData: expected contractData, got contractCode",
    );
    expect(() => decodeContractDataEntry("%%%")).toThrow(DecodeError);
  });
});
