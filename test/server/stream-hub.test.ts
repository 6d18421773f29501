// The stream's hub against real PostgreSQL: sequence numbers are taken at insert and committed in any order, so
// an event committed while an older one is still in flight must not let the hub pass the older one by. The hub
// waits for the gap, then sends both in order; a gap whose transaction rolled back is passed after gapWaitMs. The
// outbox's writers take a lock before their numbers, so that with them such a gap does not arise at all.
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { migrateOrFail } from "../../src/store/migrate-database.ts";
import { silentLogger } from "../../src/internal/logger.ts";
import { STREAM_TYPES } from "../../src/server/stream/filter.ts";
import { StreamHub, type StreamClient } from "../../src/server/stream/hub.ts";
import { openOutbox } from "../../src/webhooks/outbox.ts";
import { TokenStore } from "../../src/store/token-store.ts";
import { createTestDatabase } from "../support/databases.ts";
import { storeToken } from "../support/store-token.ts";
import { sleep, waitFor } from "../support/wait.ts";

const CONTRACT = "CBXI26OVPB4HPNZMDIBIQ7PJYQ6FIN6MRK24BOXFYCIJVZJ5GTZMSG5O";
const TOKEN = "CCJRCND2DXECNHQOL3DG4IDN3JCLWIECCYFIRARRVXC2RRKZG3MEWKQU";
const INSERT = `INSERT INTO webhook_events (contract_id, token_address, type, data) VALUES ($1, $2, 'token.updated', $3::jsonb) RETURNING id::text AS id`;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

function collector(): StreamClient & { ids: () => string[] } {
  const frames: string[] = [];
  return {
    filter: { types: STREAM_TYPES, token: null },
    closed: false,
    send: (frame) => void frames.push(frame),
    room: async () => {},
    end() {},
    ids: () => frames.flatMap((f) => /^id: (.+)$/m.exec(f)?.[1] ?? []),
  };
}

async function insert(db: Pick<Database, "query">, n: number): Promise<string> {
  const [row] = await db.query<{ id: string }>(INSERT, [CONTRACT, TOKEN, JSON.stringify({ address: TOKEN, n })]);
  return row!.id;
}

describe("StreamHub on PostgreSQL", () => {
  it("waits for an event still in flight below a committed one, then sends both in order; passes a rolled-back gap", async () => {
    const test = await createTestDatabase("postgres");
    const db = await openDatabase({ databaseUrl: test.databaseUrl!, dataDir: test.dataDir });
    cleanups.push(() => test.drop(), () => db.close());
    await migrateOrFail(db);
    await insert(db, 0); // the head the hubs start from

    const patient = new StreamHub({ db: () => db, contractId: CONTRACT, logger: silentLogger, pollMs: 20, gapWaitMs: 600_000 });
    cleanups.push(() => patient.close());
    const a = collector();
    patient.start();
    await patient.add(a, null);

    // An event inserted in a transaction left open, then a later one committed.
    const inFlight = await db.openSession();
    await inFlight.exec("BEGIN");
    const older = await insert(inFlight, 1);
    const newer = await insert(db, 2);
    await sleep(500); // 25 polls
    expect(a.ids()).toEqual([]);
    await inFlight.exec("COMMIT");
    await waitFor("both events", () => a.ids().length === 2);
    expect(a.ids()).toEqual([older, newer]);

    // A rolled-back insert leaves a gap for good: a hub that waits 300 ms for it passes it.
    const hasty = new StreamHub({ db: () => db, contractId: CONTRACT, logger: silentLogger, pollMs: 20, gapWaitMs: 300 });
    cleanups.push(() => hasty.close());
    const b = collector();
    hasty.start();
    await hasty.add(b, null);
    await inFlight.exec("BEGIN");
    await insert(inFlight, 3);
    await inFlight.exec("ROLLBACK");
    await inFlight.release();
    const after = await insert(db, 4);
    await waitFor("the event after the rolled-back one", () => b.ids().includes(after), 10_000);
    expect(b.ids()).toEqual([after]);
  }, 120_000);

  it("the outbox's writers commit in seq order: a batch with events waits for a writer in flight; one without does not", async () => {
    const test = await createTestDatabase("postgres");
    const db = await openDatabase({ databaseUrl: test.databaseUrl!, dataDir: test.dataDir });
    cleanups.push(() => test.drop(), () => db.close());
    await migrateOrFail(db);
    const recorder = await openOutbox(db, CONTRACT, { urls: [], events: [], notifyInitial: false }, silentLogger);
    const store = new TokenStore(db, CONTRACT, undefined, recorder);
    const cursor = { networkPassphrase: "p", lastLedger: 100, lastLedgerHash: "h" };
    await store.writeBatch({ tokens: [{ info: storeToken(1), discoveredVia: "EVENTS" }], creators: [], ledger: 100, cursor });

    // Another writer in flight: it holds the lock a recording statement takes before its sequence numbers.
    const other = await db.openSession();
    cleanups.push(() => other.release());
    await other.exec("BEGIN");
    await other.query(`SELECT pg_advisory_xact_lock(${0x6f757462}, hashtext($1))`, [CONTRACT]);
    // Rewriting the stored token changes nothing: no event, no lock, no wait.
    await store.writeBatch({ tokens: [{ info: storeToken(1), discoveredVia: "EVENTS" }], creators: [], ledger: 101 });
    let settled = false;
    const launch = store.writeBatch({ tokens: [{ info: storeToken(2), discoveredVia: "EVENTS" }], creators: [], ledger: 102 }).finally(() => (settled = true));
    await sleep(500);
    expect(settled).toBe(false);
    await other.exec("COMMIT");
    expect((await launch).changed).toEqual([storeToken(2).tokenAddress]);
    expect(await test.sql(`SELECT type, token_address FROM webhook_events ORDER BY seq`)).toEqual([{ type: "token.added", token_address: storeToken(2).tokenAddress }]);
  }, 120_000);
});
