// How the dashboard shows numbers: amounts arrive as decimal strings of stroops (NUMERIC in the database) and
// are formatted with bigint arithmetic only, so that no amount ever passes through a float.

const STROOPS_PER_UNIT = 10_000_000n;
/** A token graduates once xlm_raised reaches 10,000 XLM. */
export const GRADUATION_STROOPS = 100_000_000_000n;

/** "12,345.6789012": a 7-decimal amount (XLM, or a SAC token's units) from its stroops. */
export function formatStroops(stroops: string | bigint): string {
  const n = typeof stroops === "bigint" ? stroops : BigInt(stroops);
  const abs = n < 0n ? -n : n;
  const whole = (abs / STROOPS_PER_UNIT).toLocaleString("en-US");
  const fraction = (abs % STROOPS_PER_UNIT).toString().padStart(7, "0");
  return `${n < 0n ? "-" : ""}${whole}.${fraction}`;
}

/** A whole number with thousands separators, exact for any size. */
export function formatInteger(value: string | bigint | number): string {
  return BigInt(value).toLocaleString("en-US");
}

/** Progress toward graduation in basis points (0..10000), from xlm_raised in stroops. */
export function graduationBasisPoints(xlmRaised: string | bigint): number {
  const raised = typeof xlmRaised === "bigint" ? xlmRaised : BigInt(xlmRaised);
  if (raised <= 0n) return 0;
  if (raised >= GRADUATION_STROOPS) return 10_000;
  return Number((raised * 10_000n) / GRADUATION_STROOPS);
}

export function formatBasisPoints(bp: number): string {
  return `${(bp / 100).toFixed(2)}%`;
}

/** ISO-like UTC time ("2026-12-01 21:30:05 UTC") from unix seconds (a u64 decimal string) or a Date. */
export function formatTime(value: string | bigint | Date | null | undefined, precision: "seconds" | "minutes" = "seconds"): string {
  if (value === null || value === undefined) return "never";
  let date = value instanceof Date ? value : new Date(Number.NaN);
  // A u64 beyond what a Date holds (a hostile created_at) is shown raw.
  if (!(value instanceof Date) && BigInt(value) <= 8_640_000_000_000n) date = new Date(Number(BigInt(value)) * 1000);
  if (Number.isNaN(date.getTime())) return `${String(value)} (unix time)`;
  return `${date.toISOString().slice(0, precision === "seconds" ? 19 : 16).replace("T", " ")} UTC`;
}

/** "3 s", "4 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 1000 ? `${Math.round(ms)} ms` : `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** A long creator-supplied string cut for a list cell; the full text stays on the detail page. */
export function truncate(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  // Never split a surrogate pair.
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return { text: text.slice(0, end), cut: true };
}

/** "CABC…WXYZ": an address shortened for tables (the full one is in the title and the link). */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 5)}…${address.slice(-4)}` : address;
}
