// The store on both backends: migrations apply once and are recorded as Prisma records them;
// token rows round-trip every value exactly; re-writing identical values changes nothing.
import crypto from "node:crypto";
import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { migrate, readMigrations } from "../../src/store/migrate.ts";
import { TokenStore, type TokenWrite } from "../../src/store/token-store.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { storeToken as token } from "../support/store-token.ts";

const CONTRACT = "CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC";

describe.each(backends)("store on %s", (backend) => {
  let t: TestDatabase;
  let db: Database;
  // Plain SQL on the driver's own connection, beside the store under test (PGlite allows one opener).
  const sql = <T,>(text: string) => db.withSession((s) => s.query<T & Record<string, unknown>>(text));

  beforeEach(async () => {
    t = await createTestDatabase(backend);
    db = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
  });
  afterEach(async () => {
    await db.close();
    await t.drop();
  });

  it("applies each migration once and records it as Prisma does", async () => {
    const applied = await db.withSession((s) => migrate(s));
    expect(applied).toEqual(readMigrations().map((m) => m.name));
    expect(await db.withSession((s) => migrate(s))).toEqual([]);
    const rows = await db.withSession((s) =>
      s.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
        `SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations`,
      ),
    );
    const files = readMigrations();
    expect(rows).toHaveLength(files.length);
    for (const file of files) {
      const row = rows.find((r) => r.migration_name === file.name)!;
      const onDisk = fs.readFileSync(`prisma/migrations/${file.name}/migration.sql`);
      expect(row.checksum).toBe(crypto.createHash("sha256").update(onDisk).digest("hex"));
      expect(row.finished_at).not.toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("rolls back a failing migration completely", async () => {
    const bad = [...readMigrations(), { name: "29990101000000_broken", sql: 'CREATE TABLE "x" (a int); SELECT 1/0;', checksum: "0".repeat(64) }];
    await expect(db.withSession((s) => migrate(s, bad))).rejects.toThrow(/29990101000000_broken failed/);
    const tables = await db.withSession((s) =>
      s.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('tokens', 'x', '_prisma_migrations')`),
    );
    expect(tables[0]!.n).toBe(0);
  });

  it("stores every value exactly and skips rows that did not change", async () => {
    await db.withSession((s) => migrate(s));
    const store = new TokenStore(db, CONTRACT);
    const writes: TokenWrite[] = [0, 1, 2].map((id) => ({ info: token(id), discoveredVia: "EVENTS" }));
    const first = await store.writeBatch({
      tokens: writes,
      creators: [{ address: writes[0]!.info.creator, source: "TOKEN", scanned: true }],
      ledger: 100,
      cursor: { networkPassphrase: "p", lastLedger: 100, lastLedgerHash: "c1" },
    });
    expect(first.changed.sort()).toEqual(writes.map((w) => w.info.tokenAddress).sort());

    const rows = await sql<Record<string, string>>(
      `SELECT address, onchain_id::text, total_supply::text, tokens_sold::text, curve_k::text, xlm_raised::text,
              market_cap::text, holders_count::text, created_at::text, name, description, status::text
       FROM tokens ORDER BY onchain_id`,
    );
    rows.forEach((row, i) => {
      const info = writes[i]!.info;
      expect(row).toMatchObject({
        address: info.tokenAddress,
        onchain_id: String(info.id),
        total_supply: info.bondingCurve.totalSupply.toString(),
        curve_k: info.bondingCurve.k.toString(),
        xlm_raised: info.xlmRaised.toString(),
        market_cap: info.marketCap.toString(),
        holders_count: String(info.holdersCount),
        created_at: info.createdAt.toString(),
        name: info.name,
        description: info.description,
        status: "BONDING",
      });
    });
    const columnTypes = await sql<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'tokens' AND column_name IN ('market_cap','curve_k','xlm_raised','created_at')`,
    );
    expect(columnTypes.every((c) => c.data_type === "numeric")).toBe(true);

    const again = await store.writeBatch({ tokens: writes, creators: [], ledger: 101 });
    expect(again.changed).toEqual([]);
    const changedOne = await store.writeBatch({
      tokens: [{ info: token(1, { status: "GRADUATED", xlmRaised: 100_000_000_000n }), discoveredVia: "STORAGE" }],
      creators: [],
      ledger: 102,
    });
    expect(changedOne.changed).toEqual([writes[1]!.info.tokenAddress]);
    const [updated] = await sql<{ status: string; xlm_raised: string; discovered_via: string; last_synced_ledger: string }>(
      `SELECT status::text, xlm_raised::text, discovered_via::text, last_synced_ledger::text FROM tokens WHERE onchain_id = 1`,
    );
    expect(updated).toEqual({ status: "GRADUATED", xlm_raised: "100000000000", discovered_via: "EVENTS", last_synced_ledger: "102" });

    const [creator] = await sql<{ token_count: number; last_scanned_at: Date | null }>(`SELECT token_count, last_scanned_at FROM creators`);
    expect(creator!.token_count).toBe(3);
    expect(creator!.last_scanned_at).not.toBeNull();
    expect(await store.loadState()).toEqual({ networkPassphrase: "p", lastLedger: 100, lastLedgerHash: "c1" });
  });
});
