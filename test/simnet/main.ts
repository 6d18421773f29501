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
//   --max-events-limit N  getEvents refuses a larger pagination.limit (stellar-rpc's max-events-limit)
//   --lb-lag N            nodes behind a load balancer: each request lands on a node 0..N ledgers behind
//   --max-ledgers-limit N getLedgers refuses a larger pagination.limit (stellar-rpc's max-ledgers-limit, default 200)
//   --ledger-close-ms MS  live mode: close a ledger every MS milliseconds (the window slides)
//   --live-activity P   live mode: probability 0..1 that a ledger holds a launch or trades (default 1)
//   --advance-every MS  same as --ledger-close-ms MS
//   --archive-after N   archival by age: entries untouched for N ledgers are served archived
//   --evict-after N     with --archive-after: ledgers from expiry to eviction (default N/4)
//   --dense-ledgers N   dense trading after the history: N ledgers of...
//   --dense-trades R    ...R buys each (default 4)
//   --ledgers-from-datastore  getLedgers serves all history (as stellar-rpc with a datastore)
//   --protocol-upgrade N first protocol 23+ ledger (default: halfway through the history)
//   --write-datalake DIR write every ledger as a SEP-54 data lake into DIR, then serve
//   --datalake-layout L  galexie (default: DIR/.config.json beside the partitions) or sep54 (v0.2.0:
//                       DIR/config.json with "ledgersPath": "/ledgers", partitions in DIR/ledgers)
//   --ledgers-per-batch N, --batches-per-partition N   the lake's layout (default 64, 1000)

import { parseArgs } from "node:util";
import { writeDatalake } from "./datalake.ts";
import { ALL_FAULT_KINDS, type FaultKind } from "./faults.ts";
import { startSimnet } from "./index.ts";

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
    "datalake-layout": { type: "string" },
    "ledgers-per-batch": { type: "string" },
    "batches-per-partition": { type: "string" },
    "advance-every": { type: "string" },
    "max-events-limit": { type: "string" },
    "lb-lag": { type: "string" },
    "max-ledgers-limit": { type: "string" },
    "ledger-close-ms": { type: "string" },
    "live-activity": { type: "string" },
    "archive-after": { type: "string" },
    "evict-after": { type: "string" },
    "dense-ledgers": { type: "string" },
    "dense-trades": { type: "string" },
  },
  strict: true,
});

const num = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

const lakeFormat = values["datalake-layout"] ?? "galexie";
if (lakeFormat !== "galexie" && lakeFormat !== "sep54") throw new Error(`--datalake-layout ${lakeFormat}: expected galexie or sep54`);

const kinds = values.faults?.split(",").map((k) => k.trim()).filter(Boolean) as FaultKind[] | undefined;
for (const k of kinds ?? []) if (!ALL_FAULT_KINDS.includes(k)) throw new Error(`unknown fault kind ${k}; known: ${ALL_FAULT_KINDS.join(",")}`);
const rate = num(values["fault-rate"]) ?? 0;
const denseLedgers = num(values["dense-ledgers"]);

const simnet = await startSimnet({
  port: num(values.port),
  networkPassphrase: values.passphrase,
  latencyMs: num(values.latency),
  faults: rate > 0 ? { rate, kinds, seed: num(values["fault-seed"]) } : undefined,
  maxEventsLimit: num(values["max-events-limit"]),
  lbLag: num(values["lb-lag"]),
  maxLedgersLimit: num(values["max-ledgers-limit"]),
  ledgerCloseMs: num(values["ledger-close-ms"] ?? values["advance-every"]),
  liveActivity: num(values["live-activity"]) ?? 1,
  onLiveActivity: (note) => console.log(note),
  ledgersFromDatastore: values["ledgers-from-datastore"],
  scenario: {
    seed: num(values.seed),
    tokens: num(values.tokens),
    creators: num(values.creators),
    historyLedgers: num(values.history),
    retentionLedgers: num(values.retention),
    hostile: !values["no-hostile"],
    archiveAfterLedgers: num(values["archive-after"]),
    evictAfterLedgers: num(values["evict-after"]),
    denseTrading: denseLedgers ? { ledgers: denseLedgers, tradesPerLedger: num(values["dense-trades"]) ?? 4 } : undefined,
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
    format: lakeFormat,
  });
  console.log(`data lake (${lake.format}): ledgers ${lake.fromLedger}..${lake.toLedger} in ${lake.files} files (${lake.bytes} bytes) under ${lake.root}`);
}

const shutdown = async (): Promise<void> => {
  console.log("simnet: shutting down", simnet.counters());
  await simnet.close();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
