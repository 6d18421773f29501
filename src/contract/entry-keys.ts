// getLedgerEntries keys of one of the factory's persistent `Vec[Symbol(tag), Address]` entries (TokenInfo,
// CreatorTokens), built from byte templates (prefix + the address's 32 key bytes + suffix) instead of an
// xdr.LedgerKey per address, and the reverse: which requested address a returned entry belongs to, read off the
// entry's own contract, key and durability bytes without decoding or re-encoding it.
// The templates are the SDK's own encoding of the key (codec.ts), so both ways agree with it by construction.
import { StrKey, xdr } from "@stellar/stellar-sdk/base";
import type { AddressKind } from "../internal/addresses.ts";
import { XdrReader } from "./xdr-reader.ts";

const CONTRACT_DATA = xdr.LedgerEntryType.contractData.value;

interface Template {
  kind: AddressKind;
  /** LedgerKey bytes before the address's key bytes, after them. */
  prefix: Uint8Array;
  suffix: Uint8Array;
}

// Lookup keys are the address's last 36 bytes in the LedgerKey as a latin1 string: the 32 key bytes and the 4
// before them, which tell the kinds apart (ScAddress type 1 for contracts, PublicKey type 0 for accounts).
const LOOKUP = 36;

export interface EntryMatch {
  kind: AddressKind;
  /** The lookup key (the same as `key(address).key` of the entry's address). */
  key: string;
  /** The reader, at the entry's value. */
  reader: XdrReader;
}

export class EntryKeys {
  readonly #templates: Template[];

  /** `ledgerKey(contractId, address)` is the SDK's encoding, e.g. codec.ts's tokenInfoKey. */
  constructor(contractId: string, ledgerKey: (contractId: string, address: string) => xdr.LedgerKey) {
    const zero = new Uint8Array(32);
    this.#templates = (["contract", "account"] as const).map((kind) => {
      const sample = kind === "contract" ? StrKey.encodeContract(zero) : StrKey.encodeEd25519PublicKey(zero);
      const bytes = ledgerKey(contractId, sample).toXdr();
      // The address is the key's last element and durability follows it: [... key(32)][durability(4)].
      const at = bytes.length - 4 - 32;
      if (!bytes.subarray(at, at + 32).every((b) => b === 0)) throw new Error("unexpected ledger key layout");
      return { kind, prefix: bytes.slice(0, at), suffix: bytes.slice(at + 32) };
    });
  }

  /**
   * The address's lookup key (what `match` returns for its entry) and its base64 LedgerKey;
   * undefined for anything but a valid G... or C... address.
   */
  key(address: string): { kind: AddressKind; key: string; xdr: string } | undefined {
    const kind: AddressKind | undefined = address.startsWith("C") ? "contract" : address.startsWith("G") ? "account" : undefined;
    if (kind === undefined) return undefined;
    let raw: Uint8Array;
    try {
      raw = kind === "contract" ? StrKey.decodeContract(address) : StrKey.decodeEd25519PublicKey(address);
    } catch {
      return undefined;
    }
    if (raw.length !== 32) return undefined;
    const t = this.#template(kind);
    const bytes = Buffer.allocUnsafe(t.prefix.length + 32 + t.suffix.length);
    bytes.set(t.prefix, 0);
    bytes.set(raw, t.prefix.length);
    bytes.set(t.suffix, t.prefix.length + 32);
    const end = t.prefix.length + 32;
    return { kind, key: bytes.toString("latin1", end - LOOKUP, end), xdr: bytes.toString("base64") };
  }

  /**
   * For a getLedgerEntries `xdr` (LedgerEntryData, base64) whose key has this layout: the address's key bytes
   * and a reader at the stored value. undefined when it has another key, or is not canonical base64 (the SDK
   * path decides those).
   */
  match(entryXdr: string): EntryMatch | undefined {
    const r = XdrReader.fromBase64(entryXdr);
    if (r === undefined) return undefined;
    const b = r.bytes as Buffer;
    // LedgerEntryData = type, then for contract data: ext (ExtensionPoint v0), contract, key, durability, val.
    // The LedgerKey is the same bytes without ext.
    if (b.length < 8 || b.readInt32BE(0) !== CONTRACT_DATA || b.readInt32BE(4) !== 0) return undefined;
    for (const t of this.#templates) {
      const at = 8 + t.prefix.length - 4;
      const end = at + 32 + t.suffix.length;
      if (b.length < end || !sameBytes(b, 8, t.prefix, 4) || !sameBytes(b, at + 32, t.suffix, 0)) continue;
      r.pos = end;
      return { kind: t.kind, key: b.toString("latin1", at + 32 - LOOKUP, at + 32), reader: r };
    }
    return undefined;
  }

  #template(kind: AddressKind): Template {
    return this.#templates[kind === "contract" ? 0 : 1] as Template;
  }
}

/** `b[at..]` equals `t[from..]`. */
function sameBytes(b: Uint8Array, at: number, t: Uint8Array, from: number): boolean {
  for (let i = from; i < t.length; i++) if (b[at + i - from] !== t[i]) return false;
  return true;
}
