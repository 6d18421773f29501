// The status as anyone may read it (GET /api/status), cut from the full one (GET /api/admin/status and the
// dashboard, both behind the admin token). Where the service reads from and writes to, and the text of its
// errors, stay behind it: an RPC URL or a database label can carry a key, an error can quote a host.
// Every field of LiveStatus is classed here, so a field added to it fails to compile until someone decides.
import type { SyncRunRow } from "../store/sync-run-rows.ts";
import type { LiveStatus } from "./actions.ts";

const STATUS_FIELDS = {
  contractId: "public",
  network: "public",
  networkPassphrase: "public",
  rpcUrl: "admin",
  database: "admin",
  role: "public",
  ready: "public",
  latestLedger: "public",
  latestLedgerAt: "public",
  cursor: "public",
  lag: "public",
  lease: "public", // holder, epoch and deadline: who leads, for operators and load balancers
  ledgerCloseSeconds: "public",
  storedTokens: "public",
  contractTokens: "public",
  missingIds: "public",
  missingCount: "public",
  initialSyncDone: "public",
  lastBatchAt: "public",
  lastError: "admin",
  lastRuns: "public", // without their error text (publicRun)
  tradeHistory: "public",
} as const satisfies Record<keyof LiveStatus, "public" | "admin">;

type PublicField = { [K in keyof typeof STATUS_FIELDS]: (typeof STATUS_FIELDS)[K] extends "public" ? K : never }[keyof typeof STATUS_FIELDS];

export type PublicRun = Omit<SyncRunRow, "error">;
export type PublicStatus = Omit<Pick<LiveStatus, PublicField>, "lastRuns"> & { lastRuns: PublicRun[] };

export function publicStatus(status: LiveStatus): PublicStatus {
  const out: Record<string, unknown> = {};
  for (const [field, audience] of Object.entries(STATUS_FIELDS)) if (audience === "public") out[field] = status[field as keyof LiveStatus];
  out.lastRuns = status.lastRuns.map(publicRun);
  return out as PublicStatus;
}

function publicRun({ error: _error, ...run }: SyncRunRow): PublicRun {
  return run;
}
