// ScVal ↔ domain for the SAC Factory: strict about shape and types, lenient only where the contract itself is
// (creator-supplied strings). Layout facts come from /work/shared/contract/sac-factory.md.
// This is the SDK path: the reference for direct-decode.ts, which reads the hot values straight from their bytes
// and defers to it for anything unusual.
import { Address, xdr } from "@stellar/stellar-sdk/base";
import type { AddressKind } from "../internal/addresses.ts";
import { addressText } from "./address-text.ts";
import { DecodeError, FACTORY_TOPICS, LAUNCH_TOPICS, TOPIC_RE, creatorText, tokenStatus, utf8Lenient, utf8Strict } from "./decode-rules.ts";
import { DEFER, eventFields } from "./direct-decode.ts";
import type { BondingCurve, FactoryEvent, TokenInfo, TokenStatus } from "./types.ts";

export { DecodeError, LAUNCH_TOPICS };

// ---- primitives -------------------------------------------------------------------------------------------

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
export function decodeAddress(val: xdr.ScVal, path: string, allowed: readonly AddressKind[] = ["account", "contract"]): string {
  const v = expectScVal(val, path);
  if (v.type !== "scvAddress") typeMismatch(v, "address", path);
  const kind =
    v.address.type === "scAddressTypeAccount" ? "account" : v.address.type === "scAddressTypeContract" ? "contract" : null;
  if (kind === null || !allowed.includes(kind)) {
    fail(path, `expected ${allowed.join(" or ")} address, got ${v.address.type}`);
  }
  try {
    return v.address.type === "scAddressTypeAccount"
      ? addressText("account", v.address.accountId.ed25519.toBytes(), 0)
      : addressText("contract", (v.address as xdr.ScAddressContract).contractId.value, 0);
  } catch (e) {
    fail(path, `unencodable address: ${(e as Error).message}`);
  }
}

/** Creator-supplied text as PostgreSQL can store it (see creatorText). */
function decodeText(val: xdr.ScVal, path: string, repairs: string[]): string {
  const v = expectScVal(val, path);
  if (v.type !== "scvString") typeMismatch(v, "string", path);
  return creatorText(v.str.bytes, path, repairs);
}

function decodeVec(val: xdr.ScVal, path: string): xdr.ScVal[] {
  const v = expectScVal(val, path);
  if (v.type !== "scvVec") typeMismatch(v, "vec", path);
  if (v.vec === null) fail(path, "vec is absent");
  return v.vec;
}

/** The Symbol-keyed fields of a `#[contracttype]` struct. Non-Symbol keys cannot name a field and are skipped. */
export function decodeStruct(val: xdr.ScVal, path: string): Map<string, xdr.ScVal> {
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

export function field(fields: Map<string, xdr.ScVal>, name: string, path: string): xdr.ScVal {
  const val = fields.get(name);
  if (val === undefined) fail(prefixed(path, name), "missing field");
  return val;
}

function prefixed(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

// ---- TokenInfo ----------------------------------------------------------------------------------------------

/** A unit enum variant travels as a one-element Vec holding its name as a Symbol. */
function decodeStatus(val: xdr.ScVal, path: string): TokenStatus {
  const items = decodeVec(val, path);
  const [variant] = items;
  if (items.length !== 1 || variant === undefined || variant.type !== "scvSymbol") {
    fail(path, "expected a unit enum variant [Symbol]");
  }
  const name = symbolText(variant);
  const status = tokenStatus(name);
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

// The known topics' base64, so that their events' topic is one map lookup.
const TOPICS: ReadonlyMap<string, string> = new Map(FACTORY_TOPICS.map((t) => [xdr.ScVal.scvSymbol(t).toXdr("base64"), t]));

type RawEvent = { id: string; ledger: number; contractId?: string; topic: string[]; value: string };

/**
 * A raw getEvents event → FactoryEvent. Never throws.
 * - null: not a factory-shaped event (not exactly one Symbol topic, undecodable XDR, bad id/ledger).
 * - otherwise a FactoryEvent with the topic; `token` when the data map has a valid `token` address (any topic,
 *   so later contract versions' token events are still noticed); `creator` only for launch topics.
 *   Admin events, `liquidity_locked` and unknown topics come back with the topic only: the caller can count
 *   them, and a token field that fails to decode is simply left out.
 * The data is read straight from its bytes (direct-decode.ts); anything unusual takes the SDK path,
 * decodeFactoryEventWithSdk, which gives the same result.
 */
export function decodeFactoryEvent(raw: RawEvent): FactoryEvent | null {
  try {
    const event = eventHead(raw, TOPICS.get(raw.topic[0] as string));
    if (event === null) return null;
    const fields = eventFields(raw.value, LAUNCH_TOPICS.has(event.topic));
    if (fields === DEFER) return withDataFields(event, raw.value);
    if (fields.token !== undefined) event.token = fields.token;
    if (fields.creator !== undefined) event.creator = fields.creator;
    return event;
  } catch {
    return null;
  }
}

/** decodeFactoryEvent through the SDK's XDR classes only: the reference the direct decoding is tested against. */
export function decodeFactoryEventWithSdk(raw: RawEvent): FactoryEvent | null {
  try {
    const event = eventHead(raw, undefined);
    return event === null ? null : withDataFields(event, raw.value);
  } catch {
    return null;
  }
}

/** The event without its data fields, or null when it is not factory-shaped. `known`: its topic, if looked up. */
function eventHead(raw: RawEvent, known: string | undefined): FactoryEvent | null {
  if (typeof raw.id !== "string" || !Number.isSafeInteger(raw.ledger) || !Array.isArray(raw.topic)) return null;
  if (raw.topic.length !== 1 || typeof raw.topic[0] !== "string") return null;
  let topic = known;
  if (topic === undefined) {
    const topicVal = xdr.ScVal.fromXdr(raw.topic[0], "base64");
    if (topicVal.type !== "scvSymbol") return null;
    topic = utf8Strict.decode(topicVal.sym.bytes);
    if (!TOPIC_RE.test(topic)) return null;
  }
  return { id: raw.id, ledger: raw.ledger, topic };
}

function withDataFields(event: FactoryEvent, value: string): FactoryEvent {
  const topic = event.topic;
  let fields: Map<string, xdr.ScVal>;
  try {
    fields = decodeStruct(xdr.ScVal.fromXdr(value, "base64"), topic);
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
