// A dispatcher in a process of its own, as a `serve` instance runs one: for test/webhooks/webhooks-concurrency.test.ts.
// Reads DATABASE_URL, WEBHOOK_URLS, WEBHOOK_SECRET and DISPATCHER_CONCURRENCY; prints "ready" once it delivers,
// delivers until SIGTERM, then prints its counts as JSON.
import { openDatabase } from "../../src/store/database.ts";
import { EVENT_TYPES } from "../../src/config/webhooks.ts";
import { startDispatcher } from "../../src/webhooks/dispatcher.ts";

const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL!, dataDir: "" });
const dispatcher = await startDispatcher({
  db,
  logger: { info() {}, warn() {} },
  webhooks: { urls: process.env.WEBHOOK_URLS!.split(","), events: [...EVENT_TYPES], secret: process.env.WEBHOOK_SECRET! },
  retry: { schedule: [20] },
  concurrency: Number(process.env.DISPATCHER_CONCURRENCY ?? 8),
  // The test holds the first answers until both processes have attempts in flight: never cut one meanwhile.
  attemptTimeoutMs: 120_000,
  pollMs: 10,
});
process.stdout.write("ready\n");
process.once("SIGTERM", async () => {
  await dispatcher.stop();
  await db.close();
  process.stdout.write(`${JSON.stringify(dispatcher.counts)}\n`);
  process.exit(0);
});
