// Log lines for long-running commands: stderr, one line each, chain text made harmless for terminals
// (src/text/terminal.ts's safe()), secrets already masked by the session's logger.
import { safe } from "../text/terminal.ts";

/** Where every layer logs: one line per call. Declared here, at the bottom, so that any layer may take one. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export function streamLogger(stream: NodeJS.WritableStream): Logger {
  return {
    info: (m) => void stream.write(`${safe(m, 2000)}\n`),
    warn: (m) => void stream.write(`warning: ${safe(m, 2000)}\n`),
  };
}

export const silentLogger: Logger = { info() {}, warn() {} };
