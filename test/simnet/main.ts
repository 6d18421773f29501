// `pnpm simnet`: serve a simulated network until SIGINT/SIGTERM.
//
//   --port N            listen port (default 8000; 0 = any free port)
//   --tokens N          tokens in the scenario (default 60)
//   --creators N        creators in the scenario (default 15)
//   --seed N            scenario seed (default 1)
//   --history N         ledgers of history (default 400000)
//   --retention N       getEvents retention window (default 120960)
//   --no-hostile        plain token data only
//   --latency MS        delay added to every response
//   --fault-rate R      probability 0..1 of a fault per request
//   --faults a,b        fault kinds (http429,http503,http504,rpc32001,rpc32003,truncated,reset,hang,slow)
//   --fault-seed N
//   --passphrase TEXT   network passphrase
//   --ledgers-from-datastore  getLedgers serves all history (as stellar-rpc with a datastore)
//   --protocol-upgrade N first protocol 23+ ledger (default: halfway through the history)
//   --write-datalake DIR write every ledger as a SEP-54 data lake (Galexie layout) into DIR, then serve
//   --ledgers-per-batch N, --batches-per-partition N   the lake's layout (default 64, 1000)
//   --advance-every MS  close a ledger with a launch or a few trades every MS milliseconds

import { parseArgs } from "node:util";
import { writeDatalake } from "./datalake.ts";
import { ALL_FAULT_KINDS, type FaultKind } from "./faults.ts";
import { startSimnet } from "./index.ts";
import { Rng } from "./rng.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8000" },
    tokens: { type: "string" },
    creators: { type: "string" },
    seed: { type: "string" },
    history: { type: "string" },
    retention: { type: "string" },
    "no-hostile": { type: "boolean", default: false },
    latency: { type: "string" },
    "fault-rate": { type: "string" },
    faults: { type: "string" },
    "fault-seed": { type: "string" },
    passphrase: { type: "string" },
    "ledgers-from-datastore": { type: "boolean", default: false },
    "protocol-upgrade": { type: "string" },
    "write-datalake": { type: "string" },
    "ledgers-per-batch": { type: "string" },
    "batches-per-partition": { type: "string" },
    "advance-every": { type: "string" },
  },
  strict: true,
});

const num = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

const kinds = values.faults?.split(",").map((k) => k.trim()).filter(Boolean) as FaultKind[] | undefined;
for (const k of kinds ?? []) if (!ALL_FAULT_KINDS.includes(k)) throw new Error(`unknown fault kind ${k}; known: ${ALL_FAULT_KINDS.join(",")}`);
const rate = num(values["fault-rate"]) ?? 0;

const simnet = await startSimnet({
  port: num(values.port),
  networkPassphrase: values.passphrase,
  latencyMs: num(values.latency),
  faults: rate > 0 ? { rate, kinds, seed: num(values["fault-seed"]) } : undefined,
  ledgersFromDatastore: values["ledgers-from-datastore"],
  scenario: {
    seed: num(values.seed),
    tokens: num(values.tokens),
    creators: num(values.creators),
    historyLedgers: num(values.history),
    retentionLedgers: num(values.retention),
    hostile: !values["no-hostile"],
    keepHistory: values["write-datalake"] !== undefined,
    protocolUpgradeLedger: num(values["protocol-upgrade"]),
  },
});

const chain = simnet.chain;
const dormant = simnet.scenario.dormantCreators;
console.log(`simnet listening on ${simnet.url}`);
console.log(`RPC_URL=${simnet.url}`);
console.log(`NETWORK_PASSPHRASE="${simnet.networkPassphrase}"`);
console.log(`CONTRACT_ID=${simnet.contractId}`);
console.log(`ledgers ${chain.oldestLedger}..${chain.latestLedger} (retention ${chain.retentionLedgers}), ${chain.tokens.length} tokens, ${chain.creators.length} creators`);
console.log(`creators whose tokens all predate the retention window (${dormant.length}), e.g. for CREATOR_ADDRESS:`);
for (const c of dormant.slice(0, 5)) console.log(`  ${c}  (${chain.creatorTokens(c).length} tokens)`);

if (values["write-datalake"] !== undefined) {
  const lake = await writeDatalake(chain, values["write-datalake"], {
    ledgersPerBatch: num(values["ledgers-per-batch"]),
    batchesPerPartition: num(values["batches-per-partition"]),
  });
  console.log(`data lake: ledgers ${lake.fromLedger}..${lake.toLedger} in ${lake.files} files (${lake.bytes} bytes) under ${lake.dir}`);
}

let ticker: NodeJS.Timeout | undefined;
const every = num(values["advance-every"]);
if (every && every > 0) {
  const rng = new Rng((num(values.seed) ?? 1) + 99);
  ticker = setInterval(() => {
    if (!chain.deployed) return chain.advance(1);
    const bonding = chain.tokens.filter((t) => t.status === "Bonding");
    if (bonding.length === 0 || rng.chance(0.2)) {
      const t = chain.launchToken({ creator: chain.creators.length > 0 && rng.chance(0.5) ? rng.pick(chain.creators) : undefined });
      console.log(`ledger ${chain.latestLedger}: launched #${t.id} ${t.tokenAddress}`);
      return;
    }
    chain.inOneLedger(() => {
      for (let i = rng.int(1, 3); i > 0; i--) {
        const t = rng.pick(bonding);
        if (t.status !== "Bonding") continue;
        if (t.bondingCurve.tokensSold > 0n && rng.chance(0.3)) chain.sell(t, t.bondingCurve.tokensSold / 4n || 1n);
        else chain.buy(t, BigInt(rng.int(10_000_000, 20_000_000_000)));
      }
    });
    console.log(`ledger ${chain.latestLedger}: trades`);
  }, every);
}

const shutdown = async (): Promise<void> => {
  if (ticker) clearInterval(ticker);
  console.log("simnet: shutting down", simnet.counters());
  await simnet.close();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
