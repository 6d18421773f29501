// What the RPC says of the network itself, apart from any contract: its passphrase, health and retention window,
// the latest ledger and a retained ledger's hash (the fingerprint that tells a chain from a reset one).
import { RpcError, type RpcClient } from "./client.ts";

export interface RpcHealth {
  latestLedger: number;
  oldestLedger: number;
  ledgerRetentionWindow: number;
}

export class NetworkReader {
  readonly #rpc: RpcClient;
  /** Whether the RPC serves getLedgers (some providers do not): undefined until asked. */
  servesLedgers: boolean | undefined;

  constructor(rpc: RpcClient) {
    this.#rpc = rpc;
  }

  async getNetworkPassphrase(): Promise<string> {
    const res = await this.#rpc.request<{ passphrase?: unknown } | null>("getNetwork");
    if (typeof res?.passphrase !== "string") throw malformed("getNetwork", "passphrase");
    return res.passphrase;
  }

  async getHealth(): Promise<RpcHealth> {
    const res = await this.#rpc.request<Record<string, unknown> | null>("getHealth");
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
    const res = await this.#rpc.request<{ id?: unknown; sequence?: unknown } | null>("getLatestLedger");
    if (typeof res?.sequence !== "number") throw malformed("getLatestLedger", "sequence");
    if (typeof res.id !== "string") throw malformed("getLatestLedger", "id");
    return { sequence: res.sequence, hash: res.id };
  }

  /**
   * The hash of a retained ledger, or null when the RPC does not serve it (outside its window, or no getLedgers
   * method): the fingerprint that tells a chain from a reset one with the same passphrase.
   */
  async getLedgerHash(sequence: number): Promise<string | null> {
    let res: { ledgers?: Array<{ hash?: unknown; sequence?: unknown }> } | null;
    try {
      res = await this.#rpc.request("getLedgers", { startLedger: sequence, pagination: { limit: 1 } });
      this.servesLedgers = true;
    } catch (error) {
      if (error instanceof RpcError && !error.transient) {
        if (error.rpcCode === -32601) this.servesLedgers = false;
        return null;
      }
      throw error;
    }
    const ledger = res?.ledgers?.[0];
    return ledger?.sequence === sequence && typeof ledger.hash === "string" ? ledger.hash : null;
  }
}

/** An answer without a field the method promises: permanent, asking again gets the same. */
export function malformed(method: string, field: string): RpcError {
  return new RpcError(`${method}: result lacks ${field}`, { transient: false });
}
