// An RPC that serves getLedgers over the range (stellar-rpc 23+ configured with a datastore serves
// all history). Chunks of 200 ledgers are read several at once, each in pages asked by startLedger
// through the project's RpcClient and its retries. What real providers do is expected:
// - a cap on `limit` below 200, refused (stellar-rpc's max-ledgers-limit: "limit must not exceed N")
//   or answered with fewer ledgers: the cap is learnt and later pages ask for that many;
// - a retention window that slides while the range is read: a start below the RPC's oldest ledger
//   (-32600 "start ledger must be between the oldest ledger: X and the latest ledger: Y ...") means
//   the ledgers below X are gone: they are reported as a gap and reading goes on from X;
// - nodes behind a load balancer, a few ledgers apart: a start above the answering node's latest
//   ledger is waited for, and if it stays out of reach the range ends at the last ledger read.

import { setTimeout as delay } from "node:timers/promises";
import { FatalError, InterruptedError, messageOf } from "../internal/errors.ts";
import { redactUrl } from "../internal/redact.ts";
import { RpcClient, RpcError } from "../rpc/client.ts";
import type { EventExtractor } from "./extract.ts";
import { interrupted, readAhead, type LedgerChunk, type LedgerGap, type LedgerSource } from "./source.ts";

/** stellar-rpc's largest getLedgers page. */
export const MAX_LEDGERS_PER_PAGE = 200;

interface LedgerInfo {
  sequence: number;
  ledgerCloseTime: string;
  metadataXdr: string;
}

interface GetLedgersResult {
  ledgers?: LedgerInfo[];
  latestLedger?: number;
}

interface GetLedgersPage {
  ledgers: LedgerInfo[];
  latestLedger: number | undefined;
}

/** The cap a provider states when it refuses a page size ("limit must not exceed N"). */
function refusedLimit(error: unknown): number | undefined {
  if (!(error instanceof RpcError) || error.transient) return undefined;
  const m = /limit must not exceed (\d+)/.exec(error.message);
  const n = m ? Number(m[1]) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/** The range stellar-rpc says it serves when it refuses a start (or cursor) outside it. */
function servedBy(error: unknown): { oldest: number; latest: number } | undefined {
  if (!(error instanceof RpcError) || error.transient || (error.rpcCode !== -32600 && error.rpcCode !== -32602)) return undefined;
  const m = /oldest ledger: (\d+) and the latest ledger: (\d+)/.exec(error.message);
  return m ? { oldest: Number(m[1]), latest: Number(m[2]) } : undefined;
}

/** How long a start above the answering node's latest ledger is waited for before the range ends there. */
const LAG_WAIT_MS = 30_000;

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
  /** Ledgers asked per page: 200 until the provider shows a lower cap. */
  #limit = MAX_LEDGERS_PER_PAGE;

  private constructor(label: string, rpc: RpcClient, passphrase: string, options: LedgersRpcOptions) {
    this.label = label;
    this.rpc = rpc;
    this.networkPassphrase = passphrase;
    this.#concurrency = options.concurrency ?? 4;
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
    return new LedgersRpcSource(label, rpc, passphrase, options);
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
        yield () => self.#chunk(start, end, extractor, signal);
      }
    }
    return readAhead(tasks(), this.#concurrency, signal);
  }

  async close(): Promise<void> {}

  /**
   * Ledgers from..to, in pages of at most the provider's cap. Ledgers that slid out of the RPC's window
   * meanwhile become a gap, and reading goes on from its oldest; a node behind `next` is waited for, and
   * when it stays behind the chunk ends where it is (endedAt).
   */
  async #chunk(from: number, to: number, extractor: EventExtractor, signal?: AbortSignal): Promise<LedgerChunk> {
    const events: LedgerChunk["events"] = [];
    const gaps: LedgerGap[] = [];
    let next = from;
    let waited = 0;
    while (next <= to) {
      const limit = Math.min(this.#limit, to - next + 1);
      let page: GetLedgersPage;
      try {
        page = await this.#page(next, limit);
      } catch (error) {
        const refusal = refusedLimit(error);
        if (refusal !== undefined && refusal < limit) {
          this.#limit = Math.min(this.#limit, refusal);
          continue;
        }
        const range = servedBy(error);
        if (range && next < range.oldest) {
          const end = Math.min(to, range.oldest - 1);
          gaps.push({ from: next, to: end, reason: `${this.label} no longer serves them (its oldest ledger became ${range.oldest} while the range was read)` });
          next = end + 1;
          continue;
        }
        if (!range || next <= range.latest) throw this.#failed(error, next);
        page = { ledgers: [], latestLedger: range.latest };
      }
      const got = page.ledgers;
      if (got.length === 0) {
        // The node that answered has not reached `next` yet (nodes behind a load balancer lag): wait for it.
        if (waited >= LAG_WAIT_MS) return { from, to: next - 1, events, gaps, endedAt: next - 1 };
        const ms = Math.min(1_000, LAG_WAIT_MS - waited);
        waited += ms;
        await delay(ms, undefined, { signal }).catch(() => {
          throw interrupted(signal!);
        });
        continue;
      }
      waited = 0;
      if (got.some((l, i) => l.sequence !== next + i)) {
        throw new FatalError(`${this.label} does not serve ledgers ${next}..${to}: getLedgers returned ${got[0]!.sequence}..${got.at(-1)!.sequence}`);
      }
      const taken = got.slice(0, to - next + 1);
      // Fewer than asked while the node has more: the provider caps its pages; ask for that many from now on.
      if (taken.length < limit && (page.latestLedger ?? 0) > taken.at(-1)!.sequence) this.#limit = Math.min(this.#limit, taken.length);
      for (const l of taken) {
        try {
          events.push(...extractor.fromLedgerCloseMeta(Buffer.from(l.metadataXdr, "base64")));
        } catch (error) {
          throw new FatalError(`${this.label} returned a corrupt ledger ${l.sequence}: ${messageOf(error)}`);
        }
      }
      next += taken.length;
    }
    return { from, to, events, gaps };
  }

  async #page(startLedger: number, limit: number): Promise<GetLedgersPage> {
    const r = await this.rpc.request<GetLedgersResult>("getLedgers", { startLedger, pagination: { limit } });
    return { ledgers: Array.isArray(r.ledgers) ? r.ledgers : [], latestLedger: typeof r.latestLedger === "number" ? r.latestLedger : undefined };
  }

  #failed(error: unknown, from?: number): Error {
    if (error instanceof InterruptedError || error instanceof FatalError) return error;
    if (error instanceof RpcError && error.rpcCode === -32600 && from !== undefined) {
      return new FatalError(`${this.label} does not serve ledger ${from}: ${error.message}`);
    }
    return new FatalError(`${this.label} failed: ${messageOf(error)}`);
  }
}
