// Log lines for long-running commands, on stderr, one line per event: pino's JSON lines when stderr is not a
// terminal (or LOG_FORMAT=json), the plain `message` / `warning: message` lines otherwise (or LOG_FORMAT=text);
// LOG_LEVEL filters both. Chain text is made harmless for terminals (text/terminal.ts's safe()) in both; secrets are
// masked before a line gets here (the session wraps this logger with its redaction).
import { pino, type Level } from "pino";
import { ConfigError } from "./errors.ts";
import { safe } from "./text/terminal.ts";

/** Where every layer logs: one line per call. Declared here, at the bottom, so that any layer may take one. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** What the commands log through: the session's interface, plus the levels around it. */
export interface LevelLogger extends Logger {
  debug(message: string): void;
  error(message: string): void;
}

export type LogFormat = "json" | "text";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const FORMATS: readonly LogFormat[] = ["json", "text"];
/** Messages are bounded like the report's lines: a hostile token name cannot fill a disk line by line. */
const MAX_MESSAGE = 2000;

/** LOG_FORMAT and LOG_LEVEL, checked: a typo is a configuration error naming the value, not a silent default. */
export function logSettings(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): { format: LogFormat; level: Level | "silent" } {
  const format = env.LOG_FORMAT?.trim().toLowerCase() || (stream.isTTY === true ? "text" : "json");
  if (!FORMATS.includes(format as LogFormat)) throw new ConfigError(`LOG_FORMAT must be json or text; got ${JSON.stringify(safe(env.LOG_FORMAT ?? "", 40))}`);
  const level = env.LOG_LEVEL?.trim().toLowerCase() || "info";
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LEVELS.join(", ")}; got ${JSON.stringify(safe(env.LOG_LEVEL ?? "", 40))}`);
  }
  return { format: format as LogFormat, level: level as Level | "silent" };
}

/** A logger writing to `stream` as LOG_FORMAT / LOG_LEVEL (in `env`) say; throws ConfigError on a bad value. */
export function streamLogger(stream: NodeJS.WritableStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): LevelLogger {
  const { format, level } = logSettings(env, stream);
  const destination = format === "json" ? stream : { write: (line: string) => void stream.write(textLine(line)) };
  const log = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    debug: (m) => log.debug(safe(m, MAX_MESSAGE)),
    info: (m) => log.info(safe(m, MAX_MESSAGE)),
    warn: (m) => log.warn(safe(m, MAX_MESSAGE)),
    error: (m) => log.error(safe(m, MAX_MESSAGE)),
  };
}

/** pino's JSON line as the text format's line: the message, prefixed with its level unless it is info. */
function textLine(json: string): string {
  const { level, msg } = JSON.parse(json) as { level: string; msg: string };
  const prefix = level === "info" ? "" : `${level === "warn" ? "warning" : level}: `;
  return `${prefix}${msg}\n`;
}

export const silentLogger: LevelLogger = { debug() {}, info() {}, warn() {}, error() {} };
