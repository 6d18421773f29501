// Shared pieces of the fidelity tests (test/sync/fidelity-*.test.ts): a simulator and a fresh database per
// test, and the CLI run against them with every dormant creator configured.
import { startSimnet, type Simnet, type SimnetOptions } from "../simnet/index.ts";
import { cliEnv, runCli, type CliResult } from "./cli.ts";
import { createTestDatabase, type Backend, type TestDatabase } from "./databases.ts";

/** Runs `body` with a simulator and a fresh database, both closed afterwards. */
export async function withSimnetAndDatabase(backend: Backend, options: SimnetOptions, body: (sim: Simnet, db: TestDatabase) => Promise<void>): Promise<void> {
  const sim = await startSimnet(options);
  const db = await createTestDatabase(backend);
  try {
    await body(sim, db);
  } finally {
    await sim.close();
    await db.drop();
  }
}

/** `sync-tokens --json ...args` against the simulator and database. */
export function syncJson(sim: Simnet, db: TestDatabase, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(["--json", ...args], { env: cliEnv(sim, db, env) });
}
