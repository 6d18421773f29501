// Writes the chain's ledgers as a SEP-54 data lake, in Galexie's layout (default):
//   DIR/.config.json                      {networkPassphrase, version, compression, ledgersPerBatch, batchesPerPartition}
//   DIR/<partition>/<batch>.xdr.zst       zstd-compressed XDR LedgerCloseMetaBatch
// or in SEP-54 v0.2.0's (`format: "sep54"`), where the config names the partitions' folder by a path
// from the store's root (DIR), as in the spec's example (`storePath: "stellar/pubnet"`):
//   DIR/<storePath>/config.json           {networkPassphrase, ledgersPath: "/<storePath>/ledgers", compression, ...}
//   DIR/<storePath>/ledgers/<partition>/<batch>.xdr.zst
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
  /** "galexie" (default): .config.json beside the partitions; "sep54": v0.2.0's config.json with ledgersPath. */
  format?: DatalakeFormat;
  /** sep54: the folder below DIR holding config.json (default: DIR itself). */
  storePath?: string;
}

export type DatalakeFormat = "galexie" | "sep54";

export interface DatalakeSummary extends DatalakeLayout {
  dir: string;
  format: DatalakeFormat;
  /** The lake's root: the folder holding its config. */
  root: string;
  /** The partitions' folder. */
  ledgersDir: string;
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
  const format = opts.format ?? "galexie";
  const storePath = (opts.storePath ?? "").split("/").filter(Boolean);
  if (format === "galexie" && storePath.length > 0) throw new RangeError("storePath is for the sep54 format");
  const root = path.join(dir, ...storePath);
  const ledgersDir = format === "sep54" ? path.join(root, "ledgers") : root;
  await mkdir(ledgersDir, { recursive: true });
  let files = 0;
  let bytes = 0;
  const madeDirs = new Set<string>();
  for (let start = from; start <= to; ) {
    const end = Math.min(start - (start % layout.ledgersPerBatch) + layout.ledgersPerBatch - 1, to);
    const metas: xdr.LedgerCloseMeta[] = [];
    for (let seq = start; seq <= end; seq++) metas.push(ledgerCloseMeta(chain, seq) as xdr.LedgerCloseMeta);
    const raw = new xdr.LedgerCloseMetaBatch({ startSequence: start, endSequence: end, ledgerCloseMetas: metas }).toXdr();
    const body = zstdCompressSync(raw, { params: { [constants.ZSTD_c_compressionLevel]: opts.level ?? 3 } });
    const file = path.join(ledgersDir, datalakeKey(start, layout));
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
  const config =
    format === "sep54"
      ? { networkPassphrase: chain.networkPassphrase, ledgersPath: `/${[...storePath, "ledgers"].join("/")}`, compression: "zstd", ...layout }
      : { networkPassphrase: chain.networkPassphrase, version: "1.0", compression: "zstd", ...layout };
  const name = format === "sep54" ? "config.json" : ".config.json";
  await writeFile(path.join(root, `${name}.tmp`), JSON.stringify(config, null, 2) + "\n");
  await rename(path.join(root, `${name}.tmp`), path.join(root, name));
  return { dir, format, root, ledgersDir, fromLedger: from, toLedger: to, files, bytes, ...layout };
}
