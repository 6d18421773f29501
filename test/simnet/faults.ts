// Seeded fault injection: per HTTP request, with probability `rate`, one of `kinds` happens
// instead of (or, for "truncated"/"slow", to) the normal answer. Same seed, same sequence.

import { Rng } from "./rng.ts";
import type { FactoryKey } from "./storage.ts";

export type FaultKind =
  | "http429" // HTTP 429 with Retry-After: 1
  | "http503"
  | "http504"
  | "rpc32001" // HTTP 200, JSON-RPC error -32001
  | "rpc32003" // HTTP 200, JSON-RPC error -32003
  | "rpc32602" // HTTP 200, JSON-RPC error -32602 invalid params: a refusal, not worth retrying
  | "truncated" // HTTP 200, JSON body cut in the middle (Content-Length matches the cut body)
  | "reset" // the TCP connection is destroyed without an answer
  | "hang" // never answered; ended only by the client giving up or close()
  | "slow"; // answered normally after an extra `slowMs` (default 2000)

export interface FaultOptions {
  /** Probability (0..1) that a request is faulted. */
  rate: number;
  /** Kinds to choose from uniformly; default every kind except "hang". */
  kinds?: FaultKind[];
  seed?: number;
  /** Only requests calling one of these JSON-RPC methods are faulted (default: all). */
  methods?: string[];
  /**
   * Only requests reading one of these entries are faulted: getLedgerEntries asking for the key, or
   * a simulation whose footprint holds it (e.g. one creator's CreatorTokens, read either way).
   */
  entries?: { creatorTokens?: string[]; tokenInfo?: string[] };
  slowMs?: number;
}

export const ALL_FAULT_KINDS: readonly FaultKind[] = ["http429", "http503", "http504", "rpc32001", "rpc32003", "rpc32602", "truncated", "reset", "hang", "slow"];
/** Transient kinds a client should retry, except "hang". */
export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = ALL_FAULT_KINDS.filter((k) => k !== "hang" && k !== "rpc32602");

export class FaultInjector {
  private readonly rng: Rng;
  private readonly kinds: readonly FaultKind[];
  private readonly methods: Set<string> | undefined;
  private readonly entries: Set<string> | undefined;

  constructor(readonly options: FaultOptions) {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new RangeError(`fault rate ${options.rate} not in 0..1`);
    for (const k of options.kinds ?? []) if (!ALL_FAULT_KINDS.includes(k)) throw new RangeError(`unknown fault kind ${k}`);
    this.rng = new Rng(options.seed ?? 7);
    this.kinds = options.kinds && options.kinds.length > 0 ? options.kinds : DEFAULT_FAULT_KINDS;
    this.methods = options.methods ? new Set(options.methods) : undefined;
    const e = options.entries;
    this.entries = e
      ? new Set([...(e.creatorTokens ?? []).map((a) => `CreatorTokens:${a}`), ...(e.tokenInfo ?? []).map((a) => `TokenInfo:${a}`)])
      : undefined;
  }

  get slowMs(): number {
    return this.options.slowMs ?? 2000;
  }

  /** Decides the fate of one request calling `methods`; `reads` lists the entries it reads (asked only when needed). */
  pick(methods: readonly string[], reads: () => FactoryKey[] = () => []): FaultKind | undefined {
    // Draw both numbers every time so the sequence does not depend on the outcomes.
    const roll = this.rng.float();
    const kind = this.rng.pick(this.kinds);
    if (this.methods && !methods.some((m) => this.methods?.has(m))) return undefined;
    if (roll >= this.options.rate) return undefined;
    if (this.entries && !reads().some((k) => "address" in k && this.entries?.has(`${k.kind}:${k.address}`))) return undefined;
    return kind;
  }
}
