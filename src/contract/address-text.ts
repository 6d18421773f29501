// StrKey text (G... / C...) of a 32-byte account or contract key, straight from the bytes where they lie.
// The SDK's StrKey.encode* costs about 1 µs (it rebuilds its CRC table and concatenates arrays on every call),
// and a sync encodes every token and creator several times (events, TokenInfo, creator lists). A cache does not
// help at launchpad scale: with 100,000 tokens met in no particular order a bounded one mostly misses (measured
// with scripts/bench/decode.ts: slower than no cache), and an unbounded one grows with the chain. So this
// encodes directly, in about 0.3 µs and keeping nothing: version byte + key + CRC16-XModem (little-endian), in
// RFC 4648 base32. test/contract/xdr-reader.test.ts checks it against the SDK's encoder.
import type { AddressKind } from "../internal/addresses.ts";

const ALPHABET = Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "latin1");
/** SEP-23 version bytes: ed25519 public key (G), contract (C). */
const VERSION: Readonly<Record<AddressKind, number>> = { account: 6 << 3, contract: 2 << 3 };

const CRC_TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  CRC_TABLE[i] = c;
}

// Scratch space: the 35 bytes to encode and their 56 base32 characters.
const raw = new Uint8Array(35);
const text = Buffer.alloc(56);

/** `kind`'s StrKey of `bytes[at .. at + 32]` (the caller has checked that 32 bytes are there). */
export function addressText(kind: AddressKind, bytes: Uint8Array, at: number): string {
  const version = VERSION[kind];
  raw[0] = version;
  let crc = CRC_TABLE[version] as number;
  for (let i = 0; i < 32; i++) {
    const b = bytes[at + i] as number;
    raw[i + 1] = b;
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >> 8) ^ b) & 0xff] as number)) & 0xffff;
  }
  raw[33] = crc & 0xff;
  raw[34] = crc >> 8;
  // Every 5 bytes are 8 characters of 5 bits.
  for (let i = 0, o = 0; i < 35; i += 5, o += 8) {
    const b0 = raw[i] as number;
    const b1 = raw[i + 1] as number;
    const b2 = raw[i + 2] as number;
    const b3 = raw[i + 3] as number;
    const b4 = raw[i + 4] as number;
    text[o] = ALPHABET[b0 >> 3] as number;
    text[o + 1] = ALPHABET[((b0 & 7) << 2) | (b1 >> 6)] as number;
    text[o + 2] = ALPHABET[(b1 >> 1) & 31] as number;
    text[o + 3] = ALPHABET[((b1 & 1) << 4) | (b2 >> 4)] as number;
    text[o + 4] = ALPHABET[((b2 & 15) << 1) | (b3 >> 7)] as number;
    text[o + 5] = ALPHABET[(b3 >> 2) & 31] as number;
    text[o + 6] = ALPHABET[((b3 & 3) << 3) | (b4 >> 5)] as number;
    text[o + 7] = ALPHABET[b4 & 31] as number;
  }
  return text.toString("latin1", 0, 56);
}
