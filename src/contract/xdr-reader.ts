// A strict, allocation-light cursor over XDR bytes, for the few shapes the sync reads in bulk (factory events,
// TokenInfo and CreatorTokens entries). It reads integers and byte strings in place and skips any ScVal by
// walking it, where the SDK builds an object for every field. Every read is bounds-checked; malformed or
// truncated input throws DecodeError and so does a value it does not understand (contract instances, nonce
// keys, nesting deeper than MAX_DEPTH): its callers then defer to the SDK, which stays the reference.
// Enum numbers come from the SDK's generated types.
import { xdr } from "@stellar/stellar-sdk/base";
import { DecodeError } from "./decode-rules.ts";

/** ScVal type tags. */
export const SCV = {
  bool: xdr.ScValType.scvBool.value,
  void: xdr.ScValType.scvVoid.value,
  error: xdr.ScValType.scvError.value,
  u32: xdr.ScValType.scvU32.value,
  i32: xdr.ScValType.scvI32.value,
  u64: xdr.ScValType.scvU64.value,
  i64: xdr.ScValType.scvI64.value,
  timepoint: xdr.ScValType.scvTimepoint.value,
  duration: xdr.ScValType.scvDuration.value,
  u128: xdr.ScValType.scvU128.value,
  i128: xdr.ScValType.scvI128.value,
  u256: xdr.ScValType.scvU256.value,
  i256: xdr.ScValType.scvI256.value,
  bytes: xdr.ScValType.scvBytes.value,
  string: xdr.ScValType.scvString.value,
  symbol: xdr.ScValType.scvSymbol.value,
  vec: xdr.ScValType.scvVec.value,
  map: xdr.ScValType.scvMap.value,
  address: xdr.ScValType.scvAddress.value,
} as const;

/** ScAddress arms. */
export const SC_ADDRESS = {
  account: xdr.ScAddressType.scAddressTypeAccount.value,
  contract: xdr.ScAddressType.scAddressTypeContract.value,
  muxedAccount: xdr.ScAddressType.scAddressTypeMuxedAccount.value,
  claimableBalance: xdr.ScAddressType.scAddressTypeClaimableBalance.value,
  liquidityPool: xdr.ScAddressType.scAddressTypeLiquidityPool.value,
} as const;

const ED25519 = xdr.PublicKeyType.publicKeyTypeEd25519.value;
const CLAIMABLE_BALANCE_V0 = xdr.ClaimableBalanceIdType.claimableBalanceIdTypeV0.value;
const SCE_CONTRACT = xdr.ScErrorType.sceContract.value;
const SC_ERROR_TYPES: ReadonlyMap<number, string> = xdr.ScErrorType.schema.nameByValue;
const SC_ERROR_CODES: ReadonlyMap<number, string> = xdr.ScErrorCode.schema.nameByValue;
/** ScSymbol is `string<32>`. */
export const SYMBOL_MAX = 32;
/** Containers nested deeper than this are left to the SDK (which allows far more). */
export const MAX_DEPTH = 64;

export class XdrReader {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  pos = 0;
  /** Where the 32 key bytes of the last address read by `address()` start. */
  keyAt = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * A reader over canonical base64 (padded, standard or URL-safe alphabet, no whitespace), or undefined for
   * anything else: the SDK's decoder (atob) accepts some strings Buffer would read differently, and it decides those.
   */
  static fromBase64(text: string): XdrReader | undefined {
    const length = text.length;
    if (length % 4 !== 0) return undefined;
    const pad = length === 0 ? 0 : text.charCodeAt(length - 1) !== 61 ? 0 : text.charCodeAt(length - 2) !== 61 ? 1 : 2;
    if (pad === 2 && text.charCodeAt(length - 3) === 61) return undefined;
    const bytes = Buffer.from(text, "base64");
    // Buffer skips characters outside the alphabet: then fewer bytes come out than the length promises.
    if (bytes.length !== (length / 4) * 3 - pad) return undefined;
    return new XdrReader(bytes);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  #take(n: number): number {
    const at = this.pos;
    if (this.bytes.length - at < n) throw new DecodeError(`XDR: truncated at byte ${at}, needed ${n}`);
    this.pos = at + n;
    return at;
  }

  u32(): number {
    return this.#view.getUint32(this.#take(4));
  }

  i32(): number {
    return this.#view.getInt32(this.#take(4));
  }

  u64(): bigint {
    return this.#view.getBigUint64(this.#take(8));
  }

  /** Int128Parts: hi is the signed upper half, lo the unsigned lower half. */
  i128(): bigint {
    const at = this.#take(16);
    return (this.#view.getBigInt64(at) << 64n) | this.#view.getBigUint64(at + 8);
  }

  bool(): boolean {
    const v = this.u32();
    if (v > 1) throw new DecodeError(`XDR: bool ${v} at byte ${this.pos - 4}`);
    return v === 1;
  }

  /** `opaque[n]`: returns where its bytes start. */
  fixed(n: number): number {
    const at = this.#take(n);
    this.#padding(n);
    return at;
  }

  /** `opaque<max>` / `string<max>`: returns the length; the bytes start at `pos - padded length`. */
  variable(max = 0xffffffff): number {
    const n = this.u32();
    if (n > max) throw new DecodeError(`XDR: length ${n} exceeds ${max} at byte ${this.pos - 4}`);
    this.#take(n);
    this.#padding(n);
    return n;
  }

  /** Start of the bytes of the `opaque<>` of length `n` just read. */
  startOf(n: number): number {
    return this.pos - n - ((4 - (n % 4)) % 4);
  }

  #padding(n: number): void {
    const pad = (4 - (n % 4)) % 4;
    const at = this.#take(pad);
    for (let i = 0; i < pad; i++) if (this.bytes[at + i] !== 0) throw new DecodeError(`XDR: non-zero padding at byte ${at}`);
  }

  /** An array's element count, checked against what is left (each element takes at least `minSize` bytes). */
  count(minSize: number): number {
    const n = this.u32();
    if (n * minSize > this.remaining) throw new DecodeError(`XDR: ${n} elements cannot fit in ${this.remaining} bytes`);
    return n;
  }

  /** The end of the input. */
  end(): void {
    if (this.pos !== this.bytes.length) throw new DecodeError(`XDR: ${this.remaining} trailing bytes`);
  }

  /**
   * An ScAddress: returns its arm; for accounts and contracts `keyAt` is where the 32 key bytes start. Other
   * arms (muxed accounts, claimable balances, liquidity pools) are read past.
   */
  address(): number {
    const arm = this.i32();
    switch (arm) {
      case SC_ADDRESS.account:
        if (this.i32() !== ED25519) throw new DecodeError("XDR: unknown public key type");
        this.keyAt = this.fixed(32);
        return arm;
      case SC_ADDRESS.contract:
        this.keyAt = this.fixed(32);
        return arm;
      case SC_ADDRESS.muxedAccount:
        this.fixed(8 + 32);
        return arm;
      case SC_ADDRESS.claimableBalance:
        if (this.i32() !== CLAIMABLE_BALANCE_V0) throw new DecodeError("XDR: unknown claimable balance id type");
        this.fixed(32);
        return arm;
      case SC_ADDRESS.liquidityPool:
        this.fixed(32);
        return arm;
      default:
        throw new DecodeError(`XDR: unknown ScAddress type ${arm}`);
    }
  }

  /** Reads past one ScVal, checking it as strictly as the SDK does. */
  skipScVal(depth = 0): void {
    const type = this.i32();
    switch (type) {
      case SCV.bool:
        this.bool();
        return;
      case SCV.void:
        return;
      case SCV.error: {
        const errorType = this.i32();
        if (!SC_ERROR_TYPES.has(errorType)) throw new DecodeError(`XDR: unknown ScErrorType ${errorType}`);
        const code = this.i32();
        if (errorType !== SCE_CONTRACT && !SC_ERROR_CODES.has(code)) throw new DecodeError(`XDR: unknown ScErrorCode ${code}`);
        return;
      }
      case SCV.u32:
      case SCV.i32:
        this.#take(4);
        return;
      case SCV.u64:
      case SCV.i64:
      case SCV.timepoint:
      case SCV.duration:
        this.#take(8);
        return;
      case SCV.u128:
      case SCV.i128:
        this.#take(16);
        return;
      case SCV.u256:
      case SCV.i256:
        this.#take(32);
        return;
      case SCV.bytes:
      case SCV.string:
        this.variable();
        return;
      case SCV.symbol:
        this.variable(SYMBOL_MAX);
        return;
      case SCV.vec: {
        if (!this.bool()) return;
        if (depth >= MAX_DEPTH) throw new DecodeError("XDR: nested too deep");
        for (let n = this.count(4); n > 0; n--) this.skipScVal(depth + 1);
        return;
      }
      case SCV.map: {
        if (!this.bool()) return;
        if (depth >= MAX_DEPTH) throw new DecodeError("XDR: nested too deep");
        for (let n = this.count(8); n > 0; n--) {
          this.skipScVal(depth + 1);
          this.skipScVal(depth + 1);
        }
        return;
      }
      case SCV.address:
        this.address();
        return;
      default:
        throw new DecodeError(`XDR: ScVal type ${type} not understood`);
    }
  }
}
