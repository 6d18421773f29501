// What a factory value must look like, shared by the two decoders of it: codec.ts (through the SDK's XDR
// classes, the reference) and direct-decode.ts (straight from the XDR bytes, the hot path).
import type { TokenStatus } from "./types.ts";

/** A value does not have the shape the factory's interface promises. Permanent for the value it came from. */
export class DecodeError extends Error {
  override name = "DecodeError";
}

export const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
export const utf8Lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Launch events also name the creator. */
export const LAUNCH_TOPICS: ReadonlySet<string> = new Set(["token_launched", "token_launched_detailed"]);

/** The topics the factory emits (sac-factory.md); others are decoded the slow way. */
export const FACTORY_TOPICS: readonly string[] = [
  ...LAUNCH_TOPICS,
  "tokens_bought",
  "tokens_bought_detailed",
  "tokens_sold",
  "token_graduated",
  "liquidity_locked",
  "role_granted",
  "role_revoked",
  "ownership_transferred",
  "contract_paused",
  "contract_unpaused",
  "fee_config_updated",
  "treasury_updated",
];

// Real topics are Soroban symbols; anything else is not ours and must not reach the database (NUL, etc.).
export const TOPIC_RE = /^[A-Za-z0-9_]{1,32}$/;

const STATUS_VARIANTS: Readonly<Record<string, TokenStatus>> = {
  Bonding: "BONDING",
  Graduated: "GRADUATED",
  GraduationFailed: "GRADUATION_FAILED",
};

/** The `TokenStatus` unit variant named `name`, or undefined for an unknown one. */
export function tokenStatus(name: string): TokenStatus | undefined {
  return Object.hasOwn(STATUS_VARIANTS, name) ? STATUS_VARIANTS[name] : undefined;
}

/**
 * Creator-supplied text as PostgreSQL can store it: UTF-8 with invalid sequences replaced by U+FFFD and NUL
 * removed. Each change is noted in `repairs` so the row can say its text is not byte-exact.
 */
export function creatorText(bytes: Uint8Array, path: string, repairs: string[]): string {
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    text = utf8Lenient.decode(bytes);
    repairs.push(`${path}: replaced invalid UTF-8`);
  }
  if (text.includes("\0")) {
    const before = text.length;
    text = text.replaceAll("\0", "");
    const removed = before - text.length;
    repairs.push(`${path}: removed ${removed} NUL byte${removed === 1 ? "" : "s"}`);
  }
  return text;
}
