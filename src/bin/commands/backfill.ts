// `sync-tokens backfill`: read the factory's whole history from a data lake or a getLedgers RPC, then sync the
// tokens found. It takes the program's flags too. The backfill loads when it runs.
import { Option, type Command } from "commander";
import type { BackfillOptions } from "../../history/backfill.ts";
import { backfillPartial } from "../../history/report.ts";
import { EXIT, exitHelp, guard } from "../exit.ts";
import { durationMs, sessionOptions, type Flags } from "../flags.ts";
import { stderrLogger, trigger, type Io } from "../io.ts";
import { backfillProgress, outputOf, printBackfillReport } from "../render.ts";
import { withAbortOnSignal } from "../signals.ts";
import type { CommandContext } from "./context.ts";

export function defineBackfill(program: Command, { io, exitWith }: CommandContext): void {
  program
    .command("backfill")
    .description(
      "find every token in the factory's whole history: read ledgers from a SEP-54 data lake or a getLedgers RPC, then sync the tokens found (takes the options above too)",
    )
    .option(
      "--datastore <dir|url>",
      "a SEP-54 data lake [SYNC_DATASTORE], a folder or an http(s) URL: its root (Galexie's .config.json beside the partitions, or v0.2.0's config.json naming ledgersPath), its config file, or its partitions' folder",
    )
    .option("--ledgers-rpc <url>", "an RPC that serves getLedgers over the range (e.g. stellar-rpc with a datastore); a page cap below 200 is learnt")
    .option("--from-ledger <n>", "first ledger to read")
    .option("--since <date>", "or: from the first ledger closed on or after this time (YYYY-MM-DD, ISO 8601, or an age: 6h, 2d)")
    .option("--to-ledger <n>", "last ledger to read (default: the last the source serves)")
    .option("--download-concurrency <n>", "files or pages read ahead in parallel (default 8 for a data lake, 4 for an RPC)")
    .addOption(
      new Option("--save-every <ms>", "store the tokens found and move the backfill's cursor at least this often (default 60s)").argParser(durationMs),
    )
    .addHelpText(
      "after",
      "\nLedgers the RPC drops from its window while the range is read are reported as a gap and skipped (exit 2);\nthe cursor stays at the gap, so a rerun with a source that holds them reads them." +
        exitHelp("all read and synced", { partial: "a gap or tokens failed or missing", interrupted: true }),
    )
    .action((_flags: Flags, command: Command) => exitWith(runBackfill(command.optsWithGlobals(), io)));
}

const SOURCE_FLAGS = ["datastore", "ledgersRpc", "fromLedger", "since", "toLedger", "downloadConcurrency"] as const;

export async function runBackfill(flags: Flags, io: Io): Promise<number> {
  const out = outputOf(flags);
  const saveEveryMs = flags.saveEvery as number | undefined;
  return guard(io, async () => {
    const logger = await stderrLogger(io);
    return withAbortOnSignal(logger, async (signal) => {
      const { backfill } = await import("../../history/backfill.ts");
      const bar = backfillProgress(io, out);
      const report = await backfill({
        ...sessionOptions(flags, io),
        ...(Object.fromEntries(SOURCE_FLAGS.map((k) => [k, flags[k]])) as Pick<BackfillOptions, (typeof SOURCE_FLAGS)[number]>),
        // The backfill takes seconds.
        saveEvery: saveEveryMs === undefined ? undefined : saveEveryMs / 1000,
        trigger: trigger(io, "backfill"),
        listTokens: out.verbose,
        logger,
        signal,
        onLedgers: bar.update,
      });
      bar.end();
      printBackfillReport(io, out, report);
      return backfillPartial(report) ? EXIT.partial : EXIT.ok;
    });
  });
}
