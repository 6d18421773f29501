// `sync-tokens db migrate`: apply pending migrations and exit. Loads the database driver only, never the SDK.
import type { Command } from "commander";
import { EXIT, exitHelp, guard } from "../exit.ts";
import { databaseFlags, databaseOptions, type Flags } from "../flags.ts";
import type { Io } from "../io.ts";
import type { CommandContext } from "./context.ts";

export function defineDb(program: Command, { io, exitWith }: CommandContext): void {
  const db = program.command("db").description("database maintenance");
  databaseFlags(db.command("migrate").description("apply pending migrations and exit"))
    .addHelpText("after", exitHelp("up to date"))
    .action((_flags: Flags, command: Command) => exitWith(runMigrate(command.optsWithGlobals(), io)));
}

export async function runMigrate(flags: Flags, io: Io): Promise<number> {
  return guard(io, async () => {
    const { migrateDatabase } = await import("../../store/migrate-database.ts");
    const { database, applied } = await migrateDatabase({ ...databaseOptions(flags, io), env: io.env });
    io.stdout.write(applied.length ? `applied ${applied.join(", ")} to ${database}\n` : `${database} is up to date\n`);
    return EXIT.ok;
  });
}
