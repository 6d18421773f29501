// Decoding cost per item, the direct XDR path (src/contract/direct-decode.ts) against the SDK path (codec.ts):
// factory events, TokenInfo and CreatorTokens entries as getLedgerEntries returns them (placing each under its
// requested key included), the keys' base64, and StrKey text. Inputs are a simulated scenario's own encodings.
//
//   scripts/pnpm -s exec tsx scripts/bench/decode.ts [--tokens 5000] [--creators 1000] [--rounds 5] [--seed 1]
//
// Each figure is the best of `rounds` passes over all items (µs per item), with the garbage collector's time
// during the passes (ms per 1,000 items, all rounds averaged).
import { PerformanceObserver } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { StrKey } from "@stellar/stellar-sdk/base";
import { addressText } from "../../src/contract/address-text.ts";
import {
  creatorTokensKey,
  decodeAddressVec,
  decodeContractDataEntry,
  decodeFactoryEvent,
  decodeFactoryEventWithSdk,
  decodeTokenInfo,
  tokenInfoKey,
} from "../../src/contract/codec.ts";
import { DEFER, readAddressVec, readTokenInfo } from "../../src/contract/direct-decode.ts";
import { EntryKeys } from "../../src/contract/entry-keys.ts";
import { Rng } from "../../test/simnet/rng.ts";
import { buildScenario } from "../../test/simnet/scenario.ts";
import { readFactoryEntry } from "../../test/simnet/storage.ts";
import { table } from "./format.ts";

const { values } = parseArgs({
  options: {
    tokens: { type: "string", default: "5000" },
    creators: { type: "string", default: "1000" },
    rounds: { type: "string", default: "5" },
    seed: { type: "string", default: "1" },
  },
  strict: true,
});
const rounds = Number(values.rounds);

const { chain } = buildScenario({ seed: Number(values.seed), tokens: Number(values.tokens), creators: Number(values.creators) });
const contractId = chain.contractId;
const events = chain.retainedEvents({ factoryOnly: true }).map((e) => ({ id: e.id, ledger: e.ledger, topic: e.topicXdr(), value: e.valueXdr() }));
const tokens = chain.tokens.map((t) => t.tokenAddress);
const tokenEntries = tokens.map((t) => readFactoryEntry(chain, { kind: "TokenInfo", address: t })!.dataXdr);
const creatorEntries = chain.creators.map((c) => readFactoryEntry(chain, { kind: "CreatorTokens", address: c })!.dataXdr);
const tokenKeys = new EntryKeys(contractId, tokenInfoKey);
const creatorKeys = new EntryKeys(contractId, creatorTokensKey);
const tokenIdByKey = new Map(tokens.map((t) => [tokenKeys.key(t)!.key, t]));
const sdkTokenIdByKey = new Map(tokens.map((t) => [tokenInfoKey(contractId, t).toXdr("base64"), t]));
const creatorIdByKey = new Map(chain.creators.map((c) => [creatorKeys.key(c)!.key, c]));
const sdkCreatorIdByKey = new Map(chain.creators.map((c) => [creatorTokensKey(contractId, c).toXdr("base64"), c]));
// 100,000 distinct keys, each met five times in a shuffled order: StrKey text at launchpad scale.
const keyBytes = Buffer.from(new Rng(Number(values.seed)).bytes(100_000 * 32));
const strKeyOrder = Array.from({ length: 500_000 }, (_, i) => (Math.imul(i, 40503) >>> 0) % 100_000);

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });

let sink = 0;
async function time(items: number, pass: () => void): Promise<{ us: number; gcPerK: number }> {
  let best = Infinity;
  await new Promise((r) => setTimeout(r, 0));
  const gcBefore = gcMs;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    pass();
    best = Math.min(best, performance.now() - t0);
  }
  await new Promise((r) => setTimeout(r, 10)); // GC entries arrive asynchronously
  return { us: (best * 1000) / items, gcPerK: (gcMs - gcBefore) / rounds / (items / 1000) };
}

const rows: string[][] = [];
async function compare(what: string, items: number, sdk: () => void, direct: () => void): Promise<void> {
  sdk();
  direct(); // warm both
  const a = await time(items, sdk);
  const b = await time(items, direct);
  rows.push([what, String(items), a.us.toFixed(2), b.us.toFixed(2), `${(a.us / b.us).toFixed(1)}x`, a.gcPerK.toFixed(2), b.gcPerK.toFixed(2)]);
}

await compare(
  "factory event (getEvents)",
  events.length,
  () => {
    for (const e of events) sink += decodeFactoryEventWithSdk(e)?.token?.length ?? 0;
  },
  () => {
    for (const e of events) sink += decodeFactoryEvent(e)?.token?.length ?? 0;
  },
);
await compare(
  "TokenInfo entry: place + decode",
  tokenEntries.length,
  () => {
    for (const x of tokenEntries) {
      const { key, value } = decodeContractDataEntry(x);
      if (sdkTokenIdByKey.get(key.toXdr("base64"))) sink += decodeTokenInfo(value).id;
    }
  },
  () => {
    for (const x of tokenEntries) {
      const m = tokenKeys.match(x)!;
      const info = tokenIdByKey.get(m.key) ? readTokenInfo(m.reader) : DEFER;
      if (info !== DEFER) sink += info.id;
    }
  },
);
await compare(
  "CreatorTokens entry: place + decode",
  creatorEntries.length,
  () => {
    for (const x of creatorEntries) {
      const { key, value } = decodeContractDataEntry(x);
      if (sdkCreatorIdByKey.get(key.toXdr("base64"))) sink += decodeAddressVec(value).length;
    }
  },
  () => {
    for (const x of creatorEntries) {
      const m = creatorKeys.match(x)!;
      const list = creatorIdByKey.get(m.key) ? readAddressVec(m.reader) : DEFER;
      if (list !== DEFER) sink += list.length;
    }
  },
);
await compare(
  "TokenInfo request key (base64)",
  tokens.length,
  () => {
    for (const t of tokens) if (StrKey.isValidContract(t)) sink += tokenInfoKey(contractId, t).toXdr("base64").length;
  },
  () => {
    for (const t of tokens) sink += tokenKeys.key(t)?.xdr.length ?? 0;
  },
);
await compare(
  "StrKey text (100k keys x 5, shuffled)",
  strKeyOrder.length,
  () => {
    for (const i of strKeyOrder) sink += StrKey.encodeContract(keyBytes.subarray(i * 32, i * 32 + 32)).length;
  },
  () => {
    for (const i of strKeyOrder) sink += addressText("contract", keyBytes, i * 32).length;
  },
);

console.log(
  `decoding per item, ${values.tokens} tokens / ${values.creators} creators (seed ${values.seed}), best of ${rounds} rounds; ${events.length} factory events\n`,
);
console.log(table(["item", "count", "SDK µs", "direct µs", "speed-up", "SDK GC ms/1k", "direct GC ms/1k"], rows));
if (sink === 42) console.log("");
