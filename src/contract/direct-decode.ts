// The factory's hot values decoded straight from their XDR bytes: the data of a factory event (only `token`
// and `creator`; every other field is skipped unread), TokenInfo and Vec<Address>. No SDK object is built.
// Each function either gives exactly what the SDK path in codec.ts gives, or DEFER: for anything unusual
// (malformed or non-canonical input, a type mismatch, a missing or repeated field, keys out of the host's
// order) the caller runs the SDK path, which then decides, with its own error messages.
import type { AddressKind } from "../internal/addresses.ts";
import { addressText } from "./address-text.ts";
import { creatorText, tokenStatus, utf8Lenient } from "./decode-rules.ts";
import type { BondingCurve, TokenInfo } from "./types.ts";
import { SC_ADDRESS, SCV, SYMBOL_MAX, XdrReader } from "./xdr-reader.ts";

/** "Ask the SDK path": the bytes hold something this decoder does not vouch for. */
export const DEFER: unique symbol = Symbol("defer to the SDK path");
export type Deferred = typeof DEFER;

const names = (...list: string[]): Uint8Array[] => list.map((n) => Buffer.from(n, "latin1"));

// ---- structs ------------------------------------------------------------------------------------------------

/**
 * Reads a `#[contracttype]` struct (an ScMap with Symbol keys) at the reader: for each key equal to `fields[i]`,
 * `at[i]` is where its value starts (-1: absent); every value is checked and skipped. Non-Symbol keys cannot name a
 * field and are skipped as the SDK path does. Returns false (defer) for an absent map, or Symbol keys that are not
 * ASCII and strictly ascending: the host always writes them so, and then no two can decode to the same name.
 */
export function readStruct(r: XdrReader, fields: readonly Uint8Array[], at: Int32Array, depth: number): boolean {
  at.fill(-1);
  if (!r.bool()) return false;
  const bytes = r.bytes;
  let prevStart = -1;
  let prevLength = 0;
  for (let n = r.count(8); n > 0; n--) {
    if (r.i32() !== SCV.symbol) {
      r.pos -= 4;
      r.skipScVal(depth + 1);
      r.skipScVal(depth + 1);
      continue;
    }
    const length = r.variable(SYMBOL_MAX);
    const start = r.startOf(length);
    for (let i = start; i < start + length; i++) if ((bytes[i] as number) >= 0x80) return false;
    if (prevStart >= 0 && compareBytes(bytes, prevStart, prevLength, start, length) >= 0) return false;
    prevStart = start;
    prevLength = length;
    const field = fieldIndex(bytes, start, length, fields);
    if (field >= 0) at[field] = r.pos;
    r.skipScVal(depth + 1);
  }
  return true;
}

function fieldIndex(bytes: Uint8Array, start: number, length: number, fields: readonly Uint8Array[]): number {
  next: for (let f = 0; f < fields.length; f++) {
    const name = fields[f] as Uint8Array;
    if (name.length !== length) continue;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== name[i]) continue next;
    return f;
  }
  return -1;
}

function compareBytes(b: Uint8Array, aStart: number, aLength: number, bStart: number, bLength: number): number {
  const n = Math.min(aLength, bLength);
  for (let i = 0; i < n; i++) {
    const d = (b[aStart + i] as number) - (b[bStart + i] as number);
    if (d !== 0) return d;
  }
  return aLength - bLength;
}

/** The ScVal at `at` has type `type` (and the reader is past the tag); false when absent or of another type. */
function seek(r: XdrReader, at: number, type: number): boolean {
  if (at < 0) return false;
  r.pos = at;
  return r.i32() === type;
}

/** An account or contract address among `allowed` at `at`, as StrKey text; undefined otherwise. */
export function addressAt(r: XdrReader, at: number, allowContract: boolean, allowAccount: boolean): string | undefined {
  if (!seek(r, at, SCV.address)) return undefined;
  const arm = r.address();
  let kind: AddressKind;
  if (arm === SC_ADDRESS.contract && allowContract) kind = "contract";
  else if (arm === SC_ADDRESS.account && allowAccount) kind = "account";
  else return undefined;
  return addressText(kind, r.bytes, r.keyAt);
}

// ---- events -------------------------------------------------------------------------------------------------

const EVENT_FIELDS = names("creator", "token");
const eventAt = new Int32Array(EVENT_FIELDS.length);

/**
 * The `token` (a contract address) and, with `launch`, `creator` of a factory event's base64 data, as
 * decodeFactoryEvent reads them: a field that is absent or not such an address is left out, and data that is
 * not a struct yields neither.
 */
export function eventFields(value: string, launch: boolean): { token?: string; creator?: string } | Deferred {
  const r = XdrReader.fromBase64(value);
  if (r === undefined) return DEFER;
  try {
    if (r.i32() !== SCV.map) {
      r.pos = 0;
      r.skipScVal();
      r.end();
      return {};
    }
    if (!readStruct(r, EVENT_FIELDS, eventAt, 0)) return DEFER;
    r.end();
    const out: { token?: string; creator?: string } = {};
    const token = addressAt(r, eventAt[1] as number, true, false);
    if (token !== undefined) out.token = token;
    if (launch) {
      const creator = addressAt(r, eventAt[0] as number, true, true);
      if (creator !== undefined) out.creator = creator;
    }
    return out;
  } catch {
    return DEFER;
  }
}

// ---- TokenInfo ----------------------------------------------------------------------------------------------

const enum F {
  bondingCurve,
  createdAt,
  creator,
  description,
  holdersCount,
  id,
  imageUrl,
  marketCap,
  name,
  status,
  symbol,
  tokenAddress,
  xlmRaised,
}
const TOKEN_INFO_FIELDS = names(
  "bonding_curve",
  "created_at",
  "creator",
  "description",
  "holders_count",
  "id",
  "image_url",
  "market_cap",
  "name",
  "status",
  "symbol",
  "token_address",
  "xlm_raised",
);
const infoAt = new Int32Array(TOKEN_INFO_FIELDS.length);
const CURVE_FIELDS = names("k", "tokens_remaining", "tokens_sold", "total_supply", "xlm_reserve");
const curveAt = new Int32Array(CURVE_FIELDS.length);

/**
 * A `TokenInfo` ScVal from the reader's position to the end of its input, as decodeTokenInfo decodes it
 * (strict types, lenient creator text with its repairs noted), or DEFER.
 */
export function readTokenInfo(r: XdrReader): TokenInfo | Deferred {
  try {
    if (r.i32() !== SCV.map || !readStruct(r, TOKEN_INFO_FIELDS, infoAt, 0)) return DEFER;
    r.end();
    const at = infoAt;
    const end = r.pos;

    const id = u32At(r, at[F.id] as number);
    const holdersCount = u32At(r, at[F.holdersCount] as number);
    const createdAt = seek(r, at[F.createdAt] as number, SCV.u64) ? r.u64() : undefined;
    const xlmRaised = i128At(r, at[F.xlmRaised] as number);
    const marketCap = i128At(r, at[F.marketCap] as number);
    const creator = addressAt(r, at[F.creator] as number, true, true);
    const tokenAddress = addressAt(r, at[F.tokenAddress] as number, true, false);
    const status = readStatus(r, at[F.status] as number);
    const bondingCurve = seek(r, at[F.bondingCurve] as number, SCV.map) ? readCurve(r) : undefined;
    if (
      id === undefined ||
      holdersCount === undefined ||
      createdAt === undefined ||
      xlmRaised === undefined ||
      marketCap === undefined ||
      creator === undefined ||
      tokenAddress === undefined ||
      status === undefined ||
      bondingCurve === undefined
    ) {
      return DEFER;
    }
    // Texts last, in the SDK path's order, so that the repairs are listed in the same order.
    const textRepairs: string[] = [];
    const name = textAt(r, at[F.name] as number, "name", textRepairs);
    const symbol = textAt(r, at[F.symbol] as number, "symbol", textRepairs);
    const imageUrl = textAt(r, at[F.imageUrl] as number, "image_url", textRepairs);
    const description = textAt(r, at[F.description] as number, "description", textRepairs);
    if (name === undefined || symbol === undefined || imageUrl === undefined || description === undefined) return DEFER;
    r.pos = end;
    return { id, creator, tokenAddress, name, symbol, imageUrl, description, createdAt, status, bondingCurve, xlmRaised, marketCap, holdersCount, textRepairs };
  } catch {
    return DEFER;
  }
}

/** A unit enum variant: a one-element Vec holding its name as a Symbol. */
function readStatus(r: XdrReader, at: number): TokenInfo["status"] | undefined {
  if (!seek(r, at, SCV.vec) || !r.bool() || r.count(4) !== 1 || r.i32() !== SCV.symbol) return undefined;
  const length = r.variable(SYMBOL_MAX);
  const from = r.startOf(length);
  return tokenStatus(utf8Lenient.decode(r.bytes.subarray(from, from + length)));
}

function readCurve(r: XdrReader): BondingCurve | undefined {
  if (!readStruct(r, CURVE_FIELDS, curveAt, 1)) return undefined;
  const k = i128At(r, curveAt[0] as number);
  const tokensRemaining = i128At(r, curveAt[1] as number);
  const tokensSold = i128At(r, curveAt[2] as number);
  const totalSupply = i128At(r, curveAt[3] as number);
  const xlmReserve = i128At(r, curveAt[4] as number);
  if (k === undefined || tokensRemaining === undefined || tokensSold === undefined || totalSupply === undefined || xlmReserve === undefined) {
    return undefined;
  }
  return { totalSupply, tokensSold, tokensRemaining, xlmReserve, k };
}

// Typed reads of a field at `at` (-1: absent); undefined when absent or of another type.
function u32At(r: XdrReader, at: number): number | undefined {
  return seek(r, at, SCV.u32) ? r.u32() : undefined;
}

export function i128At(r: XdrReader, at: number): bigint | undefined {
  return seek(r, at, SCV.i128) ? r.i128() : undefined;
}

function textAt(r: XdrReader, at: number, path: string, repairs: string[]): string | undefined {
  if (!seek(r, at, SCV.string)) return undefined;
  const length = r.variable();
  const from = r.startOf(length);
  return creatorText(r.bytes.subarray(from, from + length), path, repairs);
}

// ---- Vec<Address> -------------------------------------------------------------------------------------------

/** A `Vec<Address>` (accounts or contracts) from the reader's position to the end of its input, or DEFER. */
export function readAddressVec(r: XdrReader): string[] | Deferred {
  try {
    if (r.i32() !== SCV.vec || !r.bool()) return DEFER;
    const n = r.count(4);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      if (r.i32() !== SCV.address) return DEFER;
      const arm = r.address();
      if (arm === SC_ADDRESS.contract) out.push(addressText("contract", r.bytes, r.keyAt));
      else if (arm === SC_ADDRESS.account) out.push(addressText("account", r.bytes, r.keyAt));
      else return DEFER;
    }
    r.end();
    return out;
  } catch {
    return DEFER;
  }
}
