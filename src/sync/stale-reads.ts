// Token state reads that notice a node behind a token's latest event. Load-balanced nodes lag each other: one behind
// the event answers with an older state (or none, before the launch), so such reads are asked again.
import { setTimeout as sleep } from "node:timers/promises";
import type { FactoryReader } from "../contract/factory.ts";
import type { TokenInfo } from "../contract/types.ts";
import { InterruptedError, throwIfAborted } from "../internal/errors.ts";
import { RpcUnavailableError } from "../rpc/client.ts";

/** Reads of tokens answered by a node behind their latest event are asked again this often, after a pause each. */
const STALE_READ_RETRIES = 4;
const STALE_READ_PAUSE_MS = 250;

/** A token's state came from a node that had not yet seen its latest event: the next pass reads it again. */
export class StaleReadError extends Error {
  override name = "StaleReadError";
}

export class StaleAwareReader {
  /** Token -> ledger of its latest event read: its state must come from a node at least there. */
  readonly eventLedgers = new Map<string, number>();
  /** Token -> latest ledger of the node its state was read from. */
  readonly #readAt = new Map<string, number>();
  readonly #reader: FactoryReader;
  readonly #signal: AbortSignal | undefined;

  constructor(reader: FactoryReader, signal: AbortSignal | undefined) {
    this.#reader = reader;
    this.#signal = signal;
  }

  /**
   * The tokens' states, or why each could not be read. Only an interruption or an RPC found to be down throws: those
   * tokens did not fail, they were not read.
   */
  async readBatch(tokens: string[]): Promise<Map<string, TokenInfo | Error>> {
    try {
      const results = await this.#reader.readTokenInfos(tokens, this.#readAt);
      // Ask again; the balancer soon sends the request to a node that has caught up.
      for (let attempt = 1; ; attempt++) {
        const stale = tokens.filter((t) => this.#isStale(t));
        if (stale.length === 0) return results;
        if (attempt > STALE_READ_RETRIES) {
          for (const t of stale) results.set(t, this.#staleError(t));
          return results;
        }
        await sleep(STALE_READ_PAUSE_MS * attempt, undefined, this.#signal ? { signal: this.#signal } : {}).catch(() => throwIfAborted(this.#signal));
        for (const [t, v] of await this.#reader.readTokenInfos(stale, this.#readAt)) results.set(t, v);
      }
    } catch (error) {
      if (error instanceof InterruptedError || error instanceof RpcUnavailableError) throw error;
      // The RPC failed past its retries for this whole batch: these tokens fail, the run goes on.
      const e = error instanceof Error ? error : new Error(String(error));
      return new Map(tokens.map((t) => [t, e]));
    }
  }

  /**
   * Tokens read before a later range named them again, from a node behind that later event: they must be read
   * once more, so that no stored state is older than the events the cursor passes.
   */
  staleTokens(): string[] {
    return [...this.#readAt.keys()].filter((t) => this.#isStale(t));
  }

  /** True when the token's state was read from a node behind its latest event read. */
  #isStale(token: string): boolean {
    const event = this.eventLedgers.get(token);
    const at = this.#readAt.get(token);
    return event !== undefined && at !== undefined && at < event;
  }

  #staleError(token: string): StaleReadError {
    return new StaleReadError(
      `${token}: the RPC answered from ledger ${this.#readAt.get(token)}, before the token's event at ledger ${this.eventLedgers.get(token)} (load-balanced nodes lag each other)`,
    );
  }
}
