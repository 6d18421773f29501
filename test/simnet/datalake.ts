// Writes the chain's ledgers as a SEP-54 data lake, in Galexie's layout:
//   DIR/.config.json                      {networkPassphrase, version, compression, ledgersPerBatch, batchesPerPartition}
//   DIR/<partition>/<batch>.xdr.zst       zstd-compressed XDR LedgerCloseMetaBatch
// where partition = "%08X--%d-%d" (0xFFFFFFFF - start, start, end) of ledgersPerBatch x
// batchesPerPartition ledgers, and batch = "%08X--%d-%d.xdr.zst" ("%08X--%d.xdr.zst" for one
// ledger per batch); with one ledger per partition the partition folder is left out. The config
// is written last, so a half-written lake has none.

import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { constants, zstdCompressSync } from "node:zlib";
import { xdr } from "@stellar/stellar-sdk";
import type { SimChain } from "./chain.ts";
import { ledgerCloseMeta } from "./ledger-meta.ts";

export interface DatalakeLayout {
  ledgersPerBatch: number;
  batchesPerPartition: number;
}

export interface DatalakeOptions extends Partial<DatalakeLayout> {
  /** First ledger to write (default: the oldest ledger the chain keeps). */
  fromLedger?: number;
  /** Last ledger to write (default: latest). */
  toLedger?: number;
  /** zstd level (default 3, zstd's own default). */
  level?: number;
}

export interface DatalakeSummary extends DatalakeLayout {
  dir: string;
  fromLedger: number;
  toLedger: number;
  files: number;
  bytes: number;
}

const hex = (n: number): string => (0xffffffff - n).toString(16).toUpperCase().padStart(8, "0");

/** The object key holding ledger `seq`, relative to the lake's root. */
export function datalakeKey(seq: number, layout: DatalakeLayout): string {
  const batchStart = seq - (seq % layout.ledgersPerBatch);
  const batchEnd = batchStart + layout.ledgersPerBatch - 1;
  const batch = layout.ledgersPerBatch === 1 ? `${hex(batchStart)}--${batchStart}.xdr.zst` : `${hex(batchStart)}--${batchStart}-${batchEnd}.xdr.zst`;
  const size = layout.ledgersPerBatch * layout.batchesPerPartition;
  if (size === 1) return batch;
  const partStart = seq - (seq % size);
  return `${hex(partStart)}--${partStart}-${partStart + size - 1}/${batch}`;
}

export async function writeDatalake(chain: SimChain, dir: string, opts: DatalakeOptions = {}): Promise<DatalakeSummary> {
  const layout = { ledgersPerBatch: opts.ledgersPerBatch ?? 64, batchesPerPartition: opts.batchesPerPartition ?? 1000 };
  const from = opts.fromLedger ?? chain.oldestKnownLedger;
  const to = opts.toLedger ?? chain.latestLedger;
  if (from < chain.oldestKnownLedger || to > chain.latestLedger || from > to) {
    throw new RangeError(`ledgers ${from}..${to} are not all kept (kept: ${chain.oldestKnownLedger}..${chain.latestLedger})`);
  }
  await mkdir(dir, { recursive: true });
  let files = 0;
  let bytes = 0;
  const madeDirs = new Set<string>();
  for (let start = from; start <= to; ) {
    const end = Math.min(start - (start % layout.ledgersPerBatch) + layout.ledgersPerBatch - 1, to);
    const metas: xdr.LedgerCloseMeta[] = [];
    for (let seq = start; seq <= end; seq++) metas.push(ledgerCloseMeta(chain, seq) as xdr.LedgerCloseMeta);
    const raw = new xdr.LedgerCloseMetaBatch({ startSequence: start, endSequence: end, ledgerCloseMetas: metas }).toXdr();
    const body = zstdCompressSync(raw, { params: { [constants.ZSTD_c_compressionLevel]: opts.level ?? 3 } });
    const file = path.join(dir, datalakeKey(start, layout));
    const parent = path.dirname(file);
    if (!madeDirs.has(parent)) {
      await mkdir(parent, { recursive: true });
      madeDirs.add(parent);
    }
    await writeFile(file, body);
    files++;
    bytes += body.length;
    start = end + 1;
  }
  const config = { networkPassphrase: chain.networkPassphrase, version: "1.0", compression: "zstd", ...layout };
  await writeFile(path.join(dir, ".config.json.tmp"), JSON.stringify(config, null, 2) + "\n");
  await rename(path.join(dir, ".config.json.tmp"), path.join(dir, ".config.json"));
  return { dir, fromLedger: from, toLedger: to, files, bytes, ...layout };
}
