// Renders a SyncReport for a person (terminal) or a program (--json). Chain strings are written
// by anyone, so nothing from the chain reaches a terminal with its control characters intact.
import { safe } from "../internal/text/terminal.ts";
import { LIST_LIMIT, type SyncReport, type TokenLine } from "./types.ts";

// The command layer renders with this too.
export { LIST_LIMIT };

/** What `--json` prints: the report without the per-token lines and the local details. */
export type JsonSummary = Omit<SyncReport, "tokens" | "tokensRead" | "database" | "networkPassphrase" | "rpcUrl">;

export function toJson(report: SyncReport): string {
  return jsonSafe(jsonSummary(report));
}

export function jsonSummary(report: SyncReport): JsonSummary {
  const { tokens: _lines, tokensRead: _read, database: _db, networkPassphrase: _p, rpcUrl: _u, ...summary } = report;
  return summary;
}

/**
 * JSON.stringify escapes C0 controls but leaves DEL, C1 controls (U+009B is a CSI to some terminals), line and
 * paragraph separators and bidi overrides raw, and chain text reaches the JSON through failure reasons. Escaping
 * them keeps the parsed value identical and the output as harmless on a terminal as the text report.
 */
export function jsonSafe(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function toText(report: SyncReport, options: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  const { from, to } = report.cursor;
  const range = from === null ? "not read (--token)" : to !== null && from > to ? "no new ledgers" : `ledgers ${from}..${to}`;
  out.push(`sync-tokens${report.dryRun ? " (dry run: nothing written)" : ""}`);
  out.push(`  contract   ${report.contractId} on ${report.network}`);
  out.push(`  RPC        ${report.rpcUrl} (latest ledger ${report.latestLedger})`);
  out.push(`  database   ${report.database}`);
  out.push(`  on chain   ${report.contractTokenCount} tokens launched`);
  out.push(
    `  discovered ${report.discovered.total} tokens: events ${report.discovered.events}, storage ${report.discovered.storage}, manual ${report.discovered.manual} (events: ${range})`,
  );
  const listAll = options.verbose || report.tokensRead <= LIST_LIMIT;
  const shown = listAll ? report.tokens : report.tokens.filter((t) => t.outcome === "failed");
  if (shown.length > 0) out.push("");
  for (const line of shown) out.push(formatLine(line));
  if (!listAll) out.push(`  (${report.tokensRead} tokens read; pass --verbose to list every one)`);
  if (report.missingIds.length > 0) {
    out.push("", `  missing on-chain ids: ${report.missingIds.slice(0, 50).join(", ")}${report.missingIds.length > 50 ? ", …" : ""}`);
    out.push("  hint: pass their creators' addresses with CREATOR_ADDRESS=G... or --creator G...");
  }
  const total = report.synced + report.unchanged + report.failed.length;
  const seconds = (report.durationMs / 1000).toFixed(2);
  out.push(
    "",
    `Summary: ${report.synced + report.unchanged} successful (${report.synced} ${report.dryRun ? "to write" : "written"}, ${report.unchanged} unchanged), ${report.failed.length} failed, ${total} total, ${report.missingIds.length} missing; ${seconds} s, ${sumRequests(report)} RPC requests`,
  );
  return out.join("\n");
}

function formatLine(line: TokenLine): string {
  const mark = line.outcome === "failed" ? "✗" : "✓";
  const outcome = line.outcome.padEnd(10);
  if (line.outcome === "failed") return `  ${mark} ${outcome} ${line.address}  ${safe(line.error ?? "", 200)}`;
  const who = `${safe(line.name ?? "", 40)} (${safe(line.symbol ?? "", 12)})`;
  return `  ${mark} ${outcome} ${line.address}  ${who}  by ${short(line.creator ?? "")}  ${line.status ?? ""}`;
}

function short(address: string): string {
  return address.length > 12 ? `${address.slice(0, 5)}…${address.slice(-4)}` : address;
}

function sumRequests(report: SyncReport): number {
  return Object.values(report.rpcRequests).reduce((a, b) => a + b, 0);
}

/** A one-line progress bar for stderr on a terminal. */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} tokens`;
}
