// A real `sync-tokens serve --json` child on a free port, and what the replica tests ask of it: its role, its
// output so far, and whether the database is exact against the simulator (judged from the rows and the cursor,
// not from lines the product printed).
import { expect } from "vitest";
import type { Simnet } from "../simnet/index.ts";
import { startCli } from "./cli.ts";
import type { TestDatabase } from "./databases.ts";
import { tokenRows } from "./expect-rows.ts";
import { http, jsonLines } from "./live.ts";
import { truthRows } from "./resilience.ts";
import { waitFor } from "./wait.ts";

export type ServeProcess = Awaited<ReturnType<typeof startServe>>;

/** Starts `serve --json` on a free port; resolves once it listens. `cleanups` gets its SIGKILL. */
export async function startServe(env: Record<string, string | undefined>, cleanups: (() => Promise<void>)[]) {
  // The tests poll the status more often than the default read limit allows one client.
  const run = startCli(["serve", "--json", "--port", "0"], { env: { SYNC_READ_RATE_LIMIT: "0", ...env }, timeoutMs: 600_000 });
  const out = { stdout: "", stderr: "" };
  run.child.stdout!.on("data", (d) => (out.stdout += d));
  run.child.stderr!.on("data", (d) => (out.stderr += d));
  cleanups.push(async () => {
    run.child.kill("SIGCONT");
    run.child.kill("SIGKILL");
  });
  const url = await waitFor("the server to listen", () => /listening on (http:\/\/\S+)/.exec(out.stderr)?.[1], 90_000);
  const status = async () => (await http(`${url}/api/status`, { signal: AbortSignal.timeout(2000) })).json ?? {};
  const role = async () => (await status()).role as string | undefined;
  return { ...run, url, out, status, role, lines: () => jsonLines(out.stdout) };
}

/** The stored cursor, or null. */
export async function storedCursor(db: TestDatabase, contractId: string): Promise<number | null> {
  const [row] = await db.sql<{ last_ledger: string }>(`SELECT last_ledger::text FROM sync_state WHERE contract_id = $1`, [contractId]);
  return row ? Number(row.last_ledger) : null;
}

/**
 * Waits until the cursor reaches the chain's latest ledger (the chain standing still), then checks that every
 * token the chain has is stored exactly as it is: no ledger was missed, whoever followed.
 */
export async function expectExact(db: TestDatabase, sim: Simnet, timeoutMs = 60_000): Promise<void> {
  const latest = sim.chain.latestLedger;
  await waitFor(`the cursor to reach ledger ${latest}`, async () => ((await storedCursor(db, sim.contractId)) ?? 0) >= latest, timeoutMs, 200);
  expect(await tokenRows(db)).toEqual(truthRows(sim));
}
