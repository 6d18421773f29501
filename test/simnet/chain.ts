// The simulated network: ledgers, the one SAC Factory contract, its tokens and the events its
// transactions emit. This is the ground truth tests compare the sync's database against.
//
// Model, in brief:
// - Ledger N closes at `closeTime(N)` (5 s apart). Every mutator is one transaction; unless
//   run inside `inOneLedger`, it closes a new ledger (latestLedger + 1) to hold it.
// - Only the retention window [oldestLedger, latestLedger] of events is kept, like stellar-rpc.
// - Persistent entries (TokenInfo, CreatorTokens, AmmPairAddress, the instance) carry
//   lastModified and liveUntil ledgers. A write bumps liveUntil to ledger + PERSISTENT_TTL (the
//   518,400 of the contract's snapshots; `archiveAfterLedgers` shortens it); an entry with
//   liveUntil < latestLedger is archived: expired, then evicted `evictAfterLedgers` later.
// - Event-wise every transaction is preceded by a native-XLM `fee` event (tx index 0, as
//   protocol 23+ emits them) and, where XLM moves, a native SAC `transfer` event.

import { createHash } from "node:crypto";
import { Asset, StrKey } from "@stellar/stellar-sdk";
import {
  CREATION_FEE,
  GRADUATION_XLM,
  INITIAL_SUPPLY,
  TOTAL_SUPPLY,
  initialCurve,
  isqrt,
  quoteBuy,
  quoteSell,
  type BondingCurve,
} from "./curve.ts";
import { addr, i128, str, struct, sym, u32, u64, type ScVal, type TokenInfoFields, type TokenStatus } from "./encode.ts";
import { EventLog, SimEvent } from "./events.ts";
import { Rng } from "./rng.ts";

export type { BondingCurve } from "./curve.ts";
export type { TokenStatus } from "./encode.ts";

export const DEFAULT_PASSPHRASE = "Standalone Network ; February 2017";
export const PROTOCOL_VERSION = 27;
/** Protocol of ledgers before `protocolUpgradeLedger` (the last one before CAP-67's TransactionMetaV4). */
export const LEGACY_PROTOCOL_VERSION = 22;
export const LEDGER_SECONDS = 5;
/** TTL the contract gives its persistent entries (liveUntil = ledger + this; see the snapshots). */
export const PERSISTENT_TTL = 518_400;

/** Ground-truth record of one launched token. Mutated in place by trades. */
export interface SimToken extends TokenInfoFields {
  /** Lossy UTF-8 decoding of the raw bytes (invalid sequences become U+FFFD). */
  name: string;
  symbol: string;
  imageUrl: string;
  description: string;
  /** The AMM pool once graduated (the AmmPairAddress entry). */
  ammPair?: string;
  launchLedger: number;
  /** Ledger of the last trade (or the launch). */
  lastActivityLedger: number;
  /** TokenInfo entry metadata. */
  lastModifiedLedger: number;
  liveUntilLedger: number;
  /** AmmPairAddress entry metadata (set at graduation). */
  ammLastModifiedLedger?: number;
  ammLiveUntilLedger?: number;
  /** Ledger of the buy that graduated it (token_graduated), and that ledger's close time. */
  graduatedLedger?: number;
  graduatedAt?: number;
}

/** Ground truth of one buy or sell, as the factory's `tokens_bought` / `tokens_sold` event states it. */
export interface SimTrade {
  /** stellar-rpc id of the plain event (tokens_bought or tokens_sold). */
  eventId: string;
  contractId: string;
  token: string;
  ledger: number;
  /** Unix seconds. */
  closeTime: number;
  txHash: string;
  side: "BUY" | "SELL";
  trader: string;
  /** Stroops of XLM paid (buy) or received (sell). */
  xlmAmount: bigint;
  /** Token stroops received (buy, net of the fee) or sold. */
  tokenAmount: bigint;
  /** Buys only (from tokens_bought_detailed): the fee in token stroops and the curve's price around the trade. */
  fee?: bigint;
  priceBefore?: bigint;
  priceAfter?: bigint;
}

export type TokenRef = SimToken | string | number;

/** One transaction of a ledger, rebuilt from its events (every transaction pays a fee event). */
export interface SimTransaction {
  hash: string;
  source: string;
  fee: bigint;
  feeEvent: SimEvent;
  /** Its contract events in emission order. */
  events: SimEvent[];
}

export interface LaunchOptions {
  creator?: string;
  name?: string | Uint8Array;
  symbol?: string | Uint8Array;
  imageUrl?: string | Uint8Array;
  description?: string | Uint8Array;
  // Raw state overrides, for hostile data and for reproducing the contract's snapshots
  // (they bypass the contract's own arithmetic and address derivation):
  tokenAddress?: string;
  /** Default: close time of the launch ledger. */
  createdAt?: bigint;
  holdersCount?: number;
  bondingCurve?: Partial<BondingCurve>;
  xlmRaised?: bigint;
  /** Defaults to 2 * xlmRaised. */
  marketCap?: bigint;
  status?: TokenStatus;
}

export interface BuyOptions {
  buyer?: string;
  /** When this buy crosses the graduation threshold, the AMM step fails: status GraduationFailed. */
  failGraduation?: boolean;
}

export interface BuyResult {
  tokensGross: bigint;
  fee: bigint;
  tokensNet: bigint;
  graduated: boolean;
  events: SimEvent[];
}

export interface SellResult {
  xlmReceived: bigint;
  fee: bigint;
  events: SimEvent[];
}

export const ADMIN_EVENTS = [
  "role_granted",
  "role_revoked",
  "ownership_transferred",
  "contract_paused",
  "contract_unpaused",
  "fee_config_updated",
  "treasury_updated",
] as const;
export type AdminEventName = (typeof ADMIN_EVENTS)[number];

export interface ForeignEventOptions {
  contractId?: string;
  /**
   * "transfer": a SEP-41 transfer of another token (4 topics).
   * "impostor": another contract emitting a factory-looking `token_launched` or `tokens_bought`
   *   about a token the factory never launched.
   */
  kind?: "transfer" | "impostor";
}

export interface ChainOptions {
  seed?: number;
  networkPassphrase?: string;
  retentionLedgers?: number;
  /** First ledger of the network's history (nothing older ever existed). */
  firstLedger?: number;
  /** Close time (unix s) of firstLedger. */
  firstCloseTime?: number;
  /** Deploy the factory at firstLedger (default true). */
  deploy?: boolean;
  /**
   * Keep every ledger's transactions, not only the retention window's, as a data lake does: for
   * getLedgers' "serve from a datastore" mode and the SEP-54 writer (default false).
   */
  keepHistory?: boolean;
  /**
   * First ledger of protocol 23+ (TransactionMeta v4, LedgerCloseMeta v2); older ledgers are
   * protocol 22 (TransactionMeta v3, events in sorobanMeta). Default: firstLedger.
   */
  protocolUpgradeLedger?: number;
  /**
   * Archival by age: a write gives a persistent entry (TokenInfo, CreatorTokens, AmmPairAddress) this
   * TTL instead of PERSISTENT_TTL, so entries untouched for longer are served archived. The contract
   * instance keeps PERSISTENT_TTL: every call extends it.
   */
  archiveAfterLedgers?: number;
  /**
   * Ledgers an expired entry waits for the eviction scan (default 0: evicted at once). Until then
   * getLedgerEntries serves it with its past liveUntilLedgerSeq; once evicted, with 0.
   */
  evictAfterLedgers?: number;
}

/** How getLedgerEntries sees a persistent entry. */
export type EntryState = "live" | "expired" | "evicted";

export interface TradeBurstOptions {
  /** Ledgers to close, one after another. */
  ledgers: number;
  /** Buys per ledger; a fraction spreads them (0.5: one buy every other ledger). */
  tradesPerLedger: number;
  /** Tokens to trade (default: every token still bonding), round robin. */
  tokens?: TokenRef[];
}

export interface ResetOptions {
  /** Deploy a fresh, empty factory at a new contract id after the reset (default false: gone). */
  redeploy?: boolean;
  /** With redeploy: reuse the old contract id, as a deterministic deploy (same deployer and salt) does. */
  sameContractId?: boolean;
  networkPassphrase?: string;
  /**
   * First ledger of the new chain (default 2). Above the old chain's latest ledger, the new chain has
   * already passed any cursor stored against the old one; ledger hashes still differ.
   */
  startLedger?: number;
}

type Field =
  | { t: "address"; v: string }
  | { t: "string"; v: Uint8Array }
  | { t: "symbol"; v: string }
  | { t: "i128"; v: bigint }
  | { t: "u64"; v: bigint }
  | { t: "u32"; v: number };

const F = {
  address: (v: string): Field => ({ t: "address", v }),
  string: (v: Uint8Array): Field => ({ t: "string", v }),
  i128: (v: bigint): Field => ({ t: "i128", v }),
  u64: (v: bigint): Field => ({ t: "u64", v }),
  u32: (v: number): Field => ({ t: "u32", v }),
};

function encodeField(f: Field): ScVal {
  switch (f.t) {
    case "address":
      return addr(f.v);
    case "string":
      return str(f.v);
    case "symbol":
      return sym(f.v);
    case "i128":
      return i128(f.v);
    case "u64":
      return u64(f.v);
    case "u32":
      return u32(f.v);
  }
}

function fieldValue(f: Field): unknown {
  return f.t === "string" ? Buffer.from(f.v) : f.v;
}

interface TxContext {
  ledger: number;
  txIndex: number;
  hash: string;
  events: SimEvent[];
  nextIndex: number;
}

export interface EntryMeta {
  lastModifiedLedger: number;
  liveUntilLedger: number;
}

const sha256 = (s: string): Buffer => createHash("sha256").update(s).digest();

function positiveInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  return n;
}
const toBytes = (v: string | Uint8Array): Uint8Array => (typeof v === "string" ? Buffer.from(v, "utf8") : v);

export class SimChain {
  networkPassphrase: string;
  /** The factory's address. After a reset without redeploy it names a contract that no longer exists. */
  contractId: string;
  /** False after a reset without redeploy: the contract is gone. */
  deployed: boolean;
  readonly retentionLedgers: number;
  /** TTL a write gives persistent entries (PERSISTENT_TTL unless archiveAfterLedgers was set). */
  readonly entryTtl: number;
  readonly evictAfterLedgers: number;
  /** First ledger of the current network's history. */
  firstLedger: number;
  latestLedger: number;
  /** Every token ever launched, in id order. */
  readonly tokens: SimToken[] = [];
  /** Every creator with at least one token, in order of their first launch. */
  readonly creators: string[] = [];
  /** Every buy and sell of the factory's tokens since firstLedger, in chain order (kept past the retention window). */
  readonly trades: SimTrade[] = [];
  readonly wasmHash: Uint8Array;
  admin: string;
  treasury: string;
  /** Bumps on every change of observable state (tests and caches use it). */
  revision = 0;

  readonly events = new EventLog();
  /** Every ledger's events since firstLedger when `keepHistory` (else undefined). */
  readonly history: EventLog | undefined;
  /** First ledger of protocol PROTOCOL_VERSION; older ones are LEGACY_PROTOCOL_VERSION. */
  protocolUpgradeLedger: number;
  readonly rng: Rng;
  private readonly seed: number;
  private epoch = 0; // network resets so far, mixed into derived ids
  private timeBaseLedger: number;
  private timeBase: number;
  private byAddress = new Map<string, SimToken>();
  private byCreator = new Map<string, SimToken[]>();
  private creatorMeta = new Map<string, EntryMeta>();
  instanceMeta: EntryMeta = { lastModifiedLedger: 0, liveUntilLedger: 0 };
  private batchLedger: number | undefined;
  private txInLedger = { ledger: -1, txCount: 0, feeCount: 0 };
  private cache = new Map<string, string>();
  /** Past TokenInfo states, newest last, kept while a load balancer's lagging nodes may still serve them. */
  private versions: Map<string, Array<{ ledger: number; token: SimToken }>> | undefined;
  private readonly touched = new Set<SimToken>();

  constructor(opts: ChainOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.rng = new Rng(this.seed ^ 0x5eed);
    this.networkPassphrase = opts.networkPassphrase ?? DEFAULT_PASSPHRASE;
    this.retentionLedgers = opts.retentionLedgers ?? 120_960;
    this.entryTtl = positiveInt(opts.archiveAfterLedgers ?? PERSISTENT_TTL, "archiveAfterLedgers");
    this.evictAfterLedgers = opts.evictAfterLedgers ?? 0;
    if (!Number.isInteger(this.evictAfterLedgers) || this.evictAfterLedgers < 0) throw new RangeError(`evictAfterLedgers ${opts.evictAfterLedgers}`);
    this.firstLedger = opts.firstLedger ?? 2;
    this.latestLedger = this.firstLedger;
    this.timeBaseLedger = this.firstLedger;
    this.timeBase = opts.firstCloseTime ?? 1_760_000_000;
    this.wasmHash = sha256("sac-factory wasm v1");
    this.admin = this.randomAccount();
    this.treasury = this.derivedContract("treasury");
    this.contractId = this.derivedContract("factory");
    this.deployed = false;
    this.history = opts.keepHistory ? new EventLog() : undefined;
    this.protocolUpgradeLedger = opts.protocolUpgradeLedger ?? this.firstLedger;
    if (opts.deploy ?? true) this.deploy();
  }

  /**
   * Keeps each token's TokenInfo as it stood after each of its last `depth` changes, so that a node `depth`
   * ledgers behind can answer from its own state (`tokenAt`). Off by default: it costs a copy per trade.
   */
  keepVersions(depth: number): void {
    if (depth > 0) this.versions ??= new Map();
    this.versionDepth = depth;
  }
  private versionDepth = 0;

  /** The token's TokenInfo as of `ledger`, or undefined when it was launched later. */
  tokenAt(t: SimToken, ledger: number): SimToken | undefined {
    if (t.launchLedger > ledger) return undefined;
    if (t.lastModifiedLedger <= ledger) return t;
    const past = this.versions?.get(t.tokenAddress) ?? [];
    for (let i = past.length - 1; i >= 0; i--) if (past[i]!.ledger <= ledger) return past[i]!.token;
    return past[0]?.token ?? t;
  }

  // ---------- time and retention ----------

  get oldestLedger(): number {
    return Math.max(this.firstLedger, this.latestLedger - this.retentionLedgers + 1);
  }

  closeTime(ledger: number): number {
    return this.timeBase + (ledger - this.timeBaseLedger) * LEDGER_SECONDS;
  }

  /** The ledger header's hash: differs between networks (passphrase) and between resets (epoch). */
  ledgerHash(seq: number): Buffer {
    return sha256(`ledger|${this.networkPassphrase}|${this.epoch}|${seq}`);
  }

  protocolAt(seq: number): number {
    return seq < this.protocolUpgradeLedger ? LEGACY_PROTOCOL_VERSION : PROTOCOL_VERSION;
  }

  /** Oldest ledger whose transactions are known: firstLedger with keepHistory, else the retention window's. */
  get oldestKnownLedger(): number {
    return this.history ? this.firstLedger : this.oldestLedger;
  }

  /**
   * The ledger's transactions in application order, each with its fee event (fee phase) and
   * contract events, or undefined when the ledger is outside what the chain keeps.
   */
  ledgerTransactions(seq: number): SimTransaction[] | undefined {
    if (seq < this.oldestKnownLedger || seq > this.latestLedger) return undefined;
    const bucket = (this.history ?? this.events).ledger(seq);
    if (!bucket) return [];
    return bucket.fee.map((fee, i) => ({
      hash: fee.txHash,
      source: fee.data["from"] as string,
      fee: fee.data["amount"] as bigint,
      feeEvent: fee,
      events: bucket.tx.filter((e) => e.txIndex === i + 1),
    }));
  }

  /** Closes `ledgers` empty ledgers. */
  advance(ledgers: number): void {
    if (!Number.isInteger(ledgers) || ledgers < 0) throw new RangeError(`advance(${ledgers})`);
    if (this.batchLedger !== undefined) throw new Error("advance() inside inOneLedger()");
    if (ledgers === 0) return;
    this.latestLedger += ledgers;
    this.events.prune(this.oldestLedger);
    this.revision++;
  }

  /** Runs several mutators as transactions of one new ledger. */
  inOneLedger<T>(fn: () => T): T {
    return this.atLedger(this.latestLedger + 1, fn);
  }

  /** Runs mutators in ledger `ledger` (>= latestLedger), closing it if needed. For scenario building. */
  atLedger<T>(ledger: number, fn: () => T): T {
    if (this.batchLedger !== undefined) throw new Error("nested atLedger()");
    if (ledger < this.latestLedger) throw new RangeError(`ledger ${ledger} is before latest ${this.latestLedger}`);
    if (ledger > this.latestLedger) this.advance(ledger - this.latestLedger);
    this.batchLedger = ledger;
    try {
      return fn();
    } finally {
      this.batchLedger = undefined;
    }
  }

  // ---------- lookups ----------

  token(ref: TokenRef): SimToken {
    const t = typeof ref === "number" ? this.tokens[ref] : typeof ref === "string" ? this.byAddress.get(ref) : ref;
    if (!t || this.tokens[t.id] !== t) throw new Error(`unknown token ${typeof ref === "object" ? ref.tokenAddress : ref}`);
    return t;
  }

  tokenByAddress(address: string): SimToken | undefined {
    return this.byAddress.get(address);
  }

  /** The creator's CreatorTokens list, oldest first (empty for unknown creators). */
  creatorTokens(creator: string): readonly SimToken[] {
    return this.byCreator.get(creator) ?? [];
  }

  creatorEntryMeta(creator: string): EntryMeta | undefined {
    return this.creatorMeta.get(creator);
  }

  isLive(meta: EntryMeta): boolean {
    return meta.liveUntilLedger >= this.latestLedger;
  }

  isArchived(ref: TokenRef): boolean {
    return !this.isLive(this.token(ref));
  }

  /** Live, expired (TTL lapsed, not yet evicted) or evicted, from the entry's liveUntil ledger. */
  entryState(meta: EntryMeta): EntryState {
    if (meta.liveUntilLedger >= this.latestLedger) return "live";
    return this.latestLedger - meta.liveUntilLedger > this.evictAfterLedgers ? "evicted" : "expired";
  }

  /** The state of a token's TokenInfo entry. */
  tokenEntryState(ref: TokenRef): EntryState {
    return this.entryState(this.token(ref));
  }

  /** The state of a creator's CreatorTokens entry (undefined: the creator never launched). */
  creatorEntryState(creator: string): EntryState | undefined {
    const meta = this.creatorMeta.get(creator);
    return meta && this.entryState(meta);
  }

  /**
   * Creators all of whose tokens were launched and last traded before oldestLedger: no retained
   * event names them or their tokens, so only CREATOR_ADDRESS-style configuration finds them.
   */
  dormantCreators(): string[] {
    const oldest = this.oldestLedger;
    return this.creators.filter((c) => this.creatorTokens(c).every((t) => t.lastActivityLedger < oldest));
  }

  /** Retained events, oldest first (optionally only the factory's). */
  retainedEvents(opts: { factoryOnly?: boolean } = {}): SimEvent[] {
    const all = this.events.all();
    return opts.factoryOnly ? all.filter((e) => e.contractId === this.contractId) : all;
  }

  private nativeCache = { passphrase: "", id: "" };

  /** The native XLM Stellar Asset Contract of this network (its id depends on the passphrase). */
  nativeAssetContract(): string {
    if (this.nativeCache.passphrase !== this.networkPassphrase) {
      this.nativeCache = { passphrase: this.networkPassphrase, id: Asset.native().contractId(this.networkPassphrase) };
    }
    return this.nativeCache.id;
  }

  /** Memoises an encoding until `invalidate(key)`; used for ledger-entry XDR. */
  cached(key: string, compute: () => string): string {
    let v = this.cache.get(key);
    if (v === undefined) {
      v = compute();
      this.cache.set(key, v);
    }
    return v;
  }

  private invalidate(key: string): void {
    this.cache.delete(key);
    this.revision++;
  }

  // ---------- mutators ----------

  launchToken(opts: LaunchOptions = {}): SimToken {
    this.requireDeployed();
    const creator = opts.creator ?? this.randomAccount();
    const id = this.tokens.length;
    const nameBytes = toBytes(opts.name ?? `Sim Token ${id}`);
    const symbolBytes = toBytes(opts.symbol ?? `SIM${id}`);
    const imageUrlBytes = toBytes(opts.imageUrl ?? `ipfs://bafysim${id}`);
    const descriptionBytes = toBytes(opts.description ?? `Simulated token number ${id}`);
    const curve = { ...initialCurve(), ...opts.bondingCurve };
    const xlmRaised = opts.xlmRaised ?? 0n;
    const tokenAddress = opts.tokenAddress ?? this.derivedContract(`token:${id}`);
    if (this.byAddress.has(tokenAddress)) throw new Error(`token address ${tokenAddress} already launched`);
    return this.transaction(creator, (ctx) => {
      const token: SimToken = {
        id,
        creator,
        tokenAddress,
        nameBytes,
        symbolBytes,
        imageUrlBytes,
        descriptionBytes,
        name: Buffer.from(nameBytes).toString("utf8"),
        symbol: Buffer.from(symbolBytes).toString("utf8"),
        imageUrl: Buffer.from(imageUrlBytes).toString("utf8"),
        description: Buffer.from(descriptionBytes).toString("utf8"),
        createdAt: opts.createdAt ?? BigInt(this.closeTime(ctx.ledger)),
        status: opts.status ?? "Bonding",
        bondingCurve: curve,
        xlmRaised,
        marketCap: opts.marketCap ?? 2n * xlmRaised,
        holdersCount: opts.holdersCount ?? 0,
        launchLedger: ctx.ledger,
        lastActivityLedger: ctx.ledger,
        lastModifiedLedger: ctx.ledger,
        liveUntilLedger: ctx.ledger + this.entryTtl,
      };
      this.tokens.push(token);
      this.byAddress.set(tokenAddress, token);
      if (this.versions) this.touched.add(token);
      let list = this.byCreator.get(creator);
      if (!list) {
        list = [];
        this.byCreator.set(creator, list);
        this.creators.push(creator);
      }
      list.push(token);
      this.creatorMeta.set(creator, { lastModifiedLedger: ctx.ledger, liveUntilLedger: ctx.ledger + this.entryTtl });
      this.invalidate(`creator:${creator}`);
      this.invalidate(`info:${tokenAddress}`);
      this.touchInstance(ctx.ledger, true);

      this.emitTransfer(ctx, creator, this.treasury, CREATION_FEE);
      const name = F.string(nameBytes);
      const symbol = F.string(symbolBytes);
      this.emit(ctx, "token_launched", {
        creator: F.address(creator),
        token: F.address(tokenAddress),
        name,
        symbol,
      });
      this.emit(ctx, "token_launched_detailed", {
        creator: F.address(creator),
        token: F.address(tokenAddress),
        name,
        symbol,
        initial_supply: F.i128(INITIAL_SUPPLY),
        bonding_curve_supply: F.i128(TOTAL_SUPPLY),
        timestamp: F.u64(token.createdAt),
        creation_fee_paid: F.i128(CREATION_FEE),
      });
      return token;
    });
  }

  buy(ref: TokenRef, xlmStroops: bigint, opts: BuyOptions = {}): BuyResult {
    this.requireDeployed();
    const t = this.token(ref);
    if (t.status !== "Bonding") throw new Error(`token ${t.id} is ${t.status}: trading closed`);
    const q = quoteBuy(t.bondingCurve, xlmStroops);
    const buyer = opts.buyer ?? this.randomAccount();
    return this.transaction(buyer, (ctx) => {
      t.bondingCurve = q.curve;
      t.xlmRaised = q.xlmRaised;
      t.marketCap = 2n * q.xlmRaised;
      this.touchToken(t, ctx.ledger);
      this.emitTransfer(ctx, buyer, this.contractId, xlmStroops);
      const plain = this.emit(ctx, "tokens_bought", {
        buyer: F.address(buyer),
        token: F.address(t.tokenAddress),
        xlm_amount: F.i128(xlmStroops),
        tokens_received: F.i128(q.tokensNet),
      });
      this.emit(ctx, "tokens_bought_detailed", {
        buyer: F.address(buyer),
        token: F.address(t.tokenAddress),
        xlm_amount: F.i128(xlmStroops),
        tokens_gross: F.i128(q.tokensGross),
        fee_amount: F.i128(q.fee),
        tokens_net: F.i128(q.tokensNet),
        price_before: F.i128(q.priceBefore),
        price_after: F.i128(q.priceAfter),
        slippage_bps: F.i128(q.slippageBps),
        timestamp: F.u64(BigInt(this.closeTime(ctx.ledger))),
      });
      this.trades.push({
        ...this.tradeAt(plain, t),
        side: "BUY",
        trader: buyer,
        xlmAmount: xlmStroops,
        tokenAmount: q.tokensNet,
        fee: q.fee,
        priceBefore: q.priceBefore,
        priceAfter: q.priceAfter,
      });
      let graduated = false;
      if (t.xlmRaised >= GRADUATION_XLM) {
        if (opts.failGraduation) {
          t.status = "GraduationFailed";
        } else {
          graduated = true;
          t.status = "Graduated";
          t.ammPair = this.derivedContract(`amm:${t.tokenAddress}`);
          t.ammLastModifiedLedger = ctx.ledger;
          t.ammLiveUntilLedger = ctx.ledger + this.entryTtl;
          t.graduatedLedger = ctx.ledger;
          t.graduatedAt = this.closeTime(ctx.ledger);
          this.invalidate(`amm:${t.tokenAddress}`);
          this.emit(ctx, "token_graduated", { token: F.address(t.tokenAddress), xlm_raised: F.i128(t.xlmRaised) });
          this.emit(ctx, "liquidity_locked", {
            amm_pair: F.address(t.ammPair),
            lp_tokens: F.i128(isqrt(t.xlmRaised * t.bondingCurve.tokensRemaining)),
          });
        }
      }
      return { tokensGross: q.tokensGross, fee: q.fee, tokensNet: q.tokensNet, graduated, events: ctx.events };
    });
  }

  sell(ref: TokenRef, tokenAmount: bigint, opts: { seller?: string } = {}): SellResult {
    this.requireDeployed();
    const t = this.token(ref);
    if (t.status !== "Bonding") throw new Error(`token ${t.id} is ${t.status}: trading closed`);
    const q = quoteSell(t.bondingCurve, tokenAmount);
    const seller = opts.seller ?? this.randomAccount();
    return this.transaction(seller, (ctx) => {
      t.bondingCurve = q.curve;
      t.xlmRaised = q.xlmRaised;
      t.marketCap = 2n * q.xlmRaised;
      this.touchToken(t, ctx.ledger);
      this.emitTransfer(ctx, this.contractId, seller, q.xlmReceived);
      const event = this.emit(ctx, "tokens_sold", {
        seller: F.address(seller),
        token: F.address(t.tokenAddress),
        tokens_sold: F.i128(tokenAmount),
        xlm_received: F.i128(q.xlmReceived),
      });
      this.trades.push({ ...this.tradeAt(event, t), side: "SELL", trader: seller, xlmAmount: q.xlmReceived, tokenAmount });
      return { xlmReceived: q.xlmReceived, fee: q.fee, events: ctx.events };
    });
  }

  /**
   * Dense trading: closes `ledgers` ledgers holding `tradesPerLedger` small buys each (every buy emits
   * tokens_bought and tokens_bought_detailed). Buys that would graduate a token are skipped, so the
   * pool stays tradable. Returns the number of buys.
   */
  tradeBurst(opts: TradeBurstOptions): number {
    const { ledgers, tradesPerLedger } = opts;
    if (!Number.isInteger(ledgers) || ledgers < 0) throw new RangeError(`tradeBurst ledgers ${ledgers}`);
    if (!(tradesPerLedger >= 0 && Number.isFinite(tradesPerLedger))) throw new RangeError(`tradeBurst tradesPerLedger ${tradesPerLedger}`);
    const pool = (opts.tokens ?? this.tokens).map((t) => this.token(t)).filter((t) => t.status === "Bonding");
    if (pool.length === 0 && ledgers > 0 && tradesPerLedger > 0) throw new Error("tradeBurst: no token is still bonding");
    // A small set of buyers keeps the burst cheap to build (one key derivation each).
    const buyers = Array.from({ length: 32 }, () => this.randomAccount());
    let buys = 0;
    let next = 0;
    let idle = 0;
    for (let l = 0; l < ledgers; l++) {
      const count = Math.floor((l + 1) * tradesPerLedger) - Math.floor(l * tradesPerLedger);
      if (count === 0) {
        idle++;
        continue;
      }
      if (idle > 0) this.advance(idle);
      idle = 0;
      this.inOneLedger(() => {
        for (let k = 0; k < count; k++) {
          const t = pool[next++ % pool.length] as SimToken;
          const xlm = BigInt(this.rng.int(1_000_000, 50_000_000)); // 0.1..5 XLM
          if (t.status !== "Bonding" || t.xlmRaised + xlm >= GRADUATION_XLM) continue;
          this.buy(t, xlm, { buyer: this.rng.pick(buyers) });
          buys++;
        }
      });
    }
    if (idle > 0) this.advance(idle);
    return buys;
  }

  /** An admin event of the factory; it names no token. */
  emitAdminEvent(name?: AdminEventName): SimEvent {
    this.requireDeployed();
    const kind = name ?? this.rng.pick(ADMIN_EVENTS);
    return this.transaction(this.admin, (ctx) => {
      const ts = F.u64(BigInt(this.closeTime(ctx.ledger)));
      const fields: Record<AdminEventName, Record<string, Field>> = {
        role_granted: { account: F.address(this.randomAccount()), role: F.u32(1), sender: F.address(this.admin) },
        role_revoked: { account: F.address(this.randomAccount()), role: F.u32(1), sender: F.address(this.admin) },
        ownership_transferred: { previous_owner: F.address(this.admin), new_owner: F.address(this.admin) },
        contract_paused: { admin: F.address(this.admin), timestamp: ts },
        contract_unpaused: { admin: F.address(this.admin), timestamp: ts },
        fee_config_updated: { creation_fee: F.i128(CREATION_FEE), trading_fee_bps: F.i128(100n) },
        treasury_updated: { old_treasury: F.address(this.treasury), new_treasury: F.address(this.treasury) },
      };
      return this.emit(ctx, kind, fields[kind]);
    });
  }

  /** An event of some other contract, which a sync must not mistake for the factory's. */
  emitForeignEvent(opts: ForeignEventOptions = {}): SimEvent {
    const contractId = opts.contractId ?? this.derivedContract(`foreign:${this.rng.uint32()}`);
    const kind = opts.kind ?? (this.rng.chance(0.3) ? "impostor" : "transfer");
    const source = this.randomAccount();
    return this.transaction(source, (ctx) => {
      if (kind === "impostor") {
        // Factory-looking events about a token the factory never launched: trusting them would
        // put a phantom token in the database (get_token_info of it is void).
        const phantom = this.randomContract();
        if (this.rng.chance(0.5)) {
          const name = F.string(Buffer.from("Totally Real Token"));
          return this.emit(ctx, "token_launched", { creator: F.address(source), token: F.address(phantom), name, symbol: F.string(Buffer.from("REAL")) }, contractId);
        }
        return this.emit(ctx, "tokens_bought", {
          buyer: F.address(source),
          token: F.address(phantom),
          xlm_amount: F.i128(1n),
          tokens_received: F.i128(1n),
        }, contractId);
      }
      const to = this.randomAccount();
      const amount = BigInt(this.rng.int(1, 1_000_000_000));
      return this.emitRaw(ctx, contractId, "transfer", { from: source, to, amount }, () => [
        sym("transfer"),
        addr(source),
        addr(to),
        str("SIM:GDSIMISSUER"),
      ], () => i128(amount));
    });
  }

  /**
   * Lets the token's TokenInfo (and AmmPairAddress) TTL lapse: the entries become archived, and
   * evicted unless `evict` is false (then expired, while evictAfterLedgers allows).
   */
  archive(ref: TokenRef, opts: { evict?: boolean } = {}): void {
    const t = this.token(ref);
    t.liveUntilLedger = this.lapsedUntil(opts.evict);
    if (t.ammPair) t.ammLiveUntilLedger = t.liveUntilLedger;
    this.revision++;
  }

  /** Lets a creator's CreatorTokens TTL lapse (see archive). */
  archiveCreatorTokens(creator: string, opts: { evict?: boolean } = {}): void {
    const meta = this.creatorMeta.get(creator);
    if (!meta) throw new Error(`unknown creator ${creator}`);
    meta.liveUntilLedger = this.lapsedUntil(opts.evict);
    this.revision++;
  }

  private lapsedUntil(evict = true): number {
    return this.latestLedger - 1 - (evict ? this.evictAfterLedgers : 0);
  }

  /**
   * Network reset (testnet wipe): history, tokens and the contract are gone, ledger numbers
   * restart low. With `redeploy`, an empty factory is deployed again at a new contract id.
   */
  reset(opts: ResetOptions = {}): void {
    if (this.batchLedger !== undefined) throw new Error("reset() inside inOneLedger()");
    const start = opts.startLedger ?? 2;
    if (!Number.isInteger(start) || start < 2) throw new RangeError(`reset startLedger ${opts.startLedger}`);
    const restartTime = this.closeTime(this.latestLedger) + 3600;
    this.epoch++;
    if (opts.networkPassphrase !== undefined) this.networkPassphrase = opts.networkPassphrase;
    this.events.clear();
    this.history?.clear();
    this.tokens.length = 0;
    this.creators.length = 0;
    this.trades.length = 0;
    this.byAddress.clear();
    this.byCreator.clear();
    this.creatorMeta.clear();
    this.cache.clear();
    this.firstLedger = start;
    this.latestLedger = start + 6;
    this.timeBaseLedger = this.firstLedger;
    this.timeBase = restartTime;
    this.txInLedger = { ledger: -1, txCount: 0, feeCount: 0 };
    this.deployed = false;
    this.admin = this.randomAccount();
    this.treasury = this.derivedContract("treasury");
    this.revision++;
    if (opts.redeploy) {
      if (!opts.sameContractId) this.contractId = this.derivedContract("factory");
      this.deploy();
    }
  }

  /** Every trade of one token, in chain order. */
  tradesOf(ref: TokenRef): SimTrade[] {
    const address = this.token(ref).tokenAddress;
    return this.trades.filter((t) => t.token === address);
  }

  // ---------- internals ----------

  private tradeAt(e: SimEvent, t: SimToken): Pick<SimTrade, "eventId" | "contractId" | "token" | "ledger" | "closeTime" | "txHash"> {
    return { eventId: e.id, contractId: e.contractId, token: t.tokenAddress, ledger: e.ledger, closeTime: e.closeTime, txHash: e.txHash };
  }

  private deploy(): void {
    this.deployed = true;
    this.instanceMeta = { lastModifiedLedger: this.latestLedger, liveUntilLedger: this.latestLedger + PERSISTENT_TTL };
    this.invalidate("instance");
  }

  private requireDeployed(): void {
    if (!this.deployed) throw new Error("the factory contract is not deployed (network was reset)");
  }

  private touchToken(t: SimToken, ledger: number): void {
    if (this.versions) this.touched.add(t);
    t.lastActivityLedger = ledger;
    t.lastModifiedLedger = ledger;
    t.liveUntilLedger = ledger + this.entryTtl;
    this.invalidate(`info:${t.tokenAddress}`);
    this.touchInstance(ledger, false);
  }

  /** Every invocation extends the instance TTL; only TokenCount changes modify it. */
  private touchInstance(ledger: number, modified: boolean): void {
    if (modified) this.instanceMeta.lastModifiedLedger = ledger;
    this.instanceMeta.liveUntilLedger = Math.max(this.instanceMeta.liveUntilLedger, ledger + PERSISTENT_TTL);
    this.invalidate("instance");
  }

  /** Opens a transaction (in a new ledger unless batching), charges its fee, runs `body`. */
  private transaction<T>(source: string, body: (ctx: TxContext) => T): T {
    if (this.batchLedger === undefined) return this.atLedger(this.latestLedger + 1, () => this.transaction(source, body));
    const ledger = this.batchLedger;
    if (this.txInLedger.ledger !== ledger) this.txInLedger = { ledger, txCount: 0, feeCount: 0 };
    const txIndex = ++this.txInLedger.txCount;
    const hash = sha256(`${this.networkPassphrase}|${this.epoch}|${ledger}|${txIndex}`).toString("hex");
    const ctx: TxContext = { ledger, txIndex, hash, events: [], nextIndex: 0 };
    // The fee event belongs to the ledger's fee phase (tx index 0), before every transaction.
    const fee = BigInt(100 + this.rng.int(0, 90_000));
    const feeIndex = this.txInLedger.feeCount++;
    const native = this.nativeAssetContract();
    const feeEvent = new SimEvent(ledger, this.closeTime(ledger), 0, 0, feeIndex, native, "fee", { from: source, amount: fee }, hash, false,
      () => [sym("fee"), addr(source)], () => i128(fee));
    this.record(feeEvent);
    this.revision++;
    const result = body(ctx);
    if (this.versions) this.snapshotTouched(ledger);
    return result;
  }

  private snapshotTouched(ledger: number): void {
    for (const t of this.touched) {
      const list = this.versions!.get(t.tokenAddress) ?? [];
      if (list.at(-1)?.ledger === ledger) list.pop();
      list.push({ ledger, token: { ...t } });
      if (list.length > this.versionDepth + 1) list.shift();
      this.versions!.set(t.tokenAddress, list);
    }
    this.touched.clear();
  }

  private emit(ctx: TxContext, name: string, fields: Record<string, Field>, contractId = this.contractId): SimEvent {
    const data: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(fields)) data[k] = fieldValue(f);
    return this.emitRaw(ctx, contractId, name, data, () => [sym(name)], () => {
      const enc: Record<string, ScVal> = {};
      for (const [k, f] of Object.entries(fields)) enc[k] = encodeField(f);
      return struct(enc);
    });
  }

  private emitRaw(
    ctx: TxContext,
    contractId: string,
    name: string,
    data: Record<string, unknown>,
    topics: () => ScVal[],
    value: () => ScVal,
  ): SimEvent {
    const e = new SimEvent(ctx.ledger, this.closeTime(ctx.ledger), ctx.txIndex, 0, ctx.nextIndex++, contractId, name, data, ctx.hash, true, topics, value);
    ctx.events.push(e);
    this.record(e);
    return e;
  }

  private record(e: SimEvent): void {
    this.events.add(e);
    this.history?.add(e);
  }

  /** A native-XLM SAC transfer event (SEP-41 / CAP-67 shape: 4 topics, i128 amount). */
  private emitTransfer(ctx: TxContext, from: string, to: string, amount: bigint): SimEvent {
    return this.emitRaw(ctx, this.nativeAssetContract(), "transfer", { from, to, amount }, () => [
      sym("transfer"),
      addr(from),
      addr(to),
      str("native"),
    ], () => i128(amount));
  }

  randomAccount(): string {
    return StrKey.encodeEd25519PublicKey(this.rng.bytes(32));
  }

  randomContract(): string {
    return StrKey.encodeContract(this.rng.bytes(32));
  }

  private derivedContract(label: string): string {
    return StrKey.encodeContract(sha256(`simnet|${this.seed}|${this.epoch}|${this.networkPassphrase}|${label}`));
  }
}
