// The command line: `main(argv, io)` parses the flags, runs one command and returns its exit status. Importing it
// runs nothing; scripts/sync-tokens.mjs calls main(). Each command loads what it runs when it runs (`--help` loads
// neither the Stellar SDK nor a database driver), so nothing under src/bin may import them statically.
import { Command, CommanderError } from "commander";
import dotenv from "dotenv";
import { packageVersion } from "../internal/version.ts";
import { defineBackfill } from "./commands/backfill.ts";
import type { CommandContext } from "./commands/context.ts";
import { defineDb } from "./commands/db.ts";
import { defineLive } from "./commands/live.ts";
import { defineSync } from "./commands/sync.ts";
import { defineWebhooks } from "./commands/webhooks.ts";
import { EXIT } from "./exit.ts";
import { processIo, type Io } from "./io.ts";

export { EXIT } from "./exit.ts";
export type { Io } from "./io.ts";

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  dotenv.config({ quiet: true, processEnv: io.env } as dotenv.DotenvConfigOptions);
  let exitCode: number = EXIT.ok;
  const context: CommandContext = { io, exitWith: async (status) => void (exitCode = await status) };
  const program = new Command()
    .name("sync-tokens")
    .description("Sync every token of a SAC Factory contract on Stellar into PostgreSQL (or the embedded database).")
    .version(packageVersion(), "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Commander's usage errors ("error: unknown option '--x'") get the tool's prefix and one line, as its own have.
      outputError: (s, write) => write(`sync-tokens: ${s.trim().replace(/\s*\n\s*/g, " ")}\n`),
    });
  defineSync(program, context);
  defineWebhooks(program, context);
  defineBackfill(program, context);
  defineDb(program, context);
  defineLive(program, context);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // --help and --version end with status 0; an unknown flag, a bad value or a missing argument is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return exitCode;
}

