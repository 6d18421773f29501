// SIGINT/SIGTERM ask a command to stop after its current batch, for as long as the command runs.
import type { Logger } from "../internal/logger.ts";

export type StopSignal = "SIGINT" | "SIGTERM";

/**
 * Calls `stop` on SIGINT/SIGTERM; returns the function that removes the handlers. `repeat: false` (a one-shot
 * run): a second signal gets Node's default, which kills the process at once; a service handles every signal.
 */
export function onStopSignals(logger: Logger, stop: (signal: StopSignal) => void, options: { repeat: boolean }): () => void {
  const handler = (signal: NodeJS.Signals) => {
    logger.warn(`${signal} received: finishing the current batch, then stopping`);
    stop(signal as StopSignal);
  };
  const add = options.repeat ? process.on.bind(process) : process.once.bind(process);
  add("SIGINT", handler);
  add("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/** Runs `work` with an AbortSignal that the first SIGINT/SIGTERM aborts. */
export async function withAbortOnSignal<T>(logger: Logger, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const off = onStopSignals(logger, (signal) => controller.abort(signal), { repeat: false });
  try {
    return await work(controller.signal);
  } finally {
    off();
  }
}
