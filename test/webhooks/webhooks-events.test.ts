// Webhooks end to end through the CLI: what a launch, a trade and a graduation on the simulator announce, that
// nothing else is announced (no-change runs, the first sync, --dry-run), bad settings stopping the run before
// anything is written, and the secret staying out of every output and table. A real receiver on 127.0.0.1
// verifies every signature with its own HMAC-SHA256 (test/support/webhook-receiver.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, type CliResult } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { EMPTY, footprint } from "../support/nothing-written.ts";
import { startReceiver, type Delivery, type Receiver } from "../support/webhook-receiver.ts";
import { camelRow, expectedEvents, snapshot, testSecret } from "../support/webhook-truth.ts";

const GRADUATE = 100_000_000_000n; // the simulator's graduation threshold in stroops: one buy of it graduates
/** A symbol with every kind of bidi control and a C1 control: payloads carry it exactly (only displays show it visibly). */
const BIDI_SYMBOL = "\u202eDSU\u202c\u2067x\u2069\u200f\u061c\u0085";

describe.each(backends)("webhooks through the CLI on %s", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;
  let receiver: Receiver;
  const secret = testSecret();
  const outputs: string[] = [];

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 11, tokens: 30, creators: 8 } });
    db = await createTestDatabase(backend);
    receiver = await startReceiver(secret);
  });
  afterAll(async () => {
    await receiver?.close();
    await sim?.close();
    await db?.drop();
  });

  const env = (extra: Record<string, string | undefined> = {}) =>
    cliEnv(sim, db, { WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: secret, ...extra });
  const cli = async (args: string[], extra: Record<string, string | undefined> = {}): Promise<CliResult> => {
    const r = await runCli(args, { env: env(extra) });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const sync = (args: string[] = [], extra: Record<string, string | undefined> = {}) => cli(["--json", ...args], extra);
  const storedEvents = async () => Number((await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events`))[0]!.n);

  it("the first sync into an empty database announces nothing", async () => {
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).webhooks).toEqual({ delivered: 0, retried: 0, failed: 0, pending: 0, pruned: 0 });
    expect(await storedEvents()).toBe(0);
    expect(receiver.attempts).toEqual([]);
  });

  it("a launch, a trade and a graduation produce exactly the expected events, signed, in order per token", async () => {
    const before = snapshot(sim);
    const bonding = sim.chain.tokens.filter((t) => t.status === "Bonding").sort((a, b) => Number(a.xlmRaised - b.xlmRaised));
    const [traded, graduating] = [bonding[0]!, bonding[1]!]; // the furthest from graduating: a small buy does not
    sim.chain.advance(2);
    // Creator-supplied text too long for a 20 KB body, with characters JSON escapes to 6 bytes.
    const launched = sim.chain.launchToken({ name: "N\u0007".repeat(2000), symbol: BIDI_SYMBOL, description: "dé\u0001".repeat(10_000) });
    sim.chain.buy(traded, 2_000_000_000n);
    sim.chain.buy(graduating, GRADUATE);
    sim.chain.advance(2);
    expect(graduating.status).toBe("Graduated");
    const expected = expectedEvents(before, snapshot(sim));
    expect(expected.map((e) => e.type).sort()).toEqual(["token.added", "token.graduated", "token.updated", "token.updated"]);

    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).webhooks).toMatchObject({ delivered: 4, failed: 0, pending: 0 });
    expect(receiver.rejected).toEqual([]);
    const got = receiver.delivered();
    expect(got.map((d) => ({ type: d.type, address: d.data.address })).sort(byTypeAddress)).toEqual(
      expected.map((e) => ({ type: e.type, address: e.address })),
    );
    const stored = (await db.sql<{ address: string; discovered_via: string; last_synced_ledger: string }>(
      `SELECT address, discovered_via::text, last_synced_ledger::text FROM tokens`,
    )).reduce((m, row) => m.set(row.address, row), new Map<string, { discovered_via: string; last_synced_ledger: string }>());
    for (const e of expected) {
      const d = got.find((x) => x.type === e.type && x.data.address === e.address)!;
      expect(Buffer.byteLength(d.body)).toBeLessThan(20 * 1024);
      expect(d.data.ledger).toBe(stored.get(e.address)!.last_synced_ledger);
      if (e.type === "token.added") {
        const { strategy, ledger: _l, truncated, ...row } = d.data;
        expect(strategy).toBe(stored.get(e.address)!.discovered_via);
        expect(truncated).toEqual(["name", "description"].filter((k) => k in row && row[k] !== e.detail[k]));
        expect(truncated).toContain("description");
        expect(row.symbol).toBe(BIDI_SYMBOL);
        for (const [k, v] of Object.entries(e.detail)) {
          if (truncated.includes(k)) {
            expect(row[k]).toMatch(/…$/);
            expect((v as string).startsWith(row[k].slice(0, -1))).toBe(true);
          } else expect(row[k], k).toBe(v);
        }
        expect(Object.keys(row).sort()).toEqual(Object.keys(e.detail).sort());
      } else if (e.type === "token.updated") {
        expect(d.data.changes).toEqual(e.detail);
      } else {
        expect(d.data).toMatchObject(e.detail);
        expect(d.data.xlmRaised).toBe(camelRow(snapshot(sim).get(e.address)!).xlmRaised);
      }
    }
    // token.graduated comes after the token.updated that carries the status change.
    const ofGraduating = receiver.attempts.filter((a) => a.data.address === graduating.tokenAddress).map((a) => a.type);
    expect(ofGraduating).toEqual(["token.updated", "token.graduated"]);
    expect(new Set(got.map((d) => d.id)).size).toBe(4);
    expect(launched.tokenAddress).toBe(expected.find((e) => e.type === "token.added")!.address);
  });

  it("a run with nothing changed stores and sends nothing; `webhooks list` shows the counts", async () => {
    const [attempts, events] = [receiver.attempts.length, await storedEvents()];
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(receiver.attempts.length).toBe(attempts);
    expect(await storedEvents()).toBe(events);
    const list = await cli(["webhooks", "list", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ url: receiver.url, pending: 0, delivered: events, failed: 0, disabledAt: null }),
    ]);
  });

  it("--dry-run stores and sends nothing; the next run announces the change", async () => {
    const before = snapshot(sim);
    sim.chain.buy(sim.chain.tokens.filter((t) => t.status === "Bonding").sort((a, b) => Number(a.xlmRaised - b.xlmRaised))[0]!, 1_000_000_000n);
    const [attempts, events] = [receiver.attempts.length, await storedEvents()];
    const dry = await sync(["--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(receiver.attempts.length).toBe(attempts);
    expect(await storedEvents()).toBe(events);
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    const expected = expectedEvents(before, snapshot(sim));
    expect(expected.length).toBeGreaterThan(0);
    expect(receiver.attempts.slice(attempts).map((d) => [d.type, d.data.address, d.data.changes])).toEqual(
      expected.map((e) => [e.type, e.address, e.detail]),
    );
  });

  // PostgreSQL only: the embedded database's cold starts make a second database there slow, and the SQL is the same.
  it.runIf(backend === "postgres")("--notify-initial announces every token of a first sync into an empty database", async () => {
    const fresh = await createTestDatabase(backend);
    try {
      const r = await runCli(["--json", "--notify-initial"], { env: { ...env(), DATABASE_URL: fresh.databaseUrl, PGLITE_DATA_DIR: fresh.dataDir } });
      outputs.push(r.stdout, r.stderr);
      expect(r.code, r.stderr).toBe(0);
      const added = receiver.delivered().filter((d) => d.type === "token.added").map((d: Delivery) => d.data.address as string);
      for (const t of sim.chain.tokens) expect(added).toContain(t.tokenAddress);
      const n = await fresh.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE type = 'token.added'`);
      expect(n[0]!.n).toBe(sim.chain.tokens.length);
    } finally {
      await fresh.drop();
    }
  });

  it("the secret appears in no output and no table", async () => {
    const body = secret.slice("whsec_".length);
    for (const text of outputs) {
      expect(text).not.toContain(body);
    }
    const tables = await db.sql<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.map((t) => t.name)).toContain("webhook_deliveries");
    // One statement (the embedded database opens per statement here): every row of every table as text.
    const union = tables.map(({ name }) => `SELECT t::text AS row FROM "${name}" t`).join(" UNION ALL ");
    const [dump] = await db.sql<{ text: string | null; rows: number }>(`SELECT string_agg(row, ' ') AS text, count(*)::int AS rows FROM (${union}) all_rows`);
    expect(dump!.rows).toBeGreaterThan(0);
    expect(dump!.text ?? "").not.toContain(body);
  });
});

describe("bad webhook settings", () => {
  let sim: Simnet;
  let db: TestDatabase;
  let receiver: Receiver;
  const secret = testSecret();
  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 5, tokens: 3, creators: 2 } });
    db = await createTestDatabase("pglite");
    receiver = await startReceiver(secret);
  });
  afterAll(async () => {
    await receiver?.close();
    await sim?.close();
    await db?.drop();
  });

  it("stop the run with one line naming the value, before any request or write", async () => {
    const cases: [Record<string, string | undefined>, string[], RegExp][] = [
      [{ WEBHOOK_URLS: "ftp://127.0.0.1/x" }, [], /webhook URL ftp:\/\/127\.0\.0\.1\/x uses ftp:/],
      [{}, ["--webhook", "not a url"], /webhook URL "not a url" is not a URL/],
      [{ WEBHOOK_SECRET: undefined }, [], /webhooks need a signing secret: set WEBHOOK_SECRET/],
      [{ WEBHOOK_SECRET: "whsec_c2hvcnQ=" }, [], /WEBHOOK_SECRET is not valid/],
      [{ WEBHOOK_SECRET: secret.slice(6) }, [], /WEBHOOK_SECRET is not valid/],
      [{ WEBHOOK_EVENTS: "token.added,token.sold" }, [], /webhook event "token.sold" is unknown/],
      [{ WEBHOOK_TIMEOUT: "soon" }, [], /webhook timeout "soon" is not valid/],
      [{}, ["--webhook-timeout", "soon"], /option '--webhook-timeout <ms>' argument 'soon' is invalid/],
    ];
    for (const [extra, args, message] of cases) {
      const env = cliEnv(sim, { dataDir: db.dataDir }, { CREATOR_ADDRESS: undefined, WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: secret, ...extra });
      const r = await runCli(["--json", ...args], { env });
      expect(r.code, r.stderr).toBe(64);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr + r.stdout).not.toContain(secret.slice(6));
    }
    expect(sim.counters()).toEqual({});
    expect(await footprint(db)).toEqual(EMPTY);
    expect(receiver.attempts).toEqual([]);
  });
});

function byTypeAddress(a: { type: string; address: string }, b: { type: string; address: string }): number {
  return `${a.type}${a.address}`.localeCompare(`${b.type}${b.address}`);
}
