// The one grammar of `--since` (`backfill` and `webhooks replay`): a date, an ISO 8601 time, or an age counted
// back from now. Each command used to accept only its own half; both now take either.
import { ConfigError } from "../errors.ts";
import { quoteValue } from "./quote.ts";

const AGE_UNIT_MS = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 } as const;

/** A date (2026-12-01), an ISO 8601 time (2026-12-01T10:00:00Z), or an age such as 90m, 6h, 2d. */
export function parseSince(text: string, now = Date.now()): Date {
  const age = /^\s*(\d+)\s*([smhd])\s*$/.exec(text);
  const trimmed = text.trim();
  const at = age
    ? now - Number(age[1]) * AGE_UNIT_MS[age[2] as keyof typeof AGE_UNIT_MS]
    : /^\d{4}-\d{2}-\d{2}/.test(trimmed)
      ? Date.parse(trimmed)
      : Number.NaN;
  // Out of the Date range (an age of 10^20 days) is no time either.
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) {
    throw new ConfigError(`--since ${quoteValue(text)} is not a time: expected a date (2026-12-01), an ISO 8601 time (2026-12-01T10:00:00Z) or an age (90m, 6h, 2d)`);
  }
  return date;
}
