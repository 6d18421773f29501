// What webhooks cost: the outbox's share of a full sync, and the delivery rate.
//   1. outbox cost: the full sync of --tokens tokens into an empty database, each in a fresh Node process (as cron
//      starts the CLI), without webhooks and with an endpoint and --notify-initial (every token becomes a
//      token.added event written by the batches' own statements; delivery is left out: --webhook-timeout 0).
//      Medians of --repeat runs each; their ratio is the added cost.
//   2. delivery rate: the dispatcher delivers the events of the last such run to a receiver on 127.0.0.1 that
//      answers 204 at once (in this process, like the dispatcher: both share the machine), deliveries per second.
//   Wall time and the time inside TokenStore.writeBatch (where the outbox's cost is) are both reported.
// Flags: --tokens 10000 --creators 2000 --latency 50 --seed 1 --repeat 3 --concurrency 16 (deliveries in flight)
//        --database-url URL (a server to create databases on; default: a throwaway cluster) --out FILE
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SyncOptions } from "../../src/config/config.ts";
import { openDatabase } from "../../src/store/database.ts";
import { drainOutbox } from "../../src/webhooks/dispatcher.ts";
import { EVENT_TYPES } from "../../src/config/webhooks.ts";
import { newSecret } from "../../src/webhooks/payload.ts";
import { startSimnet } from "../../test/simnet/index.ts";
import { flagText, whole, type BenchFlags } from "./flags.ts";
import { int, ms } from "./format.ts";
import { count, openServer } from "./postgres.ts";
import { simSyncOptions } from "./session.ts";
import { warmSimulator } from "./sim-warm.ts";
import { SyncChild } from "./sync-child.ts";

export const options = {  };

export async function run(bench: BenchFlags): Promise<void> {
  const flags = flagText(bench, { tokens: 10000, creators: 2000, latency: 50, seed: 1, repeat: 3, concurrency: 16 });
  const num = (name: keyof typeof flags) => whole(name, flags[name], 1);
  const log = (line: string) => console.error(`[bench webhooks] ${line}`);

  const server = await openServer(flags["database-url"]);
  const sim = await startSimnet({ scenario: { tokens: num("tokens"), creators: num("creators"), seed: num("seed") }, latencyMs: Number(flags.latency) });
  const secret = newSecret();
  // Answers every delivery at once; counts them.
  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  try {
    log(`database: ${server.label}; ${int(sim.chain.tokens.length)} tokens, ${flags.latency} ms RPC latency`);
    warmSimulator(sim);
    const base = (databaseUrl: string): SyncOptions => simSyncOptions(sim, databaseUrl);
    const runs: Record<"plain" | "webhooks", number[]> = { plain: [], webhooks: [] };
    /** Time inside TokenStore.writeBatch: where the outbox's cost lies, less noisy than wall time on a busy machine. */
    const writes: Record<"plain" | "webhooks", number[]> = { plain: [], webhooks: [] };
    let lastDb = "";
    for (let i = 0; i < num("repeat"); i++) {
      // Alternated, so that a change in the machine's load hits both alike.
      for (const kind of ["plain", "webhooks"] as const) {
        const databaseUrl = await server.createDatabase(`webhooks_${kind}${i}`);
        const options: SyncOptions =
          kind === "plain" ? base(databaseUrl) : { ...base(databaseUrl), webhook: { urls: [url], secret, timeout: 0, notifyInitial: true } };
        const child = await SyncChild.start();
        const { measurement, report } = await child.run(options);
        await child.exit();
        runs[kind].push(measurement.wallMs);
        writes[kind].push(measurement.db.writeBatchMs);
        log(
          `full sync ${kind === "plain" ? "without webhooks" : "with --notify-initial"}: ${ms(measurement.wallMs)}, ` +
            `writes ${ms(measurement.db.writeBatchMs)} (${int(report.synced)} synced)`,
        );
        if (kind === "webhooks") lastDb = databaseUrl;
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const plainMs = median(runs.plain);
    const webhooksMs = median(runs.webhooks);
    const events = await count(lastDb, "SELECT count(*) AS n FROM webhook_events");

    log(`delivering ${int(events)} events, ${flags.concurrency} in flight`);
    const db = await openDatabase({ databaseUrl: lastDb, dataDir: "" });
    const t0 = performance.now();
    const drained = await drainOutbox({
      db,
      logger: { info() {}, warn: (m) => log(m) },
      webhooks: { urls: [url], events: [...EVENT_TYPES], secret },
      concurrency: num("concurrency"),
      timeoutMs: 600_000,
    });
    const deliverMs = performance.now() - t0;
    await db.close();
    const rate = drained.delivered / (deliverMs / 1000);

    const result = {
      at: new Date().toISOString(),
      loadAverage: os.loadavg(),
      tokens: sim.chain.tokens.length,
      latencyMs: Number(flags.latency),
      fullSync: {
        withoutWebhooksMs: runs.plain,
        withNotifyInitialMs: runs.webhooks,
        ratio: webhooksMs / plainMs,
        writeBatchMs: writes,
        writeRatio: median(writes.webhooks) / median(writes.plain),
        events,
      },
      delivery: { delivered: drained.delivered, pending: drained.pending, failed: drained.failed, received, wallMs: deliverMs, perSecond: rate },
    };
    console.log(
      [
        `full sync of ${int(result.tokens)} tokens (median of ${runs.plain.length}, each in a fresh process):`,
        `  without webhooks           ${ms(plainMs)}`,
        `  with --notify-initial      ${ms(webhooksMs)} (${int(events)} events written with the rows)`,
        `  ratio                      ${(webhooksMs / plainMs).toFixed(2)}x`,
        `  time writing batches       ${ms(median(writes.plain))} without, ${ms(median(writes.webhooks))} with webhooks (${result.fullSync.writeRatio.toFixed(2)}x)`,
        `delivery to a local receiver: ${int(drained.delivered)} in ${ms(deliverMs)} = ${Math.round(rate)} deliveries/s (${flags.concurrency} in flight)`,
        `load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
      ].join("\n"),
    );
    const out = flags.out ?? path.join("bench-results", `webhooks-${result.at.replace(/[:.]/g, "-")}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${out}`);
  } finally {
    receiver.close();
    await sim.close();
    await server.close();
  }

}
