// Runs syncs in a separate Node process, as `sync-tokens` runs in production: the simulator stays in the
// benchmark's process (on the other core, like a remote RPC server) and this child holds the sync alone, so its
// peak RSS (the kernel's high-water mark of the child) and CPU profile are the sync's own.
//
// Parent side: `const child = await SyncChild.start()`, then `await child.run(options)` as often as needed
// (the simulator may be changed between runs), then `await child.exit()`.
import { fork, type ChildProcess } from "node:child_process";
import type { SyncOptions } from "../../src/config/config.ts";
import type { SyncReport } from "../../src/sync/sync.ts";
import type { Measurement, TraceEvent } from "./measure.ts";

export interface ReportSummary {
  discovered: SyncReport["discovered"];
  cursor: SyncReport["cursor"];
  contractTokenCount: number;
  synced: number;
  unchanged: number;
  missing: number;
  failed: number;
  durationMs: number;
  warnings: string[];
  rpcRequests: Record<string, number>;
}

export function summarize(report: SyncReport): ReportSummary {
  return {
    discovered: report.discovered,
    cursor: report.cursor,
    contractTokenCount: report.contractTokenCount,
    synced: report.synced,
    unchanged: report.unchanged,
    missing: report.missingIds.length,
    failed: report.failed.length,
    durationMs: report.durationMs,
    warnings: report.warnings,
    rpcRequests: report.rpcRequests,
  };
}

type ToChild = { type: "run"; options: SyncOptions; trace?: boolean } | { type: "exit" };
type FromChild =
  | { type: "ready"; startupMs: number; rssMb: number }
  | { type: "result"; measurement: Measurement; report: ReportSummary; trace?: TraceEvent[] }
  | { type: "error"; message: string }
  | { type: "bye"; maxRssMb: number };

const CHILD_FLAG = "--bench-sync-child";

export class SyncChild {
  readonly #proc: ChildProcess;
  readonly #queue: FromChild[] = [];
  #waiting: ((m: FromChild) => void) | undefined;
  #exited: Error | undefined;
  /** From process start to ready: Node, tsx and the sync's modules loading. */
  startupMs = 0;
  /** RSS once the modules are loaded, before any run. */
  idleRssMb = 0;

  private constructor(proc: ChildProcess) {
    this.#proc = proc;
    proc.on("message", (m) => this.#deliver(m as FromChild));
    proc.on("exit", (code, signal) => {
      this.#exited = new Error(`sync child exited (${signal ?? code})`);
      this.#waiting?.({ type: "error", message: this.#exited.message });
    });
  }

  /** `nodeOptions`: extra Node flags for the child (e.g. --max-old-space-size=128). */
  static async start(options: { cpuProfDir?: string; nodeOptions?: string[] } = {}): Promise<SyncChild> {
    const execArgv = ["--import", "tsx", ...(options.nodeOptions ?? [])];
    if (options.cpuProfDir) execArgv.push("--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`);
    const proc = fork(import.meta.filename, [CHILD_FLAG], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const child = new SyncChild(proc);
    const ready = await child.#next();
    if (ready.type !== "ready") throw new Error(`sync child: ${ready.type === "error" ? ready.message : "unexpected message"}`);
    child.startupMs = ready.startupMs;
    child.idleRssMb = ready.rssMb;
    return child;
  }

  /** One sync; with `trace`, also every RPC request and store call with its timing. */
  async run(options: SyncOptions, trace = false): Promise<{ measurement: Measurement; report: ReportSummary; trace?: TraceEvent[] }> {
    this.#send({ type: "run", options, trace });
    const m = await this.#next();
    if (m.type === "result") return m;
    throw new Error(`sync child: ${m.type === "error" ? m.message : "unexpected message"}`);
  }

  /** Ends the child; returns its peak RSS over its whole life (the kernel's high-water mark). */
  async exit(): Promise<number> {
    this.#send({ type: "exit" });
    const m = await this.#next();
    await new Promise<void>((resolve) => (this.#proc.exitCode !== null ? resolve() : this.#proc.once("exit", () => resolve())));
    if (m.type === "bye") return m.maxRssMb;
    throw new Error(`sync child: ${m.type === "error" ? m.message : "unexpected message"}`);
  }

  kill(): void {
    if (this.#proc.exitCode === null) this.#proc.kill();
  }

  #send(m: ToChild): void {
    if (this.#exited) throw this.#exited;
    this.#proc.send(m);
  }

  #deliver(m: FromChild): void {
    const w = this.#waiting;
    if (w) {
      this.#waiting = undefined;
      w(m);
    } else {
      this.#queue.push(m);
    }
  }

  #next(): Promise<FromChild> {
    const m = this.#queue.shift();
    if (m) return Promise.resolve(m);
    if (this.#exited) return Promise.resolve({ type: "error", message: this.#exited.message });
    return new Promise((resolve) => (this.#waiting = resolve));
  }
}

// ---------- child side ----------

if (process.argv.includes(CHILD_FLAG) && process.send) {
  const send = (m: FromChild): void => void process.send?.(m);
  const [{ syncTokens }, measure] = await Promise.all([import("../../src/api.ts"), import("./measure.ts")]);
  measure.pgTimer.install();
  measure.writeBatchTimer.install();
  let traced = false;
  process.on("message", async (raw) => {
    const msg = raw as ToChild;
    if (msg.type === "exit") {
      // Exit once the message is out (fetch's kept-alive sockets would otherwise hold the process a few seconds).
      process.send?.({ type: "bye", maxRssMb: measure.maxRssMb() } satisfies FromChild, () => process.exit(0));
      return;
    }
    try {
      if (msg.trace && !traced) {
        await measure.tracer.install();
        traced = true;
      }
      const { result, m } = await measure.measure(() => {
        if (msg.trace) measure.tracer.start(); // after measure's own GC, at the same instant as the wall clock
        return syncTokens({ ...msg.options, env: {} });
      });
      const trace = msg.trace ? measure.tracer.stop() : undefined;
      send({ type: "result", measurement: m, report: summarize(result), ...(trace ? { trace } : {}) });
    } catch (error) {
      send({ type: "error", message: error instanceof Error ? error.message : String(error) });
    }
  });
  send({ type: "ready", startupMs: performance.now(), rssMb: measure.rssMb() });
}
