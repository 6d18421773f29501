// Hostile chain data end to end: the real CLI against the simulator, whose tokens carry NUL bytes, invalid
// UTF-8, 1 MB strings, control characters and terminal escape sequences, bidi overrides, i128/u64/u32 extremes,
// and (through an override of the simulator's TokenInfo encoder, which both getLedgerEntries and
// get_token_info use) TokenInfo maps with unknown enum variants, missing, duplicate, mistyped and extra fields.
// The run must not crash; each well-formed token is stored exactly as the chain has it (what PostgreSQL
// can hold: invalid UTF-8 replaced, NUL removed, escapes kept), each malformed one is reported failed with a
// reason while the others are stored; and nothing from the chain reaches the terminal with its control
// characters intact.
import { Address, xdr } from "@stellar/stellar-sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { I128_MAX, U32_MAX } from "../simnet/curve.ts";
import { startSimnet, type SimToken, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, type CliResult } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { expectedRow, tokenRows } from "../support/expect-rows.ts";
import { RTL_NAMES, SPOOFED_NAMES } from "../support/bidi.ts";

/** Per token address: a rewrite of the TokenInfo ScVal the simulator serves (storage entry and simulation alike). */
const overrides = vi.hoisted(() => new Map<string, (val: import("@stellar/stellar-sdk").xdr.ScVal) => import("@stellar/stellar-sdk").xdr.ScVal>());

vi.mock("../simnet/encode.ts", async (importOriginal) => {
  const mod = await importOriginal<typeof import("../simnet/encode.ts")>();
  return {
    ...mod,
    tokenInfoScVal: (t: Parameters<typeof mod.tokenInfoScVal>[0]) => {
      const val = mod.tokenInfoScVal(t);
      return overrides.get(t.tokenAddress)?.(val) ?? val;
    },
  };
});

const I128_MIN = -(2n ** 127n);
const U64_MAX = 2n ** 64n - 1n;
const MB = 1 << 20;

// ---- ScVal surgery on a TokenInfo map ----

const keyName = (key: xdr.ScVal): string | undefined => (key.type === "scvSymbol" ? Buffer.from(key.sym.bytes).toString("latin1") : undefined);
const entries = (val: xdr.ScVal): xdr.ScMapEntry[] => {
  if (val.type !== "scvMap" || val.map === null) throw new Error("not a map");
  return val.map;
};
const dropField = (name: string) => (val: xdr.ScVal) => xdr.ScVal.scvMap(entries(val).filter((e) => keyName(e.key) !== name));
const setField = (name: string, make: (old: xdr.ScVal) => xdr.ScVal) => (val: xdr.ScVal) =>
  xdr.ScVal.scvMap(entries(val).map((e) => (keyName(e.key) === name ? new xdr.ScMapEntry({ key: e.key, val: make(e.val) }) : e)));
const addEntry = (key: xdr.ScVal, v: xdr.ScVal) => (val: xdr.ScVal) => xdr.ScVal.scvMap([...entries(val), new xdr.ScMapEntry({ key, val: v })]);
const sym = (s: string | Buffer) => xdr.ScVal.scvSymbol(s);

interface Malformed {
  label: string;
  rewrite: (val: xdr.ScVal) => xdr.ScVal;
  /** The token's failure reason. */
  reason: RegExp;
}

// An unknown variant whose name carries an ANSI escape, a C1 CSI and a bidi override: it ends up in the error.
const EVIL_VARIANT = Buffer.from("\x1b[31mFrozen\u009b2J\u202e", "utf8");

const MALFORMED: Malformed[] = [
  { label: "unknown status variant", rewrite: setField("status", () => xdr.ScVal.scvVec([sym("Frozen")])), reason: /status: unknown status variant "Frozen"/ },
  { label: "unknown variant with escapes", rewrite: setField("status", () => xdr.ScVal.scvVec([sym(EVIL_VARIANT)])), reason: /status: unknown status variant/ },
  { label: "variant with a payload", rewrite: setField("status", () => xdr.ScVal.scvVec([sym("Bonding"), xdr.ScVal.scvU32(1)])), reason: /status: expected a unit enum variant/ },
  { label: "status as a bare symbol", rewrite: setField("status", () => sym("Bonding")), reason: /status: expected vec, got scvSymbol/ },
  { label: "missing holders_count", rewrite: dropField("holders_count"), reason: /holders_count: missing field/ },
  { label: "missing name", rewrite: dropField("name"), reason: /name: missing field/ },
  { label: "curve without k", rewrite: setField("bonding_curve", dropField("k")), reason: /bonding_curve\.k: missing field/ },
  { label: "id as u64", rewrite: setField("id", () => xdr.ScVal.scvU64(1n)), reason: /id: expected u32, got scvU64/ },
  { label: "name as a symbol", rewrite: setField("name", () => sym("Sneaky")), reason: /name: expected string, got scvSymbol/ },
  { label: "xlm_raised as u128", rewrite: setField("xlm_raised", () => xdr.ScVal.scvU128(new xdr.Uint128Parts({ hi: 0n, lo: 5n }))), reason: /xlm_raised: expected i128, got scvU128/ },
  { label: "duplicate name", rewrite: addEntry(sym("name"), xdr.ScVal.scvString("second name")), reason: /duplicate field "name"/ },
  { label: "not a map", rewrite: () => xdr.ScVal.scvVec([xdr.ScVal.scvU32(7)]), reason: /expected map, got scvVec/ },
  { label: "another token's address", rewrite: setField("token_address", (old) => old), reason: /does not match the requested token/ },
];

/** Extra fields: a later contract version may add some; the known ones are still stored. */
const EXTRA: { label: string; rewrite: (val: xdr.ScVal) => xdr.ScVal }[] = [
  { label: "extra symbol field", rewrite: addEntry(sym("website"), xdr.ScVal.scvString("\x1b]0;extra\x07https://x")) },
  { label: "extra non-symbol key", rewrite: addEntry(xdr.ScVal.scvU32(99), xdr.ScVal.scvBool(true)) },
];

/** 1 MB of text with escape sequences, C0/C1 controls and multi-byte characters spread through it. */
function megabyte(seed: string): Buffer {
  const chunk = Buffer.from(`${seed} \x1b[31mred\x1b[0m \x1b]0;t\x07 \u009b1m é 🚀 \u202e ${"x".repeat(200)}\n`, "utf8");
  return Buffer.concat(Array.from({ length: Math.ceil(MB / chunk.length) }, () => chunk)).subarray(0, MB);
}

/** Valid TokenInfo whose contents are hostile: stored exactly (as PostgreSQL can hold it). */
const HOSTILE_LAUNCHES: Parameters<Simnet["chain"]["launchToken"]>[0][] = [
  { name: "\x1b[31mRED\x1b[0m Token", symbol: "\x1b[5mBLNK", description: "\x1b[2J\x1b[Hscreen cleared" },
  { name: "\x1b]0;pwned window title\x07Title", symbol: "OSC", imageUrl: "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\" },
  { name: "Ctl\x01\x02\x07\x08\t\n\x0b\x0c\r\x7f end", symbol: "\r\n", description: "\x1bc reset \x1b[?1049h alt screen" },
  { name: "C1 \u0085\u009b31m\u009d0;x\u009c", symbol: "\u009b", description: "\u0090DCS\u009c" },
  { name: "abc\u202edcba\u2066x\u2069\u2028\u2029", symbol: "\u200f", description: "RTL \u202b override \u202c" },
  { name: Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0x00, 0x41, 0xc0, 0xaf]), symbol: Buffer.from([0x00, 0x00]), description: "\u0000\u0000" },
  { name: "One MB description", description: megabyte("desc") },
  { name: megabyte("name"), symbol: "1MBNAME" },
  {
    name: "i128 extremes",
    symbol: "I128",
    bondingCurve: { totalSupply: I128_MAX, tokensSold: I128_MIN, tokensRemaining: -1n, xlmReserve: I128_MIN, k: I128_MAX },
    xlmRaised: I128_MIN,
    marketCap: I128_MAX,
    holdersCount: U32_MAX,
    createdAt: U64_MAX,
  },
  { name: "zeros", symbol: "ZERO", bondingCurve: { totalSupply: 0n, tokensSold: 0n, tokensRemaining: 0n, xlmReserve: 0n, k: 0n }, createdAt: 0n },
  { name: "👩‍👩‍👧‍👦 🏳️‍🌈 e\u0301 \ufeff\ufffe\uffff 𝕏", symbol: "🚀", description: "\ud83d\ude80".repeat(1000) },
];

/** Names that would read as another token's on a terminal that applies bidi, and right-to-left names: how each line shows them. */
const SPOOF_SYMBOL = { symbol: "\u202eDSU", shown: "⟨RLO⟩DSU" };
const DISPLAYED: { name: string; symbol: string; line: string }[] = [
  ...SPOOFED_NAMES.map(({ name, shown }) => ({ name, symbol: SPOOF_SYMBOL.symbol, line: `${shown} (${SPOOF_SYMBOL.shown})` })),
  ...RTL_NAMES.map((name) => ({ name, symbol: "RTL", line: `${name} (RTL)` })),
];

// Characters that must never reach a terminal raw: C0 (but \n), DEL, C1, line/paragraph separators and bidi controls.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function unsafeChars(text: string): string[] {
  return [...text].filter((c) => UNSAFE.test(c)).map((c) => `U+${c.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}

interface Summary {
  failed: { address: string; error: string }[];
  missingIds: number[];
  synced: number;
  unchanged: number;
  warnings: string[];
}

describe.each(backends)("hostile chain data on %s", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;
  const malformed = new Map<string, Malformed>();
  const extra: SimToken[] = [];
  const hostile: SimToken[] = [];
  const displayed = new Map<string, string>();

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 23, tokens: 24, creators: 6, hostile: true } });
    db = await createTestDatabase(backend);
    sim.chain.advance(10);
    for (const launch of HOSTILE_LAUNCHES) hostile.push(sim.chain.launchToken(launch));
    for (const { name, symbol, line } of DISPLAYED) displayed.set(sim.chain.launchToken({ name, symbol }).tokenAddress, line);
    for (const m of MALFORMED) {
      const t = sim.chain.launchToken({ name: `malformed: ${m.label}` });
      malformed.set(t.tokenAddress, m);
    }
    for (const e of EXTRA) {
      const t = sim.chain.launchToken({ name: `with ${e.label}` });
      overrides.set(t.tokenAddress, e.rewrite);
      extra.push(t);
    }
    // "another token's address": the entry names the previous token, as if stored under the wrong key.
    const addresses = [...malformed.keys()];
    addresses.forEach((address, i) => {
      const m = malformed.get(address)!;
      const other = i > 0 ? addresses[i - 1]! : hostile[0]!.tokenAddress;
      overrides.set(
        address,
        m.label === "another token's address" ? setField("token_address", () => new Address(other).toScVal()) : m.rewrite,
      );
    });
    sim.chain.advance(5);
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  const sync = (args: string[]): Promise<CliResult> =>
    runCli(args, {
      env: cliEnv(sim, db),
      timeoutMs: 180_000,
    });

  const expectedRows = () =>
    [...sim.chain.tokens]
      .filter((t) => !malformed.has(t.tokenAddress))
      .sort((a, b) => a.id - b.id)
      .map((t) => expectedRow(t, sim.contractId));

  it("in text mode: stores every well-formed token exactly, fails each malformed one with its reason, and prints no control character", async () => {
    const r = await sync(["--verbose"]);
    expect(r.code, r.stderr.slice(0, 2000)).toBe(2);
    expect(unsafeChars(r.stdout), "stdout").toEqual([]);
    expect(unsafeChars(r.stderr), "stderr").toEqual([]);
    expect(r.stdout).not.toContain("\x1b");

    // Every well-formed token, hostile or not, is stored as the chain has it; malformed ones are not stored.
    const rows = await tokenRows(db);
    const expected = expectedRows();
    expect(rows.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      // Compare row by row: a diff of 1 MB strings is unreadable.
      const { name, description, ...rest } = rows[i]!;
      const { name: eName, description: eDescription, ...eRest } = expected[i]!;
      expect(rest).toEqual(eRest);
      expect(name === eName, `name of ${eRest.address}`).toBe(true);
      expect(description === eDescription, `description of ${eRest.address}`).toBe(true);
    }
    const byAddress = new Map(rows.map((row) => [row.address, row]));
    const edge = byAddress.get(hostile[8]!.tokenAddress)!;
    expect(edge).toMatchObject({
      total_supply: I128_MAX.toString(),
      tokens_sold: I128_MIN.toString(),
      xlm_reserve: I128_MIN.toString(),
      xlm_raised: I128_MIN.toString(),
      holders_count: String(U32_MAX),
      created_at: U64_MAX.toString(),
    });
    expect(byAddress.get(hostile[0]!.tokenAddress)!.name).toBe("\x1b[31mRED\x1b[0m Token");
    expect(byAddress.get(hostile[6]!.tokenAddress)?.description?.length).toBeGreaterThan(MB / 2);

    // Each malformed token is listed as failed, with its reason, on one line of its own.
    const lines = r.stdout.split("\n");
    for (const [address, m] of malformed) {
      const line = lines.find((l) => l.includes(address));
      expect(line, m.label).toBeDefined();
      expect(line, m.label).toMatch(/✗ failed/);
      expect(line!, m.label).toMatch(m.reason);
    }
    for (const t of [...hostile, ...extra]) {
      const line = lines.find((l) => l.includes(t.tokenAddress));
      expect(line, t.name.slice(0, 40)).toMatch(/✓ new/);
    }
    // Bidi, C0 and C1 controls are shown by name in logical order, as the dashboard shows them; Arabic and Hebrew as they are.
    for (const [address, shown] of displayed) {
      const line = lines.find((l) => l.includes(address));
      expect(line, shown).toContain(`${address}  ${shown}  by `);
    }
    expect(r.stdout).toMatch(new RegExp(`Summary: \\d+ successful .*, ${malformed.size} failed`));
  });

  it("with --json --full: the failures are listed with their reasons, nothing else fails, the JSON is plain ASCII-safe", async () => {
    const r = await sync(["--json", "--full"]);
    expect(r.code, r.stderr.slice(0, 2000)).toBe(2);
    expect(unsafeChars(r.stdout), "stdout").toEqual([]);
    expect(unsafeChars(r.stderr), "stderr").toEqual([]);
    const s = JSON.parse(r.stdout) as Summary;
    expect(new Set(s.failed.map((f) => f.address))).toEqual(new Set(malformed.keys()));
    for (const f of s.failed) expect(f.error, malformed.get(f.address)!.label).toMatch(malformed.get(f.address)!.reason);
    // The failed tokens' ids are the only ones missing.
    const failedIds = sim.chain.tokens.filter((t) => malformed.has(t.tokenAddress)).map((t) => t.id);
    expect(s.missingIds).toEqual(failedIds);
    expect(s.synced).toBe(0);
    expect(await tokenRows(db)).toHaveLength(expectedRows().length);
    const runs = await db.sql<{ outcome: string; failed: number; error: string | null }>(`SELECT outcome::text, failed, error FROM sync_runs ORDER BY id`);
    expect(runs).toEqual([
      { outcome: "PARTIAL", failed: malformed.size, error: null },
      { outcome: "PARTIAL", failed: malformed.size, error: null },
    ]);
  });
});
