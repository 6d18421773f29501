// The events the simulator's changes must produce, computed from its ground truth (expectedRow before and after),
// independently of the SQL that computes them in the product.
import crypto from "node:crypto";
import type { SyncOptions } from "../../src/config/config.ts";
import type { Simnet } from "../simnet/index.ts";
import type { TestDatabase } from "./databases.ts";
import { expectedRow } from "./expect-rows.ts";

export type Row = Record<string, string>;

/** snake_case column → the camelCase key events use. */
export const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export function camelRow(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v]));
}

/** Every token's row now, by address. */
export function snapshot(sim: Simnet): Map<string, Row> {
  return new Map(sim.chain.tokens.map((t) => [t.tokenAddress, expectedRow(t, sim.contractId)]));
}

export interface ExpectedEvent {
  type: "token.added" | "token.updated" | "token.graduated";
  address: string;
  /** token.added: the row; token.updated: the changes; token.graduated: the status move. */
  detail: Record<string, unknown>;
}

/** What a sync from `before` to `after` must announce (token.added only when `added`). */
export function expectedEvents(before: Map<string, Row>, after: Map<string, Row>, { added = true } = {}): ExpectedEvent[] {
  const out: ExpectedEvent[] = [];
  for (const [address, row] of after) {
    const old = before.get(address);
    if (!old) {
      if (added) out.push({ type: "token.added", address, detail: camelRow(row) });
      continue;
    }
    const changes: Record<string, { old: string; new: string }> = {};
    for (const [k, v] of Object.entries(row)) if (old[k] !== v) changes[camel(k)] = { old: old[k]!, new: v };
    if (Object.keys(changes).length === 0) continue;
    out.push({ type: "token.updated", address, detail: changes });
    if (row.status === "GRADUATED" && old.status !== "GRADUATED") {
      out.push({ type: "token.graduated", address, detail: { previousStatus: old.status, status: "GRADUATED" } });
    }
  }
  return out.sort((a, b) => `${a.type}${a.address}`.localeCompare(`${b.type}${b.address}`));
}

/** A fresh Standard Webhooks secret for a test. */
export function testSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString("base64")}`;
}

/** syncTokens() options for this simulator and database, every creator reachable (as cliEnv for the CLI). */
export function syncOptions(sim: Simnet, db: TestDatabase): SyncOptions & { env: NodeJS.ProcessEnv } {
  return {
    // Not the process's environment: under CI it names the PostgreSQL server in DATABASE_URL, and a run meant for
    // the embedded database would write there instead.
    env: {},
    rpcUrl: sim.url,
    networkPassphrase: sim.networkPassphrase,
    contractId: sim.contractId,
    databaseUrl: db.databaseUrl,
    dataDir: db.dataDir,
    creators: sim.chain.dormantCreators(),
  };
}
