// Readers for settings given as flags or environment variables: one grammar and one error wording for all.
import { ConfigError } from "../internal/errors.ts";

/** The value, or undefined when unset or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== "" ? value : undefined;
}

/** 1, true, yes or on (any case). */
export function isTrue(value: string | undefined): boolean {
  return /^(1|true|yes|on)$/i.test(value?.trim() ?? "");
}

/** A list separated by commas or white space. */
export function splitList(value: string | undefined): string[] {
  return (value ?? "").split(/[\s,]+/).filter(Boolean);
}

/** A whole number in [min, max]; undefined when unset or blank. `unit` names it in the error ("ms"). */
export function boundedInt(value: unknown, label: string, min: number, max: number, unit?: string): number | undefined {
  if (value === undefined || (typeof value === "string" && value.trim() === "")) return undefined;
  const text = String(value).trim();
  const n = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) {
    const what = unit ? `a whole number of ${unit}` : "a whole number";
    throw new ConfigError(`${label} ${JSON.stringify(text.slice(0, 40))} is not valid: expected ${what} from ${min} to ${max}`);
  }
  return n;
}
