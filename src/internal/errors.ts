// Failures that end a run, each with the exit status the CLI gives it.

/** A flag, variable or option with a bad value: exit 64 (EX_USAGE), before any network or database work. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Bad configuration, an unreachable or wrong RPC, an unusable database: exit 1. */
export class FatalError extends Error {
  override name = "FatalError";
}

/** Another run holds this contract's lock: exit 75 (EX_TEMPFAIL), so cron simply tries next time. */
export class LockedError extends Error {
  override name = "LockedError";
}

/** SIGINT/SIGTERM stopped the run after its current batch. */
export class InterruptedError extends Error {
  override name = "InterruptedError";
  constructor(readonly signalName: string) {
    super(`interrupted by ${signalName}`);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Throws the run's InterruptedError once `signal` has fired (its reason when it is one, else the signal's name). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  if (signal.reason instanceof InterruptedError) throw signal.reason;
  throw new InterruptedError(typeof signal.reason === "string" ? signal.reason : "signal");
}
