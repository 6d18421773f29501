// `sync-tokens serve` (the real bin) with the dashboard, against the simulator and a database, for the dashboard's
// browser tests and its benchmark: resolves once the server listens and the follower's first pass is done.
import type { Simnet } from "../simnet/index.ts";
import { cliEnv, startCli, type CliResult } from "./cli.ts";
import { http } from "./live.ts";
import { waitFor } from "./wait.ts";

export interface DashboardServer {
  url: string;
  /** What the process printed on stderr so far. */
  stderr(): string;
  /** SIGTERM, then the process's end. */
  close(): Promise<CliResult>;
}

export async function startDashboardServer(options: {
  sim: Simnet;
  /** PostgreSQL when databaseUrl is set, else PGlite in dataDir (a TestDatabase fits). */
  db: { databaseUrl?: string; dataDir: string };
  adminToken: string | null;
  pollIntervalMs: number;
  /** More environment for `serve` (e.g. SYNC_SESSION_IDLE_SECONDS). */
  env?: Record<string, string | undefined>;
}): Promise<DashboardServer> {
  const { sim, db } = options;
  const run = startCli(["serve", "--port", "0", "--poll-interval", String(options.pollIntervalMs)], {
    // No CREATOR_ADDRESS: the dormant creators' tokens stay missing until the dashboard finds them.
    env: cliEnv(sim, db, { CREATOR_ADDRESS: undefined, SYNC_ADMIN_TOKEN: options.adminToken ?? undefined, SYNC_RATE_LIMIT: "0", SYNC_READ_RATE_LIMIT: "0", ...options.env }),
    timeoutMs: 600_000,
  });
  let stderr = "";
  run.child.stderr!.on("data", (d) => (stderr += d));
  const close = async () => {
    if (run.child.exitCode === null) run.child.kill("SIGTERM");
    return run.done;
  };
  try {
    const url = await waitFor("serve to listen", () => /listening on (http:\/\/\S+)/.exec(stderr)?.[1] ?? (run.child.exitCode !== null ? Promise.reject(new Error(stderr)) : undefined), 90_000);
    await waitFor("the follower's first pass", async () => (await http(`${url}/ready`)).status === 200, 90_000);
    return { url, stderr: () => stderr, close };
  } catch (error) {
    await close();
    throw error;
  }
}
