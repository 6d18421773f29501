// Log lines for long-running commands: stderr, one line each, chain text made harmless for terminals
// (report.ts's safe()), secrets already masked by the session's logger.
import { safe } from "../report.ts";
import type { Logger } from "../sync-run.ts";

export function streamLogger(stream: NodeJS.WritableStream): Logger {
  return {
    info: (m) => void stream.write(`${safe(m, 2000)}\n`),
    warn: (m) => void stream.write(`warning: ${safe(m, 2000)}\n`),
  };
}

export const silentLogger: Logger = { info() {}, warn() {} };
