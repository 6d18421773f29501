// What a command reads and writes: its streams and environment, passed in so that tests and embedders can run
// the command line in-process. The process's own are the default.
import type { LevelLogger } from "../internal/logger.ts";

export type Out = NodeJS.WritableStream & { isTTY?: boolean };

export interface Io {
  stdout: Out;
  stderr: Out;
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/**
 * Log lines of every command: stderr, one line each (stdout is for the report or --json), as LOG_FORMAT and
 * LOG_LEVEL say; a bad value of either is a ConfigError. Loaded when a command runs, so `--help` loads no pino.
 */
export async function stderrLogger(io: Io): Promise<LevelLogger> {
  const { streamLogger } = await import("../internal/logger.ts");
  return streamLogger(io.stderr, io.env);
}

/** Recorded in sync_runs.trigger: SYNC_TRIGGER, else how the command was started. */
export function trigger(io: Io, fallback: string = io.stdout.isTTY ? "manual" : "unattended"): string {
  return io.env.SYNC_TRIGGER?.trim() || fallback;
}
