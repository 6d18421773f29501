// Exit statuses, and failures turned into one line on stderr and a status: the same for every command. Cron tells
// them apart: 64 (EX_USAGE) a typo to fix, 75 (EX_TEMPFAIL) try next time, 1 a run that failed.
import { ConfigError, FatalError, InterruptedError, LockedError, messageOf } from "../internal/errors.ts";
import { safe } from "../internal/text/terminal.ts";
import type { Io } from "./io.ts";

export const EXIT = { ok: 0, fatal: 1, partial: 2, usage: 64, locked: 75, sigint: 130, sigterm: 143 } as const;

/** The help's last line: what each status means; `partial` says when the command exits 2. */
export function exitHelp(ok: string, more: { partial?: string; interrupted?: boolean } = {}): string {
  const partial = more.partial ? [`2 ${more.partial}`] : [];
  const interrupted = more.interrupted ? ["130/143 interrupted"] : [];
  return `\nExit status: ${[`0 ${ok}`, ...partial, "1 fatal error", "64 bad flag or setting", "75 another run holds the lock", ...interrupted].join(", ")}.`;
}

/** Writes the failure's one line and returns its status. */
export function failure(io: Io, error: unknown): number {
  // Prisma's messages start with a blank line: the first line that says something.
  const message = safe(messageOf(error).trim().split("\n")[0] ?? "", 1000);
  if (error instanceof LockedError) {
    io.stderr.write(`sync-tokens: ${message}; exiting (75)\n`);
    return EXIT.locked;
  }
  if (error instanceof InterruptedError) {
    io.stderr.write(`sync-tokens: ${message}; progress so far is saved\n`);
    return error.signalName === "SIGINT" ? EXIT.sigint : EXIT.sigterm;
  }
  // A ConfigError is a bad value, from a flag or the environment alike, found before any network or database work.
  if (error instanceof ConfigError) {
    io.stderr.write(`sync-tokens: error: ${message}\n`);
    return EXIT.usage;
  }
  io.stderr.write(`sync-tokens: error: ${error instanceof FatalError ? message : `unexpected failure: ${message}`}\n`);
  return EXIT.fatal;
}

/** Runs a command's work; a failure becomes its line and status. */
export async function guard(io: Io, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    return failure(io, error);
  }
}
