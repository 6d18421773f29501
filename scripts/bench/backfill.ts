// The history backfill's speed: the data lake scan, the backfill end to end, mainnet decoding.
//
//   1. scan: the hot path alone (read files, zstd, find the factory's events) over a local SEP-54 data lake of
//      --ledgers simulated ledgers (default 120,000), in ledgers/s; then the same files split into their costs:
//      reading them, decompressing them, and decoding (prefilter + XDR) the decompressed batches;
//   2. backfill: `backfill()` end to end (scan, then the pipeline reads and writes every token and trade) into
//      PostgreSQL, with the trades stored and without;
//   3. mainnet: the 50 real mainnet transactions' result metas decoded in a loop, per transaction: the SDK's
//      classes, the plain XDR schema decode the backfill uses, and the raw-bytes prefilter that skips a
//      transaction not naming the contract; and zstd's speed on those bytes. From these, an estimate of a year of
//      mainnet (6.3 M ledgers) on this machine.
// Own flags: --ledgers 120000 --loops 20 (mainnet decode loops) --trades-per-ledger 0 (a buy in every ledger of the
// lake's second half, N times over: a busy market); --tokens defaults to 500 here.

import fs from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { constants, zstdCompressSync } from "node:zlib";
import { StrKey, xdr } from "@stellar/stellar-sdk";
import { backfill } from "../../src/history/backfill.ts";
import { DatastoreSource, objectKey } from "../../src/history/datastore.ts";
import { EventExtractor } from "../../src/history/extract.ts";
import { zstdDecompress, zstdImplementation } from "../../src/history/zstd.ts";
import { writeDatalake } from "../../test/simnet/datalake.ts";
import { startSimnet } from "../../test/simnet/index.ts";
import { FIXTURES } from "../../test/simnet/testing.ts";
import { ownText, whole, type BenchFlags } from "./flags.ts";
import { int, ms, table } from "./format.ts";
import { count, openServer } from "./postgres.ts";

export const options = { ledgers: "120000", loops: "20", "trades-per-ledger": "0" };

export async function run(flags: BenchFlags): Promise<void> {
  const result = await runBackfillBench({
    ledgers: whole("ledgers", ownText(flags, "ledgers"), 1000),
    tokens: whole("tokens", flags.tokens ?? 500, 1),
    databaseUrl: flags.databaseUrl,
    loops: whole("loops", ownText(flags, "loops"), 1),
    tradesPerLedger: whole("trades-per-ledger", ownText(flags, "trades-per-ledger"), 0),
  });
  const out = flags.out ?? path.join("bench-results", "backfill-latest.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`\nwrote ${out}`);
}

export interface BackfillBenchOptions {
  ledgers: number;
  tokens: number;
  databaseUrl?: string;
  loops: number;
  /** A buy in every ledger of the lake's second half this many times over (0: the scenario's own trading). */
  tradesPerLedger: number;
}

const YEAR_OF_LEDGERS = 6_300_000;

async function runBackfillBench(o: BackfillBenchOptions): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-lake-"));
  const sim = await startSimnet({
    scenario: {
      seed: 1,
      tokens: o.tokens,
      creators: Math.max(1, Math.round(o.tokens / 5)),
      retentionLedgers: 10_000,
      ...(o.tradesPerLedger > 0
        ? { historyLedgers: Math.ceil(o.ledgers / 2), denseTrading: { ledgers: Math.floor(o.ledgers / 2), tradesPerLedger: o.tradesPerLedger } }
        : { historyLedgers: o.ledgers }),
    },
    ledgersFromDatastore: true,
  });
  const server = await openServer(o.databaseUrl);
  try {
    let t = performance.now();
    const lake = await writeDatalake(sim.chain, dir, { ledgersPerBatch: 64, batchesPerPartition: 1000 });
    const writeMs = performance.now() - t;
    const ledgers = lake.toLedger - lake.fromLedger + 1;
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} cores`);
    console.log(`data lake: ${int(ledgers)} ledgers, ${int(lake.files)} files, ${(lake.bytes / 1e6).toFixed(1)} MB, written in ${ms(writeMs)}`);

    // 1. the scan, whole and split into its costs
    const source = await DatastoreSource.open(dir);
    const extractor = new EventExtractor(sim.contractId);
    t = performance.now();
    let events = 0;
    for await (const chunk of source.chunks(lake.fromLedger, lake.toLedger, extractor)) events += chunk.events.length;
    const scanMs = performance.now() - t;
    const keys = [...new Set(Array.from({ length: lake.files }, (_, i) => objectKey(lake.fromLedger + i * 64, lake)))];
    t = performance.now();
    const files = await Promise.all(keys.map((k) => readFile(path.join(dir, k))));
    const readMs = performance.now() - t;
    t = performance.now();
    const raw: Uint8Array[] = [];
    for (const f of files) raw.push(await zstdDecompress(f));
    const zstdMs = performance.now() - t;
    t = performance.now();
    let withFactory = 0;
    for (const b of raw) {
      if (extractor.mayContain(b)) withFactory++;
      extractor.fromBatch(b);
    }
    const decodeMs = performance.now() - t;
    const rawBytes = raw.reduce((n, b) => n + b.byteLength, 0);

    // 2. end to end into PostgreSQL, with the trades stored and without (SyncOptions.trades), taking turns (ABBA)
    const endToEnd = { on: [] as number[], off: [] as number[] };
    let report: Awaited<ReturnType<typeof backfill>> | undefined;
    let trades = { on: 0, off: 0 };
    for (const side of ["on", "off", "off", "on"] as const) {
      const databaseUrl = await server.createDatabase(`backfill_${side}${endToEnd[side].length}`);
      t = performance.now();
      const r = await backfill({
        rpcUrl: sim.url,
        networkPassphrase: sim.networkPassphrase,
        contractId: sim.contractId,
        databaseUrl,
        datastore: dir,
        fromLedger: lake.fromLedger,
        trigger: "bench",
        trades: side === "on",
      });
      endToEnd[side].push(performance.now() - t);
      if (side === "on") report = r;
      trades = { ...trades, [side]: await count(databaseUrl, "SELECT count(*) AS n FROM trades") };
    }
    const endToEndMs = Math.min(...endToEnd.on);
    const endToEndOffMs = Math.min(...endToEnd.off);

    // 3. real mainnet metas
    const corpus = JSON.parse(await readFile(path.join(FIXTURES, "stellar-rpc/mainnet-corpus/transactions.json"), "utf8")) as { records: Array<{ resultMetaXdr: string }> };
    const metas = corpus.records.map((r) => Buffer.from(r.resultMetaXdr, "base64"));
    const busiest = countContracts(metas);
    const present = new EventExtractor(busiest);
    const absent = new EventExtractor(sim.contractId);
    const perTx = (fn: (m: Buffer) => unknown) => {
      const start = performance.now();
      for (let i = 0; i < o.loops; i++) for (const m of metas) fn(m);
      return ((performance.now() - start) * 1000) / (o.loops * metas.length);
    };
    const sdkUs = perTx((m) => xdr.TransactionMeta.fromXdr(m));
    const schemaUs = perTx((m) => xdr.TransactionMeta.schema.decode(m));
    const extractUs = perTx((m) => present.fromTransactionMeta(m));
    const skipUs = perTx((m) => absent.fromTransactionMeta(m));
    const all = Buffer.concat(metas);
    const packed = zstdCompressSync(all, { params: { [constants.ZSTD_c_compressionLevel]: 3 } });
    t = performance.now();
    for (let i = 0; i < o.loops; i++) await zstdDecompress(packed);
    const zstdMBs = (all.length * o.loops) / 1e6 / ((performance.now() - t) / 1000);
    const bytesPerTx = all.length / metas.length;

    const ledgersPerSecond = ledgers / (scanMs / 1000);
    console.log("");
    console.log(
      table(
        ["measure", "value"],
        [
          ["scan (read + zstd + prefilter + decode), ledgers/s", int(Math.round(ledgersPerSecond))],
          ["  of which: reading files", `${ms(readMs)} (${int(lake.files)} files)`],
          [`  of which: zstd (${zstdImplementation})`, `${ms(zstdMs)} (${(rawBytes / 1e6).toFixed(1)} MB out)`],
          ["  of which: prefilter + XDR decode", `${ms(decodeMs)} (${withFactory} of ${int(raw.length)} batches hold the factory)`],
          ["factory events found", int(events)],
          ["backfill() end to end, ledgers/s (tokens read and written too)", int(Math.round(ledgers / (endToEndMs / 1000)))],
          ["  tokens found / missing after", `${int(report!.tokensFound)} / ${report!.sync.missingIds.length}`],
          [`  trades stored`, int(trades.on)],
          ["backfill() end to end with trades off, ledgers/s", int(Math.round(ledgers / (endToEndOffMs / 1000)))],
          ["  trades on against off (best of 2 each, taking turns)", `${(endToEndMs / endToEndOffMs).toFixed(2)}x (${int(trades.off)} trades stored with them off)`],
          ["mainnet tx meta: SDK classes decode, µs/tx", schemaUsFmt(sdkUs)],
          ["mainnet tx meta: schema decode (used), µs/tx", schemaUsFmt(schemaUs)],
          ["mainnet tx meta: extract a present contract's events, µs/tx", schemaUsFmt(extractUs)],
          ["mainnet tx meta: prefilter skip (contract absent), µs/tx", schemaUsFmt(skipUs)],
          ["zstd decompress of mainnet metas, MB/s", int(Math.round(zstdMBs))],
        ],
      ),
    );
    // A year of mainnet: every ledger is downloaded and decompressed and scanned for the id's bytes; only ledgers
    // that hold a factory transaction are decoded. Mainnet ledgers carry a few hundred transactions.
    const txPerLedger = 300;
    const ledgerMB = (txPerLedger * bytesPerTx) / 1e6;
    const zstdPerLedgerMs = (ledgerMB / zstdMBs) * 1000;
    const skipPerLedgerMs = (txPerLedger * skipUs) / 1000;
    const cpuHours = (YEAR_OF_LEDGERS * (zstdPerLedgerMs + skipPerLedgerMs)) / 3.6e6;
    const decodeAllHours = (YEAR_OF_LEDGERS * txPerLedger * schemaUs) / 1e6 / 3600;
    console.log(
      `\nA year of mainnet (${int(YEAR_OF_LEDGERS)} ledgers, ~${txPerLedger} tx and ~${ledgerMB.toFixed(2)} MB of meta each, ` +
        `${int(Math.round(bytesPerTx))} B per tx as in the corpus): zstd ${zstdPerLedgerMs.toFixed(2)} ms + prefilter ${skipPerLedgerMs.toFixed(2)} ms per ledger = ` +
        `~${cpuHours.toFixed(1)} CPU-hours on one core of this machine; decoding every transaction instead would take ~${decodeAllHours.toFixed(0)} hours. ` +
        `Downloading ~${int(Math.round(YEAR_OF_LEDGERS * ledgerMB * 0.2 / 1000))} GB compressed (zstd ratio ~5) is the likely limit: at 100 Mbit/s about ` +
        `${((YEAR_OF_LEDGERS * ledgerMB * 0.2 * 8) / 100 / 3600).toFixed(0)} hours.`,
    );
    return {
      ledgers,
      files: lake.files,
      lakeBytes: lake.bytes,
      scan: { ms: scanMs, ledgersPerSecond, readMs, zstdMs, decodeMs, batchesWithFactory: withFactory, events },
      endToEnd: { ms: endToEndMs, msTradesOff: endToEndOffMs, trades: trades.on, tokensFound: report!.tokensFound, missing: report!.sync.missingIds.length },
      mainnet: { sdkUsPerTx: sdkUs, schemaUsPerTx: schemaUs, extractUsPerTx: extractUs, skipUsPerTx: skipUs, zstdMBs, bytesPerTx },
      yearEstimate: { txPerLedger, cpuHours, decodeAllHours },
      zstd: zstdImplementation,
      loadAverage: os.loadavg(),
    };
  } finally {
    await sim.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const schemaUsFmt = (us: number): string => us.toFixed(1);

/** The contract with the most events in the corpus: the "present" case of the decode loop. */
function countContracts(metas: Buffer[]): string {
  const counts = new Map<string, number>();
  for (const m of metas) {
    const meta = xdr.TransactionMeta.schema.decode(m);
    if (meta.v !== 4) continue;
    for (const op of meta.v4.operations) {
      for (const e of op.events) {
        if (!e.contractId) continue;
        const id = StrKey.encodeContract(Buffer.from(e.contractId));
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}
