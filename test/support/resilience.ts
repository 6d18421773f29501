// Shared pieces of the resilience tests (resilience-*.test.ts in test/sync/, test/rpc/, test/store/): the --json summary, ground truth from the
// simulator, and the database invariants that must hold at any moment, even right after the process was killed.
import type { ChildProcess } from "node:child_process";
import { expect } from "vitest";
import type { Simnet, SimToken } from "../simnet/index.ts";
import type { CliResult } from "./cli.ts";
import type { TestDatabase } from "./databases.ts";
import { expectedRow, tokenRows } from "./expect-rows.ts";
import type { JsonSummary } from "../../src/sync/report.ts";

export type Summary = JsonSummary;

export function summary(r: CliResult): Summary {
  try {
    return JSON.parse(r.stdout) as Summary;
  } catch {
    throw new Error(`no JSON summary on stdout (exit ${r.code}, signal ${r.signal}); stderr:\n${r.stderr}`);
  }
}

export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Every token the chain has now, as rows, in the order tokenRows() returns them. */
export function truthRows(sim: Simnet): Record<string, string>[] {
  return [...sim.chain.tokens].sort((a, b) => a.id - b.id).map((t) => expectedRow(t, sim.contractId));
}

/**
 * Every value each token's row has legitimately had: call `record()` before each change to the chain.
 * A stored row that is none of them was half written (or mixed from two states).
 */
export class RowHistory {
  readonly #versions = new Map<string, Set<string>>();

  constructor(private readonly sim: Simnet) {
    this.record();
  }

  record(): void {
    for (const t of this.sim.chain.tokens) {
      const key = t.tokenAddress;
      if (!this.#versions.has(key)) this.#versions.set(key, new Set());
      this.#versions.get(key)!.add(JSON.stringify(expectedRow(t, this.sim.contractId)));
    }
  }

  isKnown(row: Record<string, string>): boolean {
    return this.#versions.get(row.address!)?.has(JSON.stringify(row)) ?? false;
  }
}

export interface StoredState {
  rows: Record<string, string>[];
  cursor: number | null;
}

/**
 * The invariants of a database the sync may have been killed in the middle of writing:
 * - every stored token row is one the chain really had (nothing half written, no duplicates);
 * - the cursor has not passed an unprocessed event: every token whose last activity lies inside the
 *   RPC's window at or before the stored cursor is stored with its current values;
 * - creators.token_count agrees with the tokens table.
 * Call it while the chain is as it was when the killed run started.
 */
export async function expectConsistent(db: TestDatabase, sim: Simnet, history: RowHistory): Promise<StoredState> {
  const rows = await tokenRows(db);
  for (const row of rows) expect(history.isKnown(row), `row of ${row.address} is no state the chain ever had`).toBe(true);
  expect(new Set(rows.map((r) => r.address)).size).toBe(rows.length);
  expect(new Set(rows.map((r) => r.onchain_id)).size).toBe(rows.length);

  const state = await db.sql<{ last_ledger: string }>(`SELECT last_ledger::text FROM sync_state WHERE contract_id = $1`, [sim.contractId]);
  const cursor = state[0] ? Number(state[0].last_ledger) : null;
  if (cursor !== null) {
    expect(cursor).toBeLessThanOrEqual(sim.chain.latestLedger);
    const byAddress = new Map(rows.map((r) => [r.address, r]));
    const due = sim.chain.tokens.filter((t: SimToken) => t.lastActivityLedger >= sim.chain.oldestLedger && t.lastActivityLedger <= cursor);
    for (const t of due) {
      expect(byAddress.get(t.tokenAddress), `token ${t.id} changed at ledger ${t.lastActivityLedger}, before the cursor ${cursor}`).toEqual(
        expectedRow(t, sim.contractId),
      );
    }
  }

  const counts = await db.sql<{ address: string; token_count: number; actual: number }>(
    `SELECT c.address, c.token_count, (SELECT count(*)::int FROM tokens t WHERE t.creator = c.address) AS actual FROM creators c`,
  );
  for (const c of counts) expect(c.token_count, `creators.token_count of ${c.address}`).toBe(c.actual);
  return { rows, cursor };
}

/**
 * Moves the chain on: buys on `count` bonding tokens (spread by `round`), a sell, and (unless told not to) a
 * launch by a new creator, each in its own ledger, so that the next run has events to read and rows to change.
 */
export function tradeSome(sim: Simnet, round: number, count = 3, { launch = true } = {}): void {
  const bonding = sim.chain.tokens.filter((t) => t.status === "Bonding");
  sim.chain.advance(2);
  for (let i = 0; i < count; i++) {
    const t = bonding[(round * 37 + i * 11) % bonding.length]!;
    sim.chain.buy(t, 100_000_000n + BigInt(round) * 1_000_000n + BigInt(i));
  }
  const s = bonding[(round * 37) % bonding.length]!; // bought just now: it has tokens to sell back
  if (s.status === "Bonding" && s.bondingCurve.tokensSold > 1_000_000n) sim.chain.sell(s, 1_000_000n);
  if (launch) sim.chain.launchToken({ name: `Round ${round}`, symbol: `R${round}` });
  sim.chain.advance(2);
}

/** Kills the child `delayMs` after its stderr first matches `pattern` (at once when delayMs is 0). */
export function killAfter(child: ChildProcess, pattern: RegExp, delayMs: number, signal: NodeJS.Signals = "SIGKILL"): { fired: () => boolean } {
  let seen = "";
  let fired = false;
  const onData = (d: Buffer) => {
    seen += d.toString();
    if (!pattern.test(seen)) return;
    child.stderr!.off("data", onData);
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) fired = child.kill(signal);
    }, delayMs);
  };
  child.stderr!.on("data", onData);
  return { fired: () => fired };
}

/** Sends `signal` to the child as soon as `when()` holds (polled every 2 ms), e.g. when the simulator has seen a method. */
export function signalWhen(child: ChildProcess, when: () => boolean, signal: NodeJS.Signals): { fired: () => boolean } {
  let fired = false;
  const timer = setInterval(() => {
    if (child.exitCode !== null || child.signalCode !== null) return clearInterval(timer);
    if (!when()) return;
    clearInterval(timer);
    fired = child.kill(signal);
  }, 2);
  child.on("exit", () => clearInterval(timer));
  return { fired: () => fired };
}

/** The delays the client announced on stderr ("<method> failed (...); retry N in M ms"). */
export function retryLines(stderr: string): { method: string; reason: string; attempt: number; delayMs: number }[] {
  const out: { method: string; reason: string; attempt: number; delayMs: number }[] = [];
  for (const m of stderr.matchAll(/^warning: (\w+) failed \((.*)\); retry (\d+) in (\d+) ms$/gm)) {
    out.push({ method: m[1]!, reason: m[2]!, attempt: Number(m[3]), delayMs: Number(m[4]) });
  }
  return out;
}
