// Property tests for what test/contract/codec-fuzz.test.ts does not cover: that decoding is exact against the
// simulator's independent encoder over the whole value range (any bytes in the texts, 1 MB among them;
// i128/u64/u32 extremes), and that what reaches a terminal (safe(), the text report, the JSON summary)
// never carries a control character, escape sequence or bidi override, whatever the chain held.
import { StrKey } from "@stellar/stellar-sdk";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeContractDataEntry, decodeTokenInfo } from "../../src/contract/codec.ts";
import { safe } from "../../src/internal/text/terminal.ts";
import { toJson, toText } from "../../src/sync/report.ts";
import type { SyncReport } from "../../src/sync/sync.ts";
import { contractDataEntry, tokenInfoKey, tokenInfoScVal, type TokenInfoFields } from "../simnet/encode.ts";
import { storable } from "../support/expect-rows.ts";

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const MB = 1 << 20;
const ONE_MB = Buffer.alloc(MB, "\x1b[31m\u009b\u202e\u0000é\xff", "latin1");

/** Terminal-hostile text: escape sequences, C0/C1 controls, bidi controls, separators, astral characters. */
const hostileText = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          "\x1b[31m", "\x1b[0m", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\", "\x1b[2J", "\x1b[?1049h", "\x1bc", "\x1bP1$r\x1b\\",
          "\u009b31m", "\u009d0;t\u009c", "\u0085", "\r", "\b", "\x7f", "\t", "\n", "\u2028", "\u2029",
          "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u061c", "\ufeff", "🚀", "👩‍👩‍👧‍👦", "e\u0301",
        ),
        fc.string({ maxLength: 5 }),
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join("")),
);

describe("safe()", () => {
  it("never lets a control character, escape sequence or bidi control through, and bounds the length", () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 1, max: 300 }), (text, max) => {
        const out = safe(text, max);
        expect(UNSAFE.test(out)).toBe(false);
        expect([...out].length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 5000 },
    );
  });
});

function report(texts: { name: string; symbol: string; error: string; warning: string }[]): SyncReport {
  const address = (i: number) => StrKey.encodeContract(Buffer.alloc(32, i));
  return {
    contractId: address(255),
    network: "local",
    networkPassphrase: "Standalone Network ; February 2017",
    rpcUrl: "http://127.0.0.1:8000/",
    database: "embedded database at /tmp/x",
    dryRun: false,
    latestLedger: 10,
    partial: true,
    cursor: { from: 1, to: 10 },
    discovered: { events: texts.length, storage: 0, manual: 0, total: texts.length },
    contractTokenCount: texts.length,
    missingIds: [],
    synced: texts.length,
    unchanged: 0,
    failed: texts.map((t, i) => ({ address: address(i), error: t.error })),
    tokensRead: texts.length,
    unscannedCreators: [],
    tokens: texts.flatMap((t, i) => [
      { address: address(i), outcome: "new" as const, name: t.name, symbol: t.symbol, creator: StrKey.encodeEd25519PublicKey(Buffer.alloc(32, i)), status: "BONDING" },
      { address: address(i), outcome: "failed" as const, error: t.error },
    ]),
    warnings: texts.map((t) => t.warning),
    rpcRequests: { getEvents: 1 },
    durationMs: 5,
  };
}

const texts = fc.array(fc.record({ name: hostileText, symbol: hostileText, error: hostileText, warning: hostileText }), { maxLength: 8 });

describe("the report", () => {
  it("as text: no control character but newlines, whatever the names and errors hold", () => {
    fc.assert(
      fc.property(texts, fc.boolean(), (t, verbose) => {
        const out = toText(report(t), { verbose });
        expect(UNSAFE_BUT_NEWLINE.test(out)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("as JSON: the same values when parsed, and no raw control, separator or bidi character in the text", () => {
    fc.assert(
      fc.property(texts, (t) => {
        const r = report(t);
        const out = toJson(r);
        expect(UNSAFE.test(out)).toBe(false);
        const parsed = JSON.parse(out) as { failed: unknown; warnings: unknown };
        expect(parsed.failed).toEqual(r.failed);
        expect(parsed.warnings).toEqual(r.warnings);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- decoding against the simulator's encoder ----

const I128_MIN = -(2n ** 127n);
const I128_MAX = 2n ** 127n - 1n;
const i128 = fc.oneof(fc.constantFrom(I128_MIN, I128_MAX, 0n, -1n, 1n, 2n ** 64n, -(2n ** 64n), 2n ** 63n), fc.bigInt({ min: I128_MIN, max: I128_MAX }));
const u64 = fc.oneof(fc.constantFrom(0n, 2n ** 64n - 1n, 2n ** 63n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const u32 = fc.oneof(fc.constantFrom(0, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const textBytes = fc.oneof(
  { weight: 30, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 30, arbitrary: hostileText.map((s) => Buffer.from(s, "utf8")) },
  { weight: 1, arbitrary: fc.constant(ONE_MB) },
);
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));

const tokenFields: fc.Arbitrary<TokenInfoFields> = fc.record({
  id: u32,
  creator: fc.oneof(key32.map((b) => StrKey.encodeEd25519PublicKey(b)), key32.map((b) => StrKey.encodeContract(b))),
  tokenAddress: key32.map((b) => StrKey.encodeContract(b)),
  nameBytes: textBytes,
  symbolBytes: textBytes,
  imageUrlBytes: textBytes,
  descriptionBytes: textBytes,
  createdAt: u64,
  status: fc.constantFrom("Bonding", "Graduated", "GraduationFailed"),
  bondingCurve: fc.record({ totalSupply: i128, tokensSold: i128, tokensRemaining: i128, xlmReserve: i128, k: i128 }),
  xlmRaised: i128,
  marketCap: i128,
  holdersCount: u32,
});

const STATUS = { Bonding: "BONDING", Graduated: "GRADUATED", GraduationFailed: "GRADUATION_FAILED" } as const;
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe("decodeTokenInfo against the simulator's encoder", () => {
  it("is exact for every field over the whole range, through the ledger-entry XDR", () => {
    const factory = StrKey.encodeContract(Buffer.alloc(32, 7));
    fc.assert(
      fc.property(tokenFields, (t) => {
        const b64 = contractDataEntry(factory, tokenInfoKey(t.tokenAddress), tokenInfoScVal(t)).toXdr("base64");
        const info = decodeTokenInfo(decodeContractDataEntry(b64).value);
        expect(info).toEqual({
          id: t.id,
          creator: t.creator,
          tokenAddress: t.tokenAddress,
          name: storable(t.nameBytes),
          symbol: storable(t.symbolBytes),
          imageUrl: storable(t.imageUrlBytes),
          description: storable(t.descriptionBytes),
          createdAt: t.createdAt,
          status: STATUS[t.status],
          bondingCurve: t.bondingCurve,
          xlmRaised: t.xlmRaised,
          marketCap: t.marketCap,
          holdersCount: t.holdersCount,
          textRepairs: expect.any(Array),
        });
        // A repair is noted exactly when the stored text is not byte for byte what the chain holds.
        const fields = [
          ["name", t.nameBytes],
          ["symbol", t.symbolBytes],
          ["image_url", t.imageUrlBytes],
          ["description", t.descriptionBytes],
        ] as const;
        for (const [name, bytes] of fields) {
          const repaired = info.textRepairs.some((r) => r.startsWith(`${name}:`));
          const exact = isValidUtf8(bytes) && !bytes.includes(0);
          expect(repaired, name).toBe(!exact);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("keeps escape sequences in the stored text (the database holds what the chain has)", () => {
    const val = tokenInfoScVal({
      id: 1,
      creator: StrKey.encodeEd25519PublicKey(Buffer.alloc(32, 1)),
      tokenAddress: StrKey.encodeContract(Buffer.alloc(32, 2)),
      nameBytes: Buffer.from("\x1b[31mred\x1b]0;t\x07\u009b\u202e", "utf8"),
      symbolBytes: Buffer.from("S"),
      imageUrlBytes: Buffer.from(""),
      descriptionBytes: Buffer.from(""),
      createdAt: 0n,
      status: "Bonding",
      bondingCurve: { totalSupply: 0n, tokensSold: 0n, tokensRemaining: 0n, xlmReserve: 0n, k: 0n },
      xlmRaised: 0n,
      marketCap: 0n,
      holdersCount: 0,
    });
    const info = decodeTokenInfo(val);
    expect(info.name).toBe("\x1b[31mred\x1b]0;t\x07\u009b\u202e");
    expect(info.textRepairs).toEqual([]);
  });
});
