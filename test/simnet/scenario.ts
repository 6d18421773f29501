// Seeded, deterministic history for the simulated factory.
//
// Launches are spread over far more history than the retention window, so:
// - tokens launched before the window whose creator launched or traded something recently are
//   found through that creator's list only;
// - "dormant" creators (about a quarter) have nothing inside the window at all: only explicit
//   configuration (CREATOR_ADDRESS) can find their tokens;
// - inside the window there are buys, sells and graduations on old and new tokens, admin events
//   that name no token, and events of other contracts (SAC transfers, fee events, and with
//   `hostile` an impostor contract emitting factory-looking events).
// With `hostile`, some tokens carry awkward data: unicode and emoji, empty and 4 KB strings, a NUL
// byte, non-UTF-8 bytes, i128 values near 2^127-1, u32::MAX holders, a failed graduation and an
// archived TokenInfo entry.

import { StrKey } from "@stellar/stellar-sdk";
import { SimChain, type LaunchOptions, type SimToken } from "./chain.ts";
import { I128_MAX, TOTAL_SUPPLY, U32_MAX, VIRTUAL_XLM_RESERVE } from "./curve.ts";
import { Rng } from "./rng.ts";

export interface ScenarioOptions {
  seed?: number;
  /** Tokens launched over the whole history (default 60). */
  tokens?: number;
  /** Distinct creators (default 15). */
  creators?: number;
  /** Ledgers of history before latestLedger (default 400,000, ~23 days). */
  historyLedgers?: number;
  /** getEvents retention (default 120,960, stellar-rpc's stock 7 days). */
  retentionLedgers?: number;
  /** Trades inside the retention window (default max(100, 2 x tokens), at most 50,000). */
  tradesInWindow?: number;
  /** Awkward data (default true). */
  hostile?: boolean;
  /** Archival by age (see ChainOptions): entries untouched for more ledgers than this are archived. */
  archiveAfterLedgers?: number;
  /** With archiveAfterLedgers: ledgers from expiry to eviction (default archiveAfterLedgers / 4). */
  evictAfterLedgers?: number;
  /**
   * Dense trading appended after the history (SimChain.tradeBurst) on active creators' tokens:
   * `ledgers` more ledgers holding `tradesPerLedger` buys each, e.g. { ledgers: 1300,
   * tradesPerLedger: 4 } puts 10,400 factory events in one 10,000-ledger range.
   */
  denseTrading?: { ledgers: number; tradesPerLedger: number };
  /** Keep every ledger's transactions (for getLedgers from a datastore and the data lake; default false). */
  keepHistory?: boolean;
  /** First protocol 23+ ledger (default: halfway through the history, so both meta versions occur). */
  protocolUpgradeLedger?: number;
  /** Close time (unix s) of the first ledger (default 1,760,000,000): e.g. so that the history ends about now. */
  firstCloseTime?: number;
}

export interface ScenarioInfo {
  seed: number;
  firstLedger: number;
  /** First ledger of the retention window when the scenario was built. */
  windowStart: number;
  /** Creators with no token launched or traded inside the window (see SimChain.dormantCreators). */
  dormantCreators: string[];
  hostileTokenIds: number[];
  archivedTokenIds: number[];
  failedGraduationTokenIds: number[];
}

export const SCENARIO_FIRST_LEDGER = 1_000_000;
const FIRST_CLOSE_TIME = 1_760_000_000;

type Action =
  | { ledger: number; order: 0; kind: "launch"; id: number }
  | { ledger: number; order: 1; kind: "trade"; id: number; whale: boolean; graduate?: boolean; failGraduation?: boolean }
  | { ledger: number; order: 2; kind: "admin" }
  | { ledger: number; order: 3; kind: "foreign" };

export function buildScenario(opts: ScenarioOptions = {}, networkPassphrase?: string): { chain: SimChain; info: ScenarioInfo } {
  const seed = opts.seed ?? 1;
  const nTokens = opts.tokens ?? 60;
  const nCreators = Math.max(nTokens > 0 ? 1 : 0, opts.creators ?? 15);
  const history = Math.max(10, opts.historyLedgers ?? 400_000);
  const retention = opts.retentionLedgers ?? 120_960;
  const trades = opts.tradesInWindow ?? Math.min(50_000, Math.max(100, 2 * nTokens));
  const hostile = opts.hostile ?? true;
  const rng = new Rng(seed);

  const firstLedger = SCENARIO_FIRST_LEDGER;
  const latest = firstLedger + history;
  const windowStart = Math.max(firstLedger, latest - retention + 1);
  const archiveAfter = opts.archiveAfterLedgers;
  const chain = new SimChain({
    seed,
    networkPassphrase,
    retentionLedgers: retention,
    firstLedger,
    firstCloseTime: opts.firstCloseTime ?? FIRST_CLOSE_TIME,
    archiveAfterLedgers: archiveAfter,
    evictAfterLedgers: archiveAfter === undefined ? undefined : (opts.evictAfterLedgers ?? Math.floor(archiveAfter / 4)),
    keepHistory: opts.keepHistory,
    protocolUpgradeLedger: opts.protocolUpgradeLedger ?? firstLedger + Math.floor(history / 2),
  });

  // ---- who launches what, when ----
  const launchLedgers = Array.from({ length: nTokens }, () => rng.int(firstLedger + 1, latest - 1)).sort((a, b) => a - b);
  const creators = Array.from({ length: nCreators }, (_, i) =>
    i % 8 === 7 ? StrKey.encodeContract(rng.bytes(32)) : StrKey.encodeEd25519PublicKey(rng.bytes(32)),
  );
  const preIds = launchLedgers.flatMap((l, id) => (l < windowStart ? [id] : []));
  const windowIds = launchLedgers.flatMap((l, id) => (l >= windowStart ? [id] : []));
  let nDormant = nCreators > 1 && preIds.length > 0 ? Math.max(1, Math.round(nCreators * 0.25)) : 0;
  nDormant = Math.min(nDormant, preIds.length, nCreators - 1);
  if (windowIds.length === 0) nDormant = Math.min(nDormant, nCreators);
  const dormant = creators.slice(0, nDormant);
  const active = creators.slice(nDormant);
  const dormantSet = new Set(dormant);

  const creatorOf: string[] = new Array<string>(nTokens);
  const pool = rng.shuffle([...preIds]);
  dormant.forEach((c) => (creatorOf[pool.pop() as number] = c)); // every dormant creator owns an old token
  const rest = rng.shuffle([...pool, ...windowIds]);
  active.forEach((c) => {
    const id = rest.pop();
    if (id !== undefined) creatorOf[id] = c;
  });
  // Skewed ownership: a few prolific creators, many with one or two tokens.
  const skewed = (list: string[]): string => list[Math.floor(list.length * rng.float() ** 2)] as string;
  for (let id = 0; id < nTokens; id++) {
    if (creatorOf[id] !== undefined) continue;
    creatorOf[id] = (launchLedgers[id] as number) < windowStart ? skewed(creators) : skewed(active.length > 0 ? active : creators);
  }

  // ---- hostile token contents ----
  const hostileSpecs = hostile ? hostileLaunches() : [];
  const hostileIds = pickSpread(nTokens, hostileSpecs.length, rng);
  const specById = new Map<number, LaunchOptions>(hostileIds.map((id, i) => [id, hostileSpecs[i] as LaunchOptions]));

  // ---- plan of actions ----
  const actions: Action[] = launchLedgers.map((ledger, id) => ({ ledger, order: 0, kind: "launch", id }));
  const launchedBefore = (ledger: number): number => lowerBound(launchLedgers, ledger); // ids < this launched earlier
  // History before the window (its events fall out of retention, its state remains).
  const preTrades = Math.round(nTokens * 1.5);
  for (let i = 0; i < preTrades && windowStart > firstLedger + 2; i++) {
    const ledger = rng.int(firstLedger + 2, windowStart - 1);
    const n = launchedBefore(ledger);
    if (n === 0) continue;
    actions.push({ ledger, order: 1, kind: "trade", id: rng.int(0, n - 1), whale: rng.chance(0.04) });
  }
  // Inside the window: tokens of active creators only, old and new. Each active creator's first
  // token stays quiet when they have others, so it is reachable only through their list.
  const quiet = new Set<number>();
  const seenCreator = new Map<string, number>();
  creatorOf.forEach((c, id) => {
    if (dormantSet.has(c)) return;
    if (!seenCreator.has(c)) seenCreator.set(c, id);
    else if ((launchLedgers[seenCreator.get(c) as number] as number) < windowStart) quiet.add(seenCreator.get(c) as number);
  });
  const activeOld = preIds.filter((id) => !dormantSet.has(creatorOf[id] as string) && !quiet.has(id));
  for (let i = 0; i < trades && nTokens > 0; i++) {
    const ledger = rng.int(windowStart, latest);
    const n = launchedBefore(ledger);
    let id: number | undefined;
    if (activeOld.length > 0 && (i < 3 || rng.chance(0.35))) id = rng.pick(activeOld);
    else if (n > 0) id = rng.int(0, n - 1);
    if (id === undefined || dormantSet.has(creatorOf[id] as string) || quiet.has(id)) continue;
    // The first window trade graduates an old token; with `hostile` the second one's graduation fails.
    const graduate = i === 0 || (hostile && i === 1);
    actions.push({ ledger, order: 1, kind: "trade", id, whale: graduate || rng.chance(0.03), graduate, failGraduation: hostile && i === 1 });
  }
  for (let i = 0; i < Math.max(5, Math.round(trades / 40)); i++) actions.push({ ledger: rng.int(windowStart, latest), order: 2, kind: "admin" });
  for (let i = 0; i < Math.max(10, Math.round(trades / 10)); i++) actions.push({ ledger: rng.int(windowStart, latest), order: 3, kind: "foreign" });
  actions.sort((a, b) => a.ledger - b.ledger || a.order - b.order || ("id" in a && "id" in b ? a.id - b.id : 0));

  // ---- execute ----
  const traders = Array.from({ length: Math.min(2000, Math.max(40, Math.round(nTokens / 4))) }, () =>
    StrKey.encodeEd25519PublicKey(rng.bytes(32)),
  );
  for (let i = 0; i < actions.length; ) {
    const ledger = (actions[i] as Action).ledger;
    let j = i;
    while (j < actions.length && (actions[j] as Action).ledger === ledger) j++;
    const group = actions.slice(i, j);
    i = j;
    chain.atLedger(ledger, () => {
      for (const a of group) {
        if (a.kind === "launch") {
          chain.launchToken({ creator: creatorOf[a.id] as string, ...defaultNames(a.id, rng), ...specById.get(a.id) });
        } else if (a.kind === "trade") {
          const t = chain.tokens[a.id] as SimToken;
          if (t.status !== "Bonding") continue;
          trade(chain, t, rng, rng.pick(traders), a.whale, a.graduate ?? false, a.failGraduation ?? false);
        } else if (a.kind === "admin") {
          chain.emitAdminEvent();
        } else {
          chain.emitForeignEvent({ kind: hostile && rng.chance(0.3) ? "impostor" : "transfer" });
        }
      }
    });
  }
  if (chain.latestLedger < latest) chain.advance(latest - chain.latestLedger);

  // One old, quiet token of an active creator has its TTL lapse: archived TokenInfo.
  const archived: number[] = [];
  if (hostile) {
    const victim = chain.tokens.find((t) => quiet.has(t.id) && t.lastActivityLedger < windowStart && !specById.has(t.id));
    if (victim) {
      chain.archive(victim);
      archived.push(victim.id);
    }
  }

  if (opts.denseTrading) {
    // Active creators' tokens only, so that dormant creators and quiet tokens stay what they are.
    const pool = chain.tokens.filter((t) => t.status === "Bonding" && !dormantSet.has(t.creator) && !quiet.has(t.id));
    chain.tradeBurst({ ...opts.denseTrading, tokens: pool.length > 0 ? pool : undefined });
  }

  return {
    chain,
    info: {
      seed,
      firstLedger,
      windowStart,
      dormantCreators: chain.dormantCreators(),
      hostileTokenIds: [...specById.keys()].filter((id) => id < chain.tokens.length).sort((a, b) => a - b),
      archivedTokenIds: archived,
      failedGraduationTokenIds: chain.tokens.filter((t) => t.status === "GraduationFailed").map((t) => t.id),
    },
  };
}

function trade(chain: SimChain, t: SimToken, rng: Rng, account: string, whale: boolean, graduate: boolean, failGraduation: boolean): void {
  if (graduate) {
    chain.buy(t, 11_000n * 10_000_000n, { buyer: account, failGraduation });
    return;
  }
  const sold = t.bondingCurve.tokensSold;
  if (!whale && sold > 0n && rng.chance(0.3)) {
    const pct = BigInt(rng.int(5, 60));
    const amount = (sold * pct) / 100n;
    if (amount > 0n) {
      chain.sell(t, amount, { seller: account });
      return;
    }
  }
  // 1..500 XLM usually; whales buy 2,000..12,000 XLM and may graduate the token.
  const xlm = whale ? BigInt(rng.int(2_000, 12_000)) * 10_000_000n : BigInt(rng.int(10_000_000, 5_000_000_000));
  chain.buy(t, xlm, { buyer: account, failGraduation });
}

const WORDS = ["Moon", "Pepe", "Star", "Lumen", "Orbit", "Nova", "Doge", "Comet", "Galaxy", "Rocket", "Aqua", "Blaze"];

function defaultNames(id: number, rng: Rng): LaunchOptions {
  const word = rng.pick(WORDS);
  return {
    name: `${word} ${id}`,
    symbol: `${word.slice(0, 3).toUpperCase()}${id}`,
    imageUrl: `ipfs://bafybeig${id.toString(36)}sim`,
    description: `${word} token number ${id} launched on the simnet`,
  };
}

/** Awkward but legal token data, one launch per case. */
function hostileLaunches(): LaunchOptions[] {
  const maxReserve = I128_MAX / 2n;
  return [
    { name: "🚀 Moon Rocket 月 ✨", symbol: "🚀MOON", description: "Ünïcødé – 漢字 – 👩‍👩‍👧‍👦 – \u202eRTL\u202c – e\u0301" },
    { name: "Empty Desc", symbol: "", imageUrl: "", description: "" },
    { name: "Big Desc", description: "0123456789abcdef".repeat(256) }, // exactly 4096 bytes
    { name: "Nul\u0000Byte", symbol: "N\u0000B", description: "name holds a NUL byte" },
    {
      name: Buffer.from([0x42, 0x61, 0x64, 0x20, 0xff, 0xfe, 0x20, 0x55, 0x54, 0x46]), // "Bad \xff\xfe UTF"
      symbol: Buffer.from([0x53, 0xc3, 0x28]), // truncated 2-byte sequence
      imageUrl: Buffer.from([0x68, 0x74, 0x74, 0x70, 0x3a, 0x2f, 0x2f, 0x80]),
      description: Buffer.from([0xed, 0xa0, 0x80]), // an encoded UTF-16 surrogate: invalid UTF-8
    },
    {
      // Curve values at the edge of i128: still a valid encoding, which a decoder must keep exact.
      name: "i128 Edge",
      symbol: "EDGE",
      bondingCurve: { k: I128_MAX, tokensRemaining: 2n, tokensSold: TOTAL_SUPPLY - 2n, xlmReserve: maxReserve },
      xlmRaised: maxReserve - VIRTUAL_XLM_RESERVE,
      status: "GraduationFailed",
      holdersCount: U32_MAX,
    },
    { name: "L".repeat(1000), symbol: "LONG".repeat(8), description: "a 1000-character name" },
  ];
}

/** `count` distinct ids spread over 0..n-1 (old and new tokens alike). */
function pickSpread(n: number, count: number, rng: Rng): number[] {
  const ids = new Set<number>();
  for (let i = 0; i < count && ids.size < n; i++) {
    let id = Math.min(n - 1, Math.floor(((i + rng.float()) * n) / count));
    while (ids.has(id)) id = (id + 1) % n;
    ids.add(id);
  }
  return [...ids];
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
