// Renders a backfill's report: its own lines (range, source, speed), then the pipeline pass's report.
import { jsonSafe, jsonSummary, toText, type JsonSummary } from "../sync/report.ts";
import type { BackfillReport } from "./backfill.ts";

export type BackfillJson = Omit<BackfillReport, "sync"> & { sync: JsonSummary };

/** Exit 2 when ledgers were left unread, as for tokens missing: the backfill is not complete. */
export function backfillPartial(report: BackfillReport): boolean {
  return report.gaps.length > 0 || report.sync.partial;
}

export function backfillToJson(report: BackfillReport): string {
  return jsonSafe({ ...report, sync: jsonSummary(report.sync) } satisfies BackfillJson);
}

export function backfillToText(report: BackfillReport, options: { verbose?: boolean } = {}): string {
  const resumed = report.resumedAt === null ? "" : `, resumed at ${report.resumedAt}`;
  return [
    `backfill   ledgers ${report.fromLedger}..${report.toLedger}${resumed} from ${report.source}`,
    `  read     ${report.ledgersRead} ledgers (${report.ledgersPerSecond} ledgers/s): ${report.factoryEvents} factory events naming ${report.tokensFound} tokens and ${report.creatorsFound} creators`,
    ...report.gaps.map((g) => `  GAP      ledgers ${g.from}..${g.to} not read: ${g.reason}; tokens launched there may be missing`),
    "",
    toText(report.sync, options),
  ].join("\n");
}

/** One terminal line: bar, ledgers, speed and time left. */
export function ledgerProgress(done: number, total: number, elapsedMs: number, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const eta = rate > 0 ? Math.ceil((total - done) / rate) : undefined;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} ledgers, ${Math.round(rate)} ledgers/s, ETA ${eta === undefined ? "?" : `${eta} s`}`;
}
