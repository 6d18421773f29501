// ScVal ↔ domain for the SAC Factory: strict about shape and types, lenient only where the contract itself is
// (creator-supplied strings). Layout facts come from /work/shared/contract/sac-factory.md.
import { Address, StrKey, xdr } from "@stellar/stellar-sdk/base";
import type { AddressKind } from "../addresses.ts";
import type { BondingCurve, FactoryEvent, TokenInfo, TokenStatus } from "./types.ts";

/** A value does not have the shape the factory's interface promises. Permanent for the value it came from. */
export class DecodeError extends Error {
  override name = "DecodeError";
}

// ---- primitives -------------------------------------------------------------------------------------------

const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Short, printable rendering of an untrusted name for error messages. */
function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

function fail(path: string, what: string): never {
  throw new DecodeError(`${path}: ${what}`);
}

function expectScVal(val: unknown, path: string): xdr.ScVal {
  if (!xdr.ScVal.is(val)) fail(path, "not an ScVal");
  return val;
}

function typeMismatch(val: xdr.ScVal, expected: string, path: string): never {
  fail(path, `expected ${expected}, got ${val.type}`);
}

function symbolText(val: xdr.ScValSymbol): string {
  return utf8Lenient.decode(val.sym.bytes);
}

export function decodeU32(val: xdr.ScVal, path = "value"): number {
  const v = expectScVal(val, path);
  if (v.type !== "scvU32") typeMismatch(v, "u32", path);
  return v.u32;
}

function decodeU64(val: xdr.ScVal, path: string): bigint {
  const v = expectScVal(val, path);
  if (v.type !== "scvU64") typeMismatch(v, "u64", path);
  return v.u64;
}

export function decodeI128(val: xdr.ScVal, path = "value"): bigint {
  const v = expectScVal(val, path);
  if (v.type !== "scvI128") typeMismatch(v, "i128", path);
  // hi is the signed upper half, lo the unsigned lower half.
  return (BigInt.asIntN(64, v.i128.hi) << 64n) | BigInt.asUintN(64, v.i128.lo);
}


/** A `G...` or `C...` address; other ScAddress kinds (muxed, balances, pools) are never factory participants. */
function decodeAddress(val: xdr.ScVal, path: string, allowed: readonly AddressKind[] = ["account", "contract"]): string {
  const v = expectScVal(val, path);
  if (v.type !== "scvAddress") typeMismatch(v, "address", path);
  const kind =
    v.address.type === "scAddressTypeAccount" ? "account" : v.address.type === "scAddressTypeContract" ? "contract" : null;
  if (kind === null || !allowed.includes(kind)) {
    fail(path, `expected ${allowed.join(" or ")} address, got ${v.address.type}`);
  }
  try {
    return v.address.type === "scAddressTypeAccount"
      ? strKey("account", v.address.accountId.ed25519.toBytes())
      : strKey("contract", (v.address as xdr.ScAddressContract).contractId.value);
  } catch (e) {
    fail(path, `unencodable address: ${(e as Error).message}`);
  }
}

// StrKey encoding (base32 with a checksum) costs more than the rest of an event's decoding, and events name the
// same tokens and creators again and again. Bounded: emptied when full, so memory does not grow with the chain.
const strKeys = new Map<string, string>();
const STRKEY_CACHE_MAX = 20_000;

function strKey(kind: AddressKind, key: Uint8Array): string {
  const id = kind[0] + Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
  let text = strKeys.get(id);
  if (text === undefined) {
    text = kind === "account" ? StrKey.encodeEd25519PublicKey(key) : StrKey.encodeContract(key);
    if (strKeys.size >= STRKEY_CACHE_MAX) strKeys.clear();
    strKeys.set(id, text);
  }
  return text;
}

/**
 * Creator-supplied text as PostgreSQL can store it: UTF-8 with invalid sequences replaced by U+FFFD and NUL
 * removed. Each change is noted in `repairs` so the row can say its text is not byte-exact.
 */
function decodeText(val: xdr.ScVal, path: string, repairs: string[]): string {
  const v = expectScVal(val, path);
  if (v.type !== "scvString") typeMismatch(v, "string", path);
  const bytes = v.str.bytes;
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

function decodeVec(val: xdr.ScVal, path: string): xdr.ScVal[] {
  const v = expectScVal(val, path);
  if (v.type !== "scvVec") typeMismatch(v, "vec", path);
  if (v.vec === null) fail(path, "vec is absent");
  return v.vec;
}

/** The Symbol-keyed fields of a `#[contracttype]` struct. Non-Symbol keys cannot name a field and are skipped. */
function decodeStruct(val: xdr.ScVal, path: string): Map<string, xdr.ScVal> {
  const v = expectScVal(val, path);
  if (v.type !== "scvMap") typeMismatch(v, "map", path);
  if (v.map === null) fail(path, "map is absent");
  const fields = new Map<string, xdr.ScVal>();
  for (const entry of v.map) {
    if (entry.key.type !== "scvSymbol") continue;
    const name = symbolText(entry.key);
    if (fields.has(name)) fail(path, `duplicate field ${quote(name)}`);
    fields.set(name, entry.val);
  }
  return fields;
}

function field(fields: Map<string, xdr.ScVal>, name: string, path: string): xdr.ScVal {
  const val = fields.get(name);
  if (val === undefined) fail(prefixed(path, name), "missing field");
  return val;
}

function prefixed(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

// ---- TokenInfo ----------------------------------------------------------------------------------------------

const STATUS_VARIANTS: Readonly<Record<string, TokenStatus>> = {
  Bonding: "BONDING",
  Graduated: "GRADUATED",
  GraduationFailed: "GRADUATION_FAILED",
};

/** A unit enum variant travels as a one-element Vec holding its name as a Symbol. */
function decodeStatus(val: xdr.ScVal, path: string): TokenStatus {
  const items = decodeVec(val, path);
  const [variant] = items;
  if (items.length !== 1 || variant === undefined || variant.type !== "scvSymbol") {
    fail(path, "expected a unit enum variant [Symbol]");
  }
  const name = symbolText(variant);
  const status = Object.hasOwn(STATUS_VARIANTS, name) ? STATUS_VARIANTS[name] : undefined;
  if (status === undefined) fail(path, `unknown status variant ${quote(name)}`);
  return status;
}

function decodeBondingCurve(val: xdr.ScVal, path: string): BondingCurve {
  const f = decodeStruct(val, path);
  const i128 = (name: string) => decodeI128(field(f, name, path), prefixed(path, name));
  return {
    totalSupply: i128("total_supply"),
    tokensSold: i128("tokens_sold"),
    tokensRemaining: i128("tokens_remaining"),
    xlmReserve: i128("xlm_reserve"),
    k: i128("k"),
  };
}

/** Decodes a `TokenInfo` struct. Throws DecodeError (naming the field) on any missing field or type mismatch. */
export function decodeTokenInfo(val: xdr.ScVal): TokenInfo {
  const f = decodeStruct(val, "TokenInfo");
  const get = (name: string) => field(f, name, "");
  const textRepairs: string[] = [];
  return {
    id: decodeU32(get("id"), "id"),
    creator: decodeAddress(get("creator"), "creator"),
    tokenAddress: decodeAddress(get("token_address"), "token_address", ["contract"]),
    name: decodeText(get("name"), "name", textRepairs),
    symbol: decodeText(get("symbol"), "symbol", textRepairs),
    imageUrl: decodeText(get("image_url"), "image_url", textRepairs),
    description: decodeText(get("description"), "description", textRepairs),
    createdAt: decodeU64(get("created_at"), "created_at"),
    status: decodeStatus(get("status"), "status"),
    bondingCurve: decodeBondingCurve(get("bonding_curve"), "bonding_curve"),
    xlmRaised: decodeI128(get("xlm_raised"), "xlm_raised"),
    marketCap: decodeI128(get("market_cap"), "market_cap"),
    holdersCount: decodeU32(get("holders_count"), "holders_count"),
    textRepairs,
  };
}

/** `Option<TokenInfo>`: `void` (unknown token) → null. */
export function decodeOptionTokenInfo(val: xdr.ScVal): TokenInfo | null {
  return expectScVal(val, "Option<TokenInfo>").type === "scvVoid" ? null : decodeTokenInfo(val);
}

/** `Vec<Address>`, e.g. a creator's tokens, order kept. */
export function decodeAddressVec(val: xdr.ScVal, path = "Vec<Address>"): string[] {
  return decodeVec(val, path).map((item, i) => decodeAddress(item, `${path}[${i}]`));
}

// ---- storage ------------------------------------------------------------------------------------------------

function persistentKey(contractId: string, key: xdr.ScVal): xdr.LedgerKey {
  return xdr.LedgerKey.contractData(
    new xdr.LedgerKeyContractData({
      contract: new Address(contractId).toScAddress(),
      key,
      durability: xdr.ContractDataDurability.persistent,
    }),
  );
}

function dataKey(name: string, address: string): xdr.ScVal {
  return xdr.ScVal.scvVec([xdr.ScVal.scvSymbol(name), new Address(address).toScVal()]);
}

/** Persistent `Vec[Symbol("TokenInfo"), Address(token)]` → TokenInfo. */
export function tokenInfoKey(contractId: string, token: string): xdr.LedgerKey {
  return persistentKey(contractId, dataKey("TokenInfo", token));
}

/** Persistent `Vec[Symbol("CreatorTokens"), Address(creator)]` → Vec<Address>. */
export function creatorTokensKey(contractId: string, creator: string): xdr.LedgerKey {
  return persistentKey(contractId, dataKey("CreatorTokens", creator));
}

/**
 * A getLedgerEntries `xdr` field (base64 LedgerEntryData of a ContractData entry): the entry's own ledger key,
 * rebuilt from the entry rather than trusted from the response's `key` field, and the value stored.
 */
export function decodeContractDataEntry(entryXdrB64: string): { key: xdr.LedgerKey; value: xdr.ScVal } {
  let data: xdr.LedgerEntryData;
  try {
    data = xdr.LedgerEntryData.fromXdr(entryXdrB64, "base64");
  } catch (e) {
    fail("LedgerEntryData", `undecodable XDR: ${oneLine((e as Error).message)}`);
  }
  if (data.type !== "contractData") fail("LedgerEntryData", `expected contractData, got ${data.type}`);
  const { contract, key, durability, val } = data.contractData;
  return {
    key: xdr.LedgerKey.contractData(new xdr.LedgerKeyContractData({ contract, key, durability })),
    value: val,
  };
}

// ---- events -------------------------------------------------------------------------------------------------

/** Launch events also name the creator. */
export const LAUNCH_TOPICS: ReadonlySet<string> = new Set(["token_launched", "token_launched_detailed"]);

// Real topics are Soroban symbols; anything else is not ours and must not reach the database (NUL, etc.).
const SYMBOL_RE = /^[A-Za-z0-9_]{1,32}$/;

/**
 * A raw getEvents event → FactoryEvent. Never throws.
 * - null: not a factory-shaped event (not exactly one Symbol topic, undecodable XDR, bad id/ledger).
 * - otherwise a FactoryEvent with the topic; `token` when the data map has a valid `token` address (any topic,
 *   so later contract versions' token events are still noticed); `creator` only for launch topics.
 *   Admin events, `liquidity_locked` and unknown topics come back with the topic only: the caller can count
 *   them, and a token field that fails to decode is simply left out.
 */
export function decodeFactoryEvent(raw: {
  id: string;
  ledger: number;
  contractId?: string;
  topic: string[];
  value: string;
}): FactoryEvent | null {
  try {
    if (typeof raw.id !== "string" || !Number.isSafeInteger(raw.ledger) || !Array.isArray(raw.topic)) return null;
    if (raw.topic.length !== 1 || typeof raw.topic[0] !== "string") return null;
    const topicVal = xdr.ScVal.fromXdr(raw.topic[0], "base64");
    if (topicVal.type !== "scvSymbol") return null;
    const topic = utf8Strict.decode(topicVal.sym.bytes);
    if (!SYMBOL_RE.test(topic)) return null;

    const event: FactoryEvent = { id: raw.id, ledger: raw.ledger, topic };
    let fields: Map<string, xdr.ScVal>;
    try {
      fields = decodeStruct(xdr.ScVal.fromXdr(raw.value, "base64"), topic);
    } catch {
      return event;
    }
    const token = optional(() => decodeAddress(field(fields, "token", topic), `${topic}.token`, ["contract"]));
    if (token !== undefined) event.token = token;
    if (LAUNCH_TOPICS.has(topic)) {
      const creator = optional(() => decodeAddress(field(fields, "creator", topic), `${topic}.creator`));
      if (creator !== undefined) event.creator = creator;
    }
    return event;
  } catch {
    return null;
  }
}

function optional<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
