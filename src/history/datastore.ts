// A SEP-54 data lake in a folder or behind an http(s) URL, in Galexie's layout or SEP-54 v0.2.0's
// (./lake-config.ts finds the config and the partitions' folder):
//   <partitions>/<partition>/<batch>.xdr.zst    zstd-compressed XDR LedgerCloseMetaBatch
// Names carry 0xFFFFFFFF - start in hex, so the newest sort first: "%08X--%d-%d" for partitions and
// batches ("%08X--%d.xdr.zst" for one ledger per batch); a partition of one ledger has no folder.
// Downloads run `concurrency` at a time with retries on transient HTTP failures.

import path from "node:path";
import { xdr } from "@stellar/stellar-sdk";
import { validateHttpUrl } from "../config/http-url.ts";
import { FatalError, InterruptedError, messageOf } from "../internal/errors.ts";
import { CorruptLedgerError, decode, ledgerSummary, type EventExtractor } from "./extract.ts";
import { readLakeConfig, type LakeConfig } from "./lake-config.ts";
import { folderStore, urlStore, type LakeStore } from "./lake-store.ts";
import { readAhead, type LedgerChunk, type LedgerSource } from "./source.ts";
import { zstdDecompress } from "./zstd.ts";

export interface DatastoreLayout {
  ledgersPerBatch: number;
  batchesPerPartition: number;
}

/** A lake named on the command line or in SYNC_DATASTORE: a folder, or an http(s) URL checked like every URL we call. */
export function lakeLocation(raw: string, allowHttp: boolean): string {
  const location = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) validateHttpUrl(location, allowHttp, "data lake URL");
  return location;
}

export interface DatastoreOptions {
  /** Downloads in flight (default 8). */
  concurrency?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const hex = (n: number): string => (0xffffffff - n).toString(16).toUpperCase().padStart(8, "0");

/** The object holding ledger `seq`, relative to the partitions' folder. */
export function objectKey(seq: number, layout: DatastoreLayout): string {
  const start = seq - (seq % layout.ledgersPerBatch);
  const name = layout.ledgersPerBatch === 1 ? `${hex(start)}--${start}` : `${hex(start)}--${start}-${start + layout.ledgersPerBatch - 1}`;
  const partitionSize = layout.ledgersPerBatch * layout.batchesPerPartition;
  if (partitionSize === 1) return `${name}.xdr.zst`;
  const p = seq - (seq % partitionSize);
  return `${hex(p)}--${p}-${p + partitionSize - 1}/${name}.xdr.zst`;
}

export class DatastoreSource implements LedgerSource {
  readonly label: string;
  readonly networkPassphrase: string;
  readonly layout: DatastoreLayout;
  readonly #store: LakeStore;
  readonly #prefix: string;
  readonly #concurrency: number;
  #cached: { key: string; metas: ReturnType<typeof xdr.LedgerCloseMetaBatch.schema.decode> } | undefined;

  private constructor(label: string, store: LakeStore, config: LakeConfig, concurrency: number) {
    this.label = label;
    this.#store = store;
    this.#prefix = config.prefix;
    this.networkPassphrase = config.networkPassphrase;
    this.layout = { ledgersPerBatch: config.ledgersPerBatch, batchesPerPartition: config.batchesPerPartition };
    this.#concurrency = concurrency;
  }

  /** Opens the lake at a folder or an http(s) URL (already validated): its root, its config file, or (SEP-54 v0.2.0) its partitions' folder. */
  static async open(location: string, options: DatastoreOptions = {}): Promise<DatastoreSource> {
    const url = /^https?:\/\//i.test(location) ? new URL(location) : undefined;
    // A config file named directly (any name ending in .json): its folder is the lake.
    const name = url ? decodeURIComponent(url.pathname.split("/").at(-1)!) : path.basename(location);
    const file = /\.json$/i.test(name) ? name : undefined;
    let store: LakeStore;
    if (url) {
      store = urlStore(file ? new URL(".", url) : url, options);
    } else {
      store = folderStore(file ? path.dirname(location) : location);
      if (!(await store.exists())) throw new FatalError(`the data lake at ${store.where} is not a folder`);
    }
    const label = `the data lake at ${store.where}`;
    const config = await readLakeConfig(store, (why) => new FatalError(`${label} ${why}`), file);
    return new DatastoreSource(label, store, config, options.concurrency ?? 8);
  }

  async has(seq: number): Promise<boolean> {
    return (await this.#object(this.#key(seq))) !== null;
  }

  async lastOf(seq: number): Promise<number> {
    const batch = await this.#batch(seq);
    return Math.min(batch.endSequence, seq - (seq % this.layout.ledgersPerBatch) + this.layout.ledgersPerBatch - 1);
  }

  async closeTime(seq: number): Promise<number> {
    const batch = await this.#batch(seq);
    const meta = batch.ledgerCloseMetas[seq - batch.startSequence];
    if (!meta) throw this.#corrupt(this.#key(seq), `it holds ledgers ${batch.startSequence}..${batch.endSequence}, not ${seq}`);
    return ledgerSummary(meta).closeTime;
  }

  chunks(from: number, to: number, extractor: EventExtractor, signal?: AbortSignal): AsyncIterable<LedgerChunk> {
    const per = this.layout.ledgersPerBatch;
    const self = this;
    function* tasks() {
      for (let start = from - (from % per); start <= to; start += per) {
        const want: [number, number] = [Math.max(from, start), Math.min(to, start + per - 1)];
        yield () => self.#chunk(want, extractor);
      }
    }
    return readAhead(tasks(), this.#concurrency, signal);
  }

  async close(): Promise<void> {
    this.#cached = undefined;
  }

  async #chunk([from, to]: [number, number], extractor: EventExtractor): Promise<LedgerChunk> {
    const key = this.#key(from);
    const bytes = await this.#decompressed(key, from);
    let found: ReturnType<EventExtractor["fromBatch"]>;
    try {
      found = extractor.fromBatch(bytes);
    } catch (error) {
      throw this.#corrupt(key, messageOf(error));
    }
    if (found.startSequence > from || found.endSequence < to) {
      throw found.endSequence < to && found.startSequence <= from
        ? new FatalError(`${this.label} does not serve ledgers ${found.endSequence + 1}..${to}: ${key} ends at ledger ${found.endSequence}`)
        : this.#corrupt(key, `it holds ledgers ${found.startSequence}..${found.endSequence}, not ${from}..${to}`);
    }
    return { from, to, events: found.events.filter((e) => e.ledger >= from && e.ledger <= to) };
  }

  async #batch(seq: number) {
    const key = this.#key(seq);
    if (this.#cached?.key !== key) {
      const metas = decodeBatch(await this.#decompressed(key, seq), (why) => this.#corrupt(key, why));
      this.#cached = { key, metas };
    }
    return this.#cached.metas;
  }

  async #decompressed(key: string, seq: number): Promise<Uint8Array> {
    const compressed = await this.#object(key);
    if (!compressed) throw new FatalError(`${this.label} does not serve ledger ${seq}: ${key} is missing`);
    try {
      return await zstdDecompress(compressed);
    } catch (error) {
      throw this.#corrupt(key, `not valid zstd data (${messageOf(error)})`);
    }
  }

  /** The object holding `seq`, from the folder the lake was named by (so that messages show where it is). */
  #key(seq: number): string {
    return this.#prefix + objectKey(seq, this.layout);
  }

  async #object(key: string): Promise<Uint8Array | null> {
    try {
      return await this.#store.read(key);
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      throw new FatalError(`${this.label} failed to give ${key}: ${messageOf(error)}`);
    }
  }

  #corrupt(key: string, why: string): FatalError {
    return new FatalError(`${this.label} holds a corrupt file ${key}: ${why}`);
  }
}

function decodeBatch(bytes: Uint8Array, corrupt: (why: string) => Error) {
  try {
    return decode(xdr.LedgerCloseMetaBatch.schema, bytes, "LedgerCloseMetaBatch");
  } catch (error) {
    throw error instanceof CorruptLedgerError ? corrupt(error.message) : error;
  }
}
