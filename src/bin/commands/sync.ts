// `sync-tokens [flags]`: one sync, the program's default command. Its flags are the program's own, which the
// other commands read too. The sync itself loads when it runs (`--help` loads neither the SDK nor a driver).
import type { Command } from "commander";
import { EXIT, exitHelp, guard } from "../exit.ts";
import { allowHttpFlag, chainFlags, collect, databaseFlags, rpcFlags, sessionOptions, webhookFlags, type Flags } from "../flags.ts";
import { stderrLogger, type Io } from "../io.ts";
import { outputOf, printSyncReport, syncProgress } from "../render.ts";
import { withAbortOnSignal } from "../signals.ts";
import type { CommandContext } from "./context.ts";

export function defineSync(program: Command, { io, exitWith }: CommandContext): void {
  chainFlags(program)
    .option("--token <address>", "sync just this token (C...); repeatable", collect)
    .option("--full", "ignore the stored cursor: rescan the retention window and re-read every known token");
  rpcFlags(program)
    .option("--dry-run", "read everything, write nothing")
    .option("--json", "print one JSON object on stdout; logs go to stderr")
    .option("--verbose", "list every token, however many");
  allowHttpFlag(databaseFlags(program));
  webhookFlags(program)
    .addHelpText("after", exitHelp("all synced", { partial: "some tokens failed or are missing", interrupted: true }))
    .action((flags: Flags) => exitWith(runSync(flags, io)));
}

export async function runSync(flags: Flags, io: Io): Promise<number> {
  const out = outputOf(flags);
  return guard(io, async () => {
    const logger = await stderrLogger(io);
    return withAbortOnSignal(logger, async (signal) => {
      const { syncTokens } = await import("../../api.ts");
      const bar = syncProgress(io, out);
      const report = await syncTokens({
        ...sessionOptions(flags, io),
        tokens: flags.token as string[] | undefined,
        full: flags.full === true,
        listTokens: out.verbose,
        logger,
        signal,
        onProgress: bar.update,
      });
      bar.end();
      printSyncReport(io, out, report);
      return report.partial ? EXIT.partial : EXIT.ok;
    });
  });
}
