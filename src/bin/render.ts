// What the commands print: the report on stdout (text, or one JSON object with --json), progress on stderr when
// it is a terminal. The reports' own formats live with them (src/sync/report.ts, src/history/report.ts).
import type { BackfillReport } from "../history/backfill.ts";
import { backfillToJson, backfillToText, ledgerProgress } from "../history/report.ts";
import type { FollowerState } from "../live/follower.ts";
import { LIST_LIMIT, progressBar, toJson, toText } from "../sync/report.ts";
import type { SyncReport } from "../sync/sync.ts";
import type { Flags } from "./flags.ts";
import type { Io } from "./io.ts";

interface Output {
  json: boolean;
  verbose: boolean;
}

export function outputOf(flags: Flags): Output {
  return { json: flags.json === true, verbose: flags.verbose === true };
}

/** A progress line redrawn in place on stderr; nothing unless stderr is a terminal and stdout is not --json. */
export function progress<A extends unknown[]>(io: Io, out: Output, line: (...args: A) => string | null) {
  let shown = false;
  const enabled = !out.json && io.stderr.isTTY === true;
  return {
    update: enabled
      ? (...args: A) => {
          const text = line(...args);
          if (text === null) return;
          shown = true;
          io.stderr.write(`\r${text}`);
        }
      : undefined,
    /** Ends the line, if one was drawn. */
    end: () => void (shown && io.stderr.write("\n")),
  };
}

/** The sync's bar: only for runs that read more tokens than the report lists. */
export function syncProgress(io: Io, out: Output) {
  return progress(io, out, (done: number, total: number) => (total > LIST_LIMIT ? progressBar(done, total) : null));
}

export function backfillProgress(io: Io, out: Output) {
  const startedAt = performance.now();
  return progress(io, out, (done: number, total: number) => ledgerProgress(done, total, performance.now() - startedAt));
}

export function printSyncReport(io: Io, out: Output, report: SyncReport): void {
  io.stdout.write(`${out.json ? toJson(report) : toText(report, { verbose: out.verbose })}\n`);
}

export function printBackfillReport(io: Io, out: Output, report: BackfillReport): void {
  io.stdout.write(`${out.json ? backfillToJson(report) : backfillToText(report, { verbose: out.verbose })}\n`);
}

/** watch and serve: one line per ledger batch on stderr; with --json, the batch's report on stdout too. */
export function printBatch(io: Io, out: Output, report: SyncReport, state: FollowerState, log: (line: string) => void): void {
  log(batchLine(report, state));
  if (out.json) io.stdout.write(`${toJson(report)}\n`);
}

function batchLine(report: SyncReport, state: FollowerState): string {
  const { from, to } = report.cursor;
  const range = from === null || to === null || from > to ? `ledger ${report.latestLedger}` : from === to ? `ledger ${to}` : `ledgers ${from}..${to}`;
  const lag = state.latestLedger !== null && to !== null ? Math.max(0, state.latestLedger - to) : 0;
  const failed = report.failed.length > 0 ? `, ${report.failed.length} failed` : "";
  return `${range}: ${report.synced} written, ${report.unchanged} unchanged${failed}; ${lag} behind; ${report.durationMs} ms`;
}
