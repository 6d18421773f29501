// What the RPC says of the network itself, apart from any contract: its passphrase, health and retention window,
// the latest ledger and a retained ledger's hash (the fingerprint that tells a chain from a reset one).
import { RpcError, type RpcClient } from "./client.ts";

export interface RpcHealth {
  latestLedger: number;
  oldestLedger: number;
  ledgerRetentionWindow: number;
}

export class NetworkReader {
  protected readonly rpc: RpcClient;
  /** Whether the RPC serves getLedgers (some providers do not): undefined until asked. */
  servesLedgers: boolean | undefined;

  constructor(rpc: RpcClient) {
    this.rpc = rpc;
  }

  async getNetworkPassphrase(): Promise<string> {
    const res = await this.rpc.request<{ passphrase?: unknown } | null>("getNetwork");
    if (typeof res?.passphrase !== "string") throw malformed("getNetwork", "passphrase");
    return res.passphrase;
  }

  async getHealth(): Promise<RpcHealth> {
    const res = await this.rpc.request<Record<string, unknown> | null>("getHealth");
    const num = (name: string): number => {
      const v = res?.[name];
      if (typeof v !== "number") throw malformed("getHealth", name);
      return v;
    };
    return {
      latestLedger: num("latestLedger"),
      oldestLedger: num("oldestLedger"),
      ledgerRetentionWindow: num("ledgerRetentionWindow"),
    };
  }

  /** The latest ledger's sequence and hash (the chain's fingerprint). */
  async getLatestLedger(): Promise<{ sequence: number; hash: string }> {
    const res = await this.rpc.request<{ id?: unknown; sequence?: unknown } | null>("getLatestLedger");
    if (typeof res?.sequence !== "number") throw malformed("getLatestLedger", "sequence");
    if (typeof res.id !== "string") throw malformed("getLatestLedger", "id");
    return { sequence: res.sequence, hash: res.id };
  }

  /**
   * The hash of a retained ledger, or null when the RPC does not serve it (outside its window, or no getLedgers
   * method): the fingerprint that tells a chain from a reset one with the same passphrase.
   */
  async getLedgerHash(sequence: number): Promise<string | null> {
    const page = await this.#ledgerPage(sequence);
    if (page instanceof RpcError) {
      if (page.rpcCode === -32601) this.servesLedgers = false;
      return null;
    }
    this.servesLedgers = true;
    const ledger = page.ledgers?.[0];
    return ledger?.sequence === sequence && typeof ledger.hash === "string" ? ledger.hash : null;
  }

  /**
   * How far a cursor at `cursor` is behind the chain, in the chain's own seconds: the close time of the latest
   * ledger minus that of the cursor's, both from one getLedgers answer (ledgers times an assumed interval are wrong
   * until the interval is learnt). Null when the RPC cannot tell (the ledger is out of its window or not closed
   * yet, or it has no getLedgers); transient failures are thrown, like any read's.
   */
  async ledgerLag(cursor: number): Promise<{ latestLedger: number; seconds: number } | null> {
    const page = await this.#ledgerPage(cursor);
    if (page instanceof RpcError) return null;
    const ledger = page.ledgers?.[0];
    const latestClose = Number(page.latestLedgerCloseTime);
    const cursorClose = Number(ledger?.ledgerCloseTime);
    if (typeof page.latestLedger !== "number" || ledger?.sequence !== cursor || !Number.isFinite(latestClose) || !Number.isFinite(cursorClose)) return null;
    return { latestLedger: page.latestLedger, seconds: Math.max(0, latestClose - cursorClose) };
  }

  /** getLedgers' page of one ledger, or the RPC's permanent refusal of it (transient failures are thrown). */
  async #ledgerPage(sequence: number): Promise<LedgerPage | RpcError> {
    try {
      return (await this.rpc.request<LedgerPage | null>("getLedgers", { startLedger: sequence, pagination: { limit: 1 } })) ?? {};
    } catch (error) {
      if (error instanceof RpcError && !error.transient) return error;
      throw error;
    }
  }
}

interface LedgerPage {
  latestLedger?: unknown;
  latestLedgerCloseTime?: unknown;
  ledgers?: Array<{ sequence?: unknown; hash?: unknown; ledgerCloseTime?: unknown }>;
}

/** An answer without a field the method promises: permanent, asking again gets the same. */
function malformed(method: string, field: string): RpcError {
  return new RpcError(`${method}: result lacks ${field}`, { transient: false });
}
