// StrKey text (G... / C...) of a 32-byte account or contract key. Encoding (base32 with a CRC16 checksum) costs
// about 1 µs, and a sync meets the same creators and tokens again and again: events, TokenInfo, creator lists.
// A direct-mapped cache keyed by the raw bytes where they lie (no key string is built, nothing is allocated on a
// hit) and bounded (2^16 slots, about 7 MB), so memory stays flat at any number of tokens; a collision only
// costs a re-encoding.
import { StrKey } from "@stellar/stellar-sdk/base";
import type { AddressKind } from "../addresses.ts";

const SLOTS = 1 << 16;
const KEY = 33; // kind byte + 32 key bytes
const keys = new Uint8Array(SLOTS * KEY);
const texts: Array<string | undefined> = new Array<string | undefined>(SLOTS).fill(undefined);

/** `kind`'s StrKey of `bytes[at .. at + 32]` (the caller has checked that 32 bytes are there). */
export function addressText(kind: AddressKind, bytes: Uint8Array, at: number): string {
  const k = kind === "account" ? 1 : 2;
  // Keys are hashes or public keys: their bytes are already uniform, so a few of them make the slot index.
  const slot = (((bytes[at] as number) << 8) | (bytes[at + 1] as number)) ^ (((bytes[at + 30] as number) << 8) | (bytes[at + 31] as number)) ^ (k << 7);
  const base = slot * KEY;
  const cached = texts[slot];
  if (cached !== undefined && keys[base] === k && sameKey(bytes, at, base)) return cached;
  const key = bytes.subarray(at, at + 32);
  const text = kind === "account" ? StrKey.encodeEd25519PublicKey(key) : StrKey.encodeContract(key);
  keys[base] = k;
  keys.set(key, base + 1);
  texts[slot] = text;
  return text;
}

function sameKey(bytes: Uint8Array, at: number, base: number): boolean {
  for (let i = 0; i < 32; i++) if (bytes[at + i] !== keys[base + 1 + i]) return false;
  return true;
}
