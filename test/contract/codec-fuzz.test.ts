// Hostile values must never crash the process: decodeTokenInfo returns a well-typed TokenInfo or throws
// DecodeError, and decodeFactoryEvent returns null or a well-typed FactoryEvent without throwing at all.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Address, xdr } from "@stellar/stellar-sdk";
import { DecodeError, decodeFactoryEvent, decodeTokenInfo } from "../../src/contract/codec.ts";
import type { FactoryEvent, TokenInfo } from "../../src/contract/types.ts";

const U64_MAX = 2n ** 64n - 1n;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const ONE_MB = new Uint8Array(1 << 20).map((_, i) => (i % 97 === 0 ? 0 : i % 251 === 0 ? 0xff : 0x61 + (i % 26)));

// Bytes biased towards what breaks text handling: NUL, lone continuation/lead bytes, overlong and surrogate forms.
const nastyByte = fc.oneof(
  fc.constantFrom(0x00, 0xff, 0xc0, 0xc3, 0x80, 0xbf, 0xed, 0xa0, 0xef, 0xbb, 0xf0, 0xf4),
  fc.integer({ min: 0, max: 255 }),
);
const nastyBytes = fc.oneof(
  { weight: 20, arbitrary: fc.array(nastyByte, { maxLength: 48 }).map((a) => Uint8Array.from(a)) },
  { weight: 1, arbitrary: fc.constant(ONE_MB) },
);
const symbolBytes = fc.oneof(
  fc.constantFrom("token", "creator", "Bonding", "Graduated", "GraduationFailed", "Paused", "", "__proto__", "toString"),
  fc.stringMatching(/^[A-Za-z0-9_]{0,32}$/),
  fc.array(nastyByte, { maxLength: 32 }).map((a) => Uint8Array.from(a)),
);

const bigint128 = fc.oneof(
  fc.constantFrom(0n, -1n, 1n, 2n ** 127n - 1n, -(2n ** 127n), 2n ** 64n, -(2n ** 64n)),
  fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n - 1n }),
);
const i128 = bigint128.map((v) => xdr.ScVal.scvI128(new xdr.Int128Parts({ hi: v >> 64n, lo: BigInt.asUintN(64, v) })));
const u128 = fc
  .bigInt({ min: 0n, max: 2n ** 128n - 1n })
  .map((v) => xdr.ScVal.scvU128(new xdr.Uint128Parts({ hi: v >> 64n, lo: BigInt.asUintN(64, v) })));

const contractAddress = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Address.contract(b).toScVal());
const address = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Address.account(b).toScVal()),
  contractAddress,
  fc.uint8Array({ minLength: 40, maxLength: 40 }).map((b) => Address.muxedAccount(b).toScVal()),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Address.liquidityPool(b).toScVal()),
);

function isAccountOrContract(v: xdr.ScVal): boolean {
  return v.type === "scvAddress" && (v.address.type === "scAddressTypeAccount" || v.address.type === "scAddressTypeContract");
}

const leaf: fc.Arbitrary<xdr.ScVal> = fc.oneof(
  fc.constant(xdr.ScVal.scvVoid()),
  fc.boolean().map((b) => xdr.ScVal.scvBool(b)),
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => xdr.ScVal.scvU32(n)),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((n) => xdr.ScVal.scvI32(n)),
  fc.bigInt({ min: 0n, max: U64_MAX }).map((n) => xdr.ScVal.scvU64(n)),
  fc.bigInt({ min: I64_MIN, max: I64_MAX }).map((n) => xdr.ScVal.scvI64(n)),
  i128,
  u128,
  nastyBytes.map((b) => xdr.ScVal.scvString(b)),
  symbolBytes.map((s) => xdr.ScVal.scvSymbol(s)),
  fc.uint8Array({ maxLength: 40 }).map((b) => xdr.ScVal.scvBytes(b)),
  address,
);

const { scval } = fc.letrec<{ scval: xdr.ScVal }>((tie) => ({
  scval: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.option(fc.array(tie("scval"), { maxLength: 4 }), { nil: null }).map((v) => xdr.ScVal.scvVec(v)),
    fc
      .option(fc.array(fc.tuple(tie("scval"), tie("scval")), { maxLength: 4 }), { nil: null })
      .map((m) => xdr.ScVal.scvMap(m && m.map(([key, val]) => new xdr.ScMapEntry({ key, val })))),
  ),
}));

/** A plausible value for each TokenInfo field, so that decoding gets past the first field often. */
function plausible(field: string): fc.Arbitrary<xdr.ScVal> {
  switch (field) {
    case "id":
    case "holders_count":
      return fc.integer({ min: 0, max: 0xffffffff }).map((n) => xdr.ScVal.scvU32(n));
    case "created_at":
      return fc.bigInt({ min: 0n, max: U64_MAX }).map((n) => xdr.ScVal.scvU64(n));
    case "creator":
      return fc.oneof({ weight: 6, arbitrary: address.filter(isAccountOrContract) }, { weight: 1, arbitrary: address });
    case "token_address":
      return fc.oneof({ weight: 6, arbitrary: contractAddress }, { weight: 1, arbitrary: address });
    case "name":
    case "symbol":
    case "image_url":
    case "description":
      return nastyBytes.map((b) => xdr.ScVal.scvString(b));
    case "status":
      return fc
        .oneof(
          { weight: 6, arbitrary: fc.constantFrom("Bonding", "Graduated", "GraduationFailed") },
          { weight: 1, arbitrary: symbolBytes },
        )
        .map((s) => xdr.ScVal.scvVec([xdr.ScVal.scvSymbol(s)]));
    case "bonding_curve":
      return structOf(["k", "tokens_remaining", "tokens_sold", "total_supply", "xlm_reserve"]);
    default:
      return i128;
  }
}

/** A map over `fields`: each present with a plausible value, a random value, or missing; plus random extras. */
function structOf(fields: string[]): fc.Arbitrary<xdr.ScVal> {
  const entry = (name: string) =>
    fc.oneof(
      { weight: 60, arbitrary: plausible(name).map((val) => [[name, val]] as [string, xdr.ScVal][]) },
      { weight: 1, arbitrary: scval.map((val) => [[name, val]] as [string, xdr.ScVal][]) },
      { weight: 1, arbitrary: fc.constant([] as [string, xdr.ScVal][]) },
      { weight: 1, arbitrary: fc.tuple(plausible(name), scval).map(([a, b]) => [[name, a], [name, b]] as [string, xdr.ScVal][]) },
    );
  return fc
    .tuple(
      fc.tuple(...fields.map(entry)),
      fc.array(fc.tuple(symbolBytes, scval), { maxLength: 3 }),
      fc.array(fc.tuple(scval, scval), { maxLength: 2 }),
    )
    .map(([known, extras, oddKeys]) =>
      xdr.ScVal.scvMap([
        ...known.flat().map(([k, val]) => new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol(k), val })),
        ...extras.map(([k, val]) => new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol(k), val })),
        ...oddKeys.map(([key, val]) => new xdr.ScMapEntry({ key, val })),
      ]),
    );
}

const TOKEN_INFO_FIELDS = [
  "bonding_curve", "created_at", "creator", "description", "holders_count", "id", "image_url",
  "market_cap", "name", "status", "symbol", "token_address", "xlm_raised",
];

const STRKEY = /^[GC][A-Z2-7]{55}$/;

function isCleanText(s: string): boolean {
  return typeof s === "string" && !s.includes("\0") && Buffer.from(s, "utf8").toString("utf8") === s;
}

function assertWellTyped(info: TokenInfo): void {
  expect(Number.isInteger(info.id) && info.id >= 0 && info.id <= 0xffffffff).toBe(true);
  expect(Number.isInteger(info.holdersCount) && info.holdersCount >= 0 && info.holdersCount <= 0xffffffff).toBe(true);
  expect(info.creator).toMatch(STRKEY);
  expect(info.tokenAddress).toMatch(/^C[A-Z2-7]{55}$/);
  for (const s of [info.name, info.symbol, info.imageUrl, info.description]) expect(isCleanText(s)).toBe(true);
  expect(["BONDING", "GRADUATED", "GRADUATION_FAILED"]).toContain(info.status);
  const amounts = [info.createdAt, info.xlmRaised, info.marketCap, ...Object.values(info.bondingCurve)];
  for (const a of amounts) expect(typeof a).toBe("bigint");
  const repair = /^(name|symbol|image_url|description): (removed \d+ NUL bytes?|replaced invalid UTF-8)$/;
  for (const r of info.textRepairs) expect(r).toMatch(repair);
}

function assertWellTypedEvent(e: FactoryEvent, raw: { id: unknown; ledger: unknown }): void {
  expect(e.id).toBe(raw.id);
  expect(e.ledger).toBe(raw.ledger);
  expect(e.topic).toMatch(/^[A-Za-z0-9_]{1,32}$/);
  if (e.token !== undefined) expect(e.token).toMatch(/^C[A-Z2-7]{55}$/);
  if (e.creator !== undefined) expect(e.creator).toMatch(STRKEY);
}

describe("decodeTokenInfo under fuzzing", () => {
  it("returns a well-typed TokenInfo or throws DecodeError for TokenInfo-shaped maps", () => {
    let decoded = 0;
    fc.assert(
      fc.property(structOf(TOKEN_INFO_FIELDS), (val) => {
        try {
          assertWellTyped(decodeTokenInfo(val));
          decoded++;
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
    // The generator must reach the success path too, or the property says little.
    expect(decoded).toBeGreaterThan(50);
  });

  it("throws only DecodeError for arbitrary ScVals", () => {
    fc.assert(
      fc.property(scval, (val) => {
        try {
          assertWellTyped(decodeTokenInfo(val));
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("decodeFactoryEvent under fuzzing", () => {
  const topicSymbols = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        "token_launched",
        "token_launched_detailed",
        "tokens_bought",
        "tokens_sold",
        "token_graduated",
        "liquidity_locked",
      ),
    },
    { weight: 1, arbitrary: symbolBytes },
  );
  const b64 = (v: xdr.ScVal) => v.toXdr("base64");
  // Symbols over 32 bytes cannot be encoded, so they are dropped from what goes on the wire.
  const encodable = scval.filter((v) => {
    try {
      b64(v);
      return true;
    } catch {
      return false;
    }
  });
  const topicB64 = fc.oneof(
    { weight: 6, arbitrary: topicSymbols.map((s) => b64(xdr.ScVal.scvSymbol(s))) },
    { weight: 1, arbitrary: encodable.map(b64) },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.string() },
  );
  const eventData = fc
    .tuple(
      fc.option(
        fc.oneof(
          { weight: 4, arbitrary: contractAddress },
          { weight: 1, arbitrary: address },
          { weight: 1, arbitrary: encodable },
        ),
        { freq: 4 },
      ),
      fc.option(fc.oneof({ weight: 2, arbitrary: address }, { weight: 1, arbitrary: encodable }), { freq: 4 }),
      fc.array(fc.tuple(fc.stringMatching(/^[a-z_]{1,12}$/), encodable), { maxLength: 3 }),
    )
    .map(([token, creator, extras]) => {
      const fields: [string, xdr.ScVal][] = [...extras];
      if (token) fields.push(["token", token]);
      if (creator) fields.push(["creator", creator]);
      return xdr.ScVal.scvMap(fields.map(([k, val]) => new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol(k), val })));
    });
  const valueB64 = fc.oneof(
    { weight: 6, arbitrary: eventData.map(b64) },
    { weight: 2, arbitrary: encodable.map(b64) },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.string() },
  );
  const raw = fc.record({
    id: fc.oneof({ weight: 9, arbitrary: fc.string({ maxLength: 30 }) }, { weight: 1, arbitrary: fc.anything() }),
    ledger: fc.oneof({ weight: 9, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.anything() }),
    contractId: fc.option(fc.string(), { nil: undefined }),
    topic: fc.oneof(
      { weight: 12, arbitrary: topicB64.map((t) => [t]) },
      { weight: 2, arbitrary: fc.array(topicB64, { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.anything() },
    ),
    value: valueB64,
  });

  it("never throws, and returns null or a well-typed FactoryEvent", () => {
    let withToken = 0;
    fc.assert(
      fc.property(raw, (r) => {
        const event = decodeFactoryEvent(r as never);
        if (event === null) return;
        assertWellTypedEvent(event, r);
        if (event.token !== undefined) withToken++;
      }),
      { numRuns: 3000 },
    );
    expect(withToken).toBeGreaterThan(20);
  });

  it("survives a 1 MB string in the data", () => {
    const data = xdr.ScVal.scvMap([
      new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol("name"), val: xdr.ScVal.scvString(ONE_MB) }),
      new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol("token"), val: Address.contract(new Uint8Array(32)).toScVal() }),
    ]);
    const event = decodeFactoryEvent({
      id: "1",
      ledger: 1,
      topic: [xdr.ScVal.scvSymbol("tokens_bought").toXdr("base64")],
      value: data.toXdr("base64"),
    });
    expect(event?.token).toBe(Address.contract(new Uint8Array(32)).toString());
  });
});
