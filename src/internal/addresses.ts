// Validation of Stellar addresses at the edge, with StrKey. Messages name the bad value, except
// secret seeds, which are masked: a mistaken paste must not land in logs.
import { StrKey } from "@stellar/stellar-sdk/base";
import { quoteValue } from "./text/quote.ts";

export type AddressKind = "account" | "contract";

export class AddressError extends Error {
  override name = "AddressError";
}

export function validateAddress(raw: string, label: string, allowed: AddressKind[]): string {
  const value = raw.trim();
  const shown = describe(value);
  const expected = allowed.map((k) => (k === "account" ? "a G... account" : "a C... contract")).join(" or ");
  if (value === "") throw new AddressError(`${label} is empty: expected ${expected} address`);
  if (/\s/.test(value)) throw new AddressError(`${label} ${shown} contains whitespace: expected ${expected} address`);
  if (allowed.includes("account") && StrKey.isValidEd25519PublicKey(value)) return value;
  if (allowed.includes("contract") && StrKey.isValidContract(value)) return value;
  throw new AddressError(`${label} ${shown} is not valid: ${why(value, allowed)}; expected ${expected} address`);
}

function why(value: string, allowed: AddressKind[]): string {
  if (StrKey.isValidEd25519SecretSeed(value)) return "it is a secret seed, never pass secret keys";
  if (StrKey.isValidMed25519PublicKey(value)) return "it is a muxed M... account";
  if (StrKey.isValidEd25519PublicKey(value)) return "it is an account, not a contract";
  if (StrKey.isValidContract(value)) return allowed.includes("contract") ? "unexpected" : "it is a contract, not an account";
  if (value !== value.toUpperCase()) return "addresses are upper case";
  if (value.length !== 56) return `it has ${value.length} characters, addresses have 56`;
  return "bad checksum or encoding";
}

/** Quotes the value, masking all but the ends of anything that looks like a secret seed. */
function describe(value: string): string {
  if (/^S[A-Z2-7]{20,}/.test(value)) return `"S...${value.slice(-4)}"`;
  return quoteValue(value);
}
