// A live process as `sync-tokens serve` assembles it (follower, actions, HTTP server with the dashboard mounted at
// "/"), listening on 127.0.0.1 over real HTTP against the simulator and a real database.
import { startLive, type Live } from "../../src/live/live.ts";
import { silentLogger } from "../../src/runtime/logger.ts";
import { Metrics } from "../../src/runtime/metrics.ts";
import { ShutdownRegistry } from "../../src/runtime/shutdown.ts";
import { dashboardMount } from "../../src/server/dashboard/mount.ts";
import { createServer } from "../../src/server/server.ts";
import type { Simnet } from "../simnet/index.ts";

export interface DashboardServer {
  url: string;
  live: Live;
  close(): Promise<void>;
}

export async function startDashboardServer(options: {
  sim: Simnet;
  /** PostgreSQL when databaseUrl is set, else PGlite in dataDir (a TestDatabase fits). */
  db: { databaseUrl?: string; dataDir: string };
  adminToken: string | null;
  creators?: string[];
  pollIntervalMs?: number;
  refreshMs?: number;
}): Promise<DashboardServer> {
  const { sim, db } = options;
  const shutdown = new ShutdownRegistry(silentLogger, 10_000);
  const common = { logger: silentLogger, metrics: new Metrics(), shutdown };
  try {
    const live = await startLive({
      session: {
        rpcUrl: sim.url,
        networkPassphrase: sim.networkPassphrase,
        contractId: sim.contractId,
        ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir }),
        ...(options.creators ? { creators: options.creators } : {}),
        env: {},
      },
      common,
      mode: "serve",
      pollIntervalMs: options.pollIntervalMs ?? 250,
    });
    const server = createServer({
      common,
      actions: live.actions,
      tokens: { apiToken: null, adminToken: options.adminToken },
      mounts: [dashboardMount({ live, common, adminToken: options.adminToken, ...(options.refreshMs ? { refreshMs: options.refreshMs } : {}) })],
    });
    const { url } = await server.listen({ port: 0, host: "127.0.0.1" });
    return { url, live, close: () => shutdown.shutdown("test over") };
  } catch (error) {
    await shutdown.shutdown("start failed");
    throw error;
  }
}
