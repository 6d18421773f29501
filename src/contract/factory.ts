// Reads the SAC Factory's state over RPC and returns domain values: storage entries first (cheap, 200 per
// request), the contract's own read-only functions through simulateTransaction where an entry cannot be used.
import pLimit, { type LimitFunction } from "p-limit";
// The SDK's "/base" entry: its root also loads Horizon, axios and an RPC client (0.3 s and 8 MB at every start).
import { Account, Address, Contract, StrKey, TimeoutInfinite, TransactionBuilder, xdr } from "@stellar/stellar-sdk/base";
import type { rpc } from "@stellar/stellar-sdk";
import type { RpcClient } from "../rpc/client.ts";
import { NetworkReader } from "../rpc/network-reader.ts";

import {
  DecodeError,
  creatorTokensKey,
  decodeAddressVec,
  decodeContractDataEntry,
  decodeOptionTokenInfo,
  decodeU32,
  decodeTokenInfo,
  tokenInfoKey,
} from "./codec.ts";
import { DEFER, readAddressVec, readTokenInfo, type Deferred } from "./direct-decode.ts";
import { EntryKeys } from "./entry-keys.ts";
import type { XdrReader } from "./xdr-reader.ts";
import type { TokenInfo } from "./types.ts";

/** The contract rejected a read-only call (`error` in the simulate response). Permanent for that call. */
export class SimulationError extends Error {
  override name = "SimulationError";
  /** The RPC's full error text (host error, diagnostic events, backtrace). */
  readonly detail: string;

  constructor(fn: string, detail: string) {
    super(`${fn}: simulation failed: ${summarize(detail)}`);
    this.detail = detail;
  }
}

/** The factory answered that it has no such token: final, not worth retrying. */
export class UnknownTokenError extends Error {
  override name = "UnknownTokenError";
}

export interface FactoryReaderOptions {
  rpc: RpcClient;
  contractId: string;
  networkPassphrase: string;
  /** Requests in flight at once for the batch reads (default 4). */
  concurrency?: number;
}

/** getLedgerEntries accepts at most this many keys per request. */
export const MAX_KEYS_PER_REQUEST = 200;
/** `get_creator_tokens_paginated` caps `limit` at this. */
const CREATOR_PAGE = 100;

// Read-only simulation needs a syntactically valid source account only; the SDK's contract.Client uses this one.
const NULL_ACCOUNT = StrKey.encodeEd25519PublicKey(new Uint8Array(32));

// Archived entries: since protocol 23 stellar-rpc returns an archived (evicted) persistent entry with its last
// value and `liveUntilLedgerSeq` 0, and an expired one with its past TTL. Either value is exact: it changes only
// when the entry is restored or written, both through a contract call whose events the sync reads. So every
// returned entry is used, and only an absent one (never written) falls back to simulation.

/** The factory's reads, on top of the network's own (latest ledger, health, passphrase, ledger hashes). */
export class FactoryReader extends NetworkReader {
  readonly #contract: Contract;
  readonly #networkPassphrase: string;
  readonly #limit: LimitFunction;
  readonly #tokenInfoKeys: EntryKeys;
  readonly #creatorTokensKeys: EntryKeys;
  /** The highest latestLedger any getLedgerEntries answer reported: the ledger the entries read are from. */
  latestLedgerSeen = 0;

  constructor(options: FactoryReaderOptions) {
    super(options.rpc);
    if (!StrKey.isValidContract(options.contractId)) {
      throw new TypeError(`not a contract id: ${JSON.stringify(options.contractId)}`);
    }
    this.#contract = new Contract(options.contractId);
    this.#networkPassphrase = options.networkPassphrase;
    this.#limit = pLimit(options.concurrency ?? 4);
    this.#tokenInfoKeys = new EntryKeys(options.contractId, tokenInfoKey);
    this.#creatorTokensKeys = new EntryKeys(options.contractId, creatorTokensKey);
  }

  /**
   * Calls a read-only contract function through simulateTransaction and returns its result; `atLedger` is told
   * the latest ledger of the node that answered (the state the result describes).
   */
  async simulate(fn: string, args: xdr.ScVal[], atLedger?: (ledger: number) => void): Promise<xdr.ScVal> {
    const tx = new TransactionBuilder(new Account(NULL_ACCOUNT, "0"), {
      fee: "100",
      networkPassphrase: this.#networkPassphrase,
    })
      .addOperation(this.#contract.call(fn, ...args))
      .setTimeout(TimeoutInfinite)
      .build();
    const res = await this.rpc.request<Partial<rpc.Api.RawSimulateTransactionResponse> | null>(
      "simulateTransaction",
      { transaction: tx.toXdr() },
    );
    if (typeof res !== "object" || res === null) throw new SimulationError(fn, "result is not an object");
    if (typeof res.latestLedger === "number") atLedger?.(res.latestLedger);
    if (typeof res.error === "string") throw new SimulationError(fn, res.error);
    const b64 = res.results?.[0]?.xdr;
    if (typeof b64 !== "string") throw new SimulationError(fn, "response carries no result");
    try {
      return xdr.ScVal.fromXdr(b64, "base64");
    } catch (e) {
      throw new DecodeError(`${fn} result: undecodable XDR (${(e as Error).message.slice(0, 200)})`);
    }
  }

  /** get_token_count, and the latest ledger of the node that counted (load-balanced nodes differ). */
  async getTokenCount(): Promise<{ count: number; ledger: number | null }> {
    let ledger: number | null = null;
    const count = decodeU32(await this.simulate("get_token_count", [], (l) => (ledger = l)), "get_token_count");
    return { count, ledger };
  }

  /** null when the factory does not know the token. */
  async getTokenInfo(token: string, atLedger?: (ledger: number) => void): Promise<TokenInfo | null> {
    const info = decodeOptionTokenInfo(await this.simulate("get_token_info", [addressArg(token)], atLedger));
    return info === null ? null : checkTokenAddress(info, token);
  }

  /**
   * Every token the creator launched, oldest first. Uses the paginated getter so that each simulation returns
   * at most 100 addresses however prolific the creator: `get_creator_tokens` returns the whole Vec as one
   * value, whose size (and the simulation's memory and response size) grows without bound. The list is
   * append-only, so offset paging stays consistent even if the creator launches a token between pages.
   */
  async getCreatorTokens(creator: string): Promise<string[]> {
    const fn = "get_creator_tokens_paginated";
    const tokens: string[] = [];
    for (;;) {
      const args = [addressArg(creator), xdr.ScVal.scvU32(tokens.length), xdr.ScVal.scvU32(CREATOR_PAGE)];
      const page = decodeAddressVec(await this.simulate(fn, args), fn);
      if (page.length > CREATOR_PAGE) {
        throw new DecodeError(`${fn}: page of ${page.length} exceeds limit ${CREATOR_PAGE}`);
      }
      // A contract that ignored the offset would hand back the same full page forever.
      if (tokens.length > 0 && page[0] === tokens[tokens.length - CREATOR_PAGE]) {
        throw new DecodeError(`${fn}: offset ${tokens.length} returned the previous page again`);
      }
      tokens.push(...page);
      if (page.length < CREATOR_PAGE) return tokens;
    }
  }

  /**
   * TokenInfo per token, from storage entries where possible, else from `get_token_info`. A token's own
   * failure (unknown to the factory, undecodable, rejected simulation) is its map value; RPC failures throw.
   * `readAt`, when given, gets the latest ledger of the node each token's answer came from.
   */
  readTokenInfos(tokens: string[], readAt?: Map<string, number>): Promise<Map<string, TokenInfo | Error>> {
    return this.#readEntries(
      tokens,
      this.#tokenInfoKeys,
      {
        direct: (reader, token) => {
          const info = readTokenInfo(reader);
          return info === DEFER ? DEFER : checkTokenAddress(info, token);
        },
        sdk: (value, token) => checkTokenAddress(decodeTokenInfo(value), token),
      },
      async (token) =>
        (await this.getTokenInfo(token, (ledger) => readAt?.set(token, ledger))) ?? new UnknownTokenError(`${token}: token unknown to the factory`),
      readAt,
    );
  }

  /** Each creator's tokens, from CreatorTokens entries where possible, else from the paginated getter. */
  readCreatorTokens(creators: string[]): Promise<Map<string, string[] | Error>> {
    return this.#readEntries(
      creators,
      this.#creatorTokensKeys,
      { direct: (reader) => readAddressVec(reader), sdk: (value) => decodeAddressVec(value, "CreatorTokens") },
      (creator) => this.getCreatorTokens(creator),
    );
  }

  /** Which of these tokens have a TokenInfo entry at all (live or archived), in one request of at most 200 keys. */
  async existingTokenEntries(tokens: string[]): Promise<Set<string>> {
    const byKey = new Map<string, string>();
    const keys: string[] = [];
    for (const token of tokens.slice(0, MAX_KEYS_PER_REQUEST)) {
      const key = this.#tokenInfoKeys.key(token);
      if (key === undefined) throw new TypeError(`not a G... or C... address: ${JSON.stringify(token)}`);
      byKey.set(key.key, token);
      keys.push(key.xdr);
    }
    const res = await this.rpc.request<Partial<rpc.Api.RawGetLedgerEntriesResponse> | null>("getLedgerEntries", { keys });
    const present = new Set<string>();
    for (const entry of Array.isArray(res?.entries) ? res.entries : []) {
      if (typeof entry?.xdr !== "string") continue;
      const token = this.#entryOwner(entry.xdr, this.#tokenInfoKeys, byKey, (reader) => {
        reader.skipScVal();
        reader.end();
        return true;
      });
      if (token !== undefined) present.add(token[0]);
    }
    return present;
  }

  /**
   * The requested id a getLedgerEntries entry belongs to and its value decoded, or undefined when it is none of
   * them or does not decode (DecodeError). The entry is read from its bytes; what that reading defers (or cannot
   * place) takes the SDK path: decode the entry, re-encode its key.
   */
  #entryOwner<V>(
    entryXdr: string,
    keys: EntryKeys,
    idByKey: Map<string, string>,
    direct: (reader: XdrReader, id: string) => V | Deferred,
    sdk?: (value: xdr.ScVal, id: string) => V,
  ): [string, V] | undefined {
    try {
      const match = keys.match(entryXdr);
      if (match !== undefined) {
        const id = idByKey.get(match.key);
        if (id === undefined) return undefined;
        const value = direct(match.reader, id);
        if (value !== DEFER) return [id, value];
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    try {
      const { key, value } = decodeContractDataEntry(entryXdr);
      const bytes = key.toXdr();
      // The lookup key: the address's last 36 bytes, just before the 4 of the durability.
      const id = idByKey.get(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1", bytes.length - 40, bytes.length - 4));
      if (id === undefined || keys.key(id)?.xdr !== Buffer.from(bytes).toString("base64")) return undefined;
      return [id, sdk ? sdk(value, id) : (true as V)];
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return undefined;
    }
  }

  /** The batch pattern shared by both reads: entries in bulk, then the per-item fallback for what they lacked. */
  async #readEntries<V>(
    ids: string[],
    keys: EntryKeys,
    decode: { direct: (reader: XdrReader, id: string) => V | Deferred; sdk: (value: xdr.ScVal, id: string) => V },
    fallback: (id: string) => Promise<V | Error>,
    readAt?: Map<string, number>,
  ): Promise<Map<string, V | Error>> {
    const unique = [...new Set(ids)];
    const outcome = new Map<string, V | Error>();
    const idByKey = new Map<string, string>();
    /** Request key (XDR) -> lookup key. */
    const keyIds = new Map<string, string>();
    const requestKeys: string[] = [];
    for (const id of unique) {
      const key = keys.key(id);
      if (key === undefined) {
        outcome.set(id, new Error(`${JSON.stringify(id)}: not a G... or C... address`));
      } else {
        idByKey.set(key.key, id);
        if (readAt) keyIds.set(key.xdr, key.key);
        requestKeys.push(key.xdr);
      }
    }

    const batches: string[][] = [];
    for (let i = 0; i < requestKeys.length; i += MAX_KEYS_PER_REQUEST) batches.push(requestKeys.slice(i, i + MAX_KEYS_PER_REQUEST));
    await this.#runAll(batches, async (batch) => {
      const res = await this.rpc.request<Partial<rpc.Api.RawGetLedgerEntriesResponse> | null>("getLedgerEntries", {
        keys: batch,
      });
      // A malformed result or entry only costs the fast path: what it lacks is read by simulation below.
      const at = typeof res?.latestLedger === "number" ? res.latestLedger : null;
      if (at !== null) this.latestLedgerSeen = Math.max(this.latestLedgerSeen, at);
      if (at !== null && readAt) for (const key of batch) readAt.set(idByKey.get(keyIds.get(key)!)!, at);
      const entries: unknown[] = Array.isArray(res?.entries) ? res.entries : [];
      for (const entry of entries) {
        if (typeof entry !== "object" || entry === null) continue;
        const { xdr: entryXdr } = entry as { xdr?: unknown };
        if (typeof entryXdr !== "string") continue;
        const owned = this.#entryOwner(entryXdr, keys, idByKey, decode.direct, decode.sdk);
        if (owned !== undefined) outcome.set(owned[0], owned[1]);
      }
    });

    const missing = unique.filter((id) => !outcome.has(id));
    await this.#runAll(missing, async (id) => {
      try {
        outcome.set(id, await fallback(id));
      } catch (e) {
        if (e instanceof DecodeError || e instanceof SimulationError) outcome.set(id, e);
        else throw e;
      }
    });

    return new Map(unique.map((id) => [id, outcome.get(id) as V | Error]));
  }

  /** Runs `task` over `items` under the concurrency bound; after the first failure, queued items are skipped. */
  async #runAll<T>(items: T[], task: (item: T) => Promise<void>): Promise<void> {
    let failure: { error: unknown } | undefined;
    await Promise.all(
      items.map((item) =>
        this.#limit(async () => {
          if (failure) return;
          try {
            await task(item);
          } catch (error) {
            failure ??= { error };
          }
        }),
      ),
    );
    if (failure) throw failure.error;
  }
}

function isAddress(s: string): boolean {
  return StrKey.isValidContract(s) || StrKey.isValidEd25519PublicKey(s);
}

function addressArg(address: string): xdr.ScVal {
  if (!isAddress(address)) throw new TypeError(`not a G... or C... address: ${JSON.stringify(address)}`);
  return new Address(address).toScVal();
}

/** TokenInfo is stored under its own token's address; anything else means the entry is not what we asked for. */
function checkTokenAddress(info: TokenInfo, token: string): TokenInfo {
  if (info.tokenAddress !== token) {
    throw new DecodeError(`token_address ${info.tokenAddress} does not match the requested token ${token}`);
  }
  return info;
}

/** The first line of the host's error and its `HostError: ...` line; the backtrace stays in `detail`. */
function summarize(detail: string): string {
  const lines = detail
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const host = lines.find((l) => l.startsWith("HostError:"));
  const text = [lines[0] ?? "(empty error)", ...(host && host !== lines[0] ? [host] : [])].join(": ");
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
