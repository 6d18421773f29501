// An RPC that serves getLedgers over the range (stellar-rpc 23+ configured with a datastore serves
// all history). Pages of up to 200 ledgers are asked by startLedger, several at once, through the
// project's RpcClient and its retries; a start outside what the RPC serves is its -32600.

import { FatalError, InterruptedError, messageOf } from "../errors.ts";
import { redactUrl } from "../redact.ts";
import { RpcClient, RpcError } from "../rpc/client.ts";
import type { EventExtractor } from "./extract.ts";
import { readAhead, type LedgerChunk, type LedgerSource } from "./source.ts";

/** stellar-rpc's largest getLedgers page. */
export const MAX_LEDGERS_PER_PAGE = 200;

interface LedgerInfo {
  sequence: number;
  ledgerCloseTime: string;
  metadataXdr: string;
}

interface GetLedgersResult {
  ledgers?: LedgerInfo[];
  latestLedger: number;
}

export interface LedgersRpcOptions {
  /** Pages in flight (default 4). */
  concurrency?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onRetry?: (message: string) => void;
}

export class LedgersRpcSource implements LedgerSource {
  readonly label: string;
  readonly networkPassphrase: string;
  readonly rpc: RpcClient;
  readonly #concurrency: number;

  private constructor(label: string, rpc: RpcClient, passphrase: string, concurrency: number) {
    this.label = label;
    this.rpc = rpc;
    this.networkPassphrase = passphrase;
    this.#concurrency = concurrency;
  }

  /** Connects to an RPC (URL already validated) and asks its network. */
  static async open(url: string, options: LedgersRpcOptions = {}): Promise<LedgersRpcSource> {
    const label = `the RPC at ${redactUrl(url)}`;
    const rpc = new RpcClient({
      url,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onRetry: ({ method, attempt, error }) => options.onRetry?.(`${method} failed (${error.message}); retry ${attempt}`),
    });
    let passphrase: unknown;
    try {
      passphrase = (await rpc.request<{ passphrase?: unknown }>("getNetwork")).passphrase;
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      throw new FatalError(`${label} does not answer as a Stellar RPC: getNetwork failed: ${messageOf(error)}`);
    }
    if (typeof passphrase !== "string" || passphrase === "") throw new FatalError(`${label} returned no network passphrase`);
    return new LedgersRpcSource(label, rpc, passphrase, options.concurrency ?? 4);
  }

  async has(seq: number): Promise<boolean> {
    try {
      return (await this.#page(seq, 1)).ledgers.length === 1;
    } catch (error) {
      if (error instanceof RpcError && !error.transient && error.rpcCode === -32600) return false;
      throw this.#failed(error);
    }
  }

  async lastOf(seq: number): Promise<number> {
    return seq;
  }

  async closeTime(seq: number): Promise<number> {
    const page = await this.#page(seq, 1).catch((error: unknown) => {
      throw this.#failed(error);
    });
    const ledger = page.ledgers[0];
    if (ledger?.sequence !== seq) throw new FatalError(`${this.label} did not return ledger ${seq}`);
    return Number(ledger.ledgerCloseTime);
  }

  chunks(from: number, to: number, extractor: EventExtractor, signal?: AbortSignal): AsyncIterable<LedgerChunk> {
    const self = this;
    function* tasks() {
      for (let start = from; start <= to; start += MAX_LEDGERS_PER_PAGE) {
        const end = Math.min(to, start + MAX_LEDGERS_PER_PAGE - 1);
        yield () => self.#chunk(start, end, extractor);
      }
    }
    return readAhead(tasks(), this.#concurrency, signal);
  }

  async close(): Promise<void> {}

  async #chunk(from: number, to: number, extractor: EventExtractor): Promise<LedgerChunk> {
    let page: { ledgers: LedgerInfo[] };
    try {
      page = await this.#page(from, to - from + 1);
    } catch (error) {
      throw this.#failed(error, from);
    }
    const got = page.ledgers;
    if (got.length !== to - from + 1 || got.some((l, i) => l.sequence !== from + i)) {
      const seen = got.length > 0 ? `${got[0]!.sequence}..${got.at(-1)!.sequence}` : "none";
      throw new FatalError(`${this.label} does not serve ledgers ${from}..${to}: getLedgers returned ${seen}`);
    }
    const events = [];
    for (const l of got) {
      try {
        events.push(...extractor.fromLedgerCloseMeta(Buffer.from(l.metadataXdr, "base64")));
      } catch (error) {
        throw new FatalError(`${this.label} returned a corrupt ledger ${l.sequence}: ${messageOf(error)}`);
      }
    }
    return { from, to, events };
  }

  async #page(startLedger: number, limit: number): Promise<{ ledgers: LedgerInfo[] }> {
    const r = await this.rpc.request<GetLedgersResult>("getLedgers", { startLedger, pagination: { limit } });
    return { ledgers: Array.isArray(r.ledgers) ? r.ledgers : [] };
  }

  #failed(error: unknown, from?: number): Error {
    if (error instanceof InterruptedError || error instanceof FatalError) return error;
    if (error instanceof RpcError && error.rpcCode === -32600 && from !== undefined) {
      return new FatalError(`${this.label} does not serve ledger ${from}: ${error.message}`);
    }
    return new FatalError(`${this.label} failed: ${messageOf(error)}`);
  }
}
