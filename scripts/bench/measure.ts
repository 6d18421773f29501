// What the benchmark measures around one run: wall time, CPU time, event-loop utilisation, peak RSS
// (sampled, plus the kernel's high-water mark), and database time seen from the PostgreSQL driver.
import { performance } from "node:perf_hooks"; // node's, not the DOM's that a dependency's types bring in
import v8 from "node:v8";
import vm from "node:vm";
import pg from "pg";
import { TokenStore } from "../../src/store/token-store.ts";

const MB = 1024 * 1024;

/** Forces a full garbage collection (without --expose-gc on the command line), so RSS baselines are comparable. */
export function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as (() => void) | undefined;
  gc?.();
  gc?.();
}

export function rssMb(): number {
  return process.memoryUsage.rss() / MB;
}

/** The kernel's peak resident set of this process so far (maxRSS is in KiB). */
export function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

// ---------- database time ----------

/**
 * Database time, measured from the `pg` driver: every query any pg.Client sends (Prisma's adapter-pg and the
 * store's raw sessions both go through pg.Client.prototype.query). `busyMs` is the time at least one query was in
 * flight (intervals merged, so overlapping queries count once); it includes the driver's queueing on a busy client.
 * The patch lives in the benchmark process only; src is untouched.
 */
class PgTimer {
  queries = 0;
  busyMs = 0;
  #inFlight = 0;
  #busySince = 0;

  install(): void {
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown; __benchPatched?: boolean };
    if (proto.__benchPatched) return;
    proto.__benchPatched = true;
    const original = proto.query;
    const timer = this;
    proto.query = function patchedQuery(this: unknown, ...args: unknown[]): unknown {
      const done = timer.#begin();
      const cb = args.findIndex((a) => typeof a === "function");
      if (cb >= 0) {
        const callback = args[cb] as (...r: unknown[]) => void;
        args[cb] = (...r: unknown[]) => {
          done();
          callback(...r);
        };
        return original.apply(this, args);
      }
      const result = original.apply(this, args);
      if (result && typeof (result as Promise<unknown>).then === "function") {
        (result as Promise<unknown>).then(done, done);
      } else {
        done(); // a submittable (cursor) query: not timed
      }
      return result;
    };
  }

  #begin(): () => void {
    this.queries++;
    if (this.#inFlight++ === 0) this.#busySince = performance.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.#inFlight === 0) this.busyMs += performance.now() - this.#busySince;
    };
  }

  snapshot(): { queries: number; busyMs: number } {
    const open = this.#inFlight > 0 ? performance.now() - this.#busySince : 0;
    return { queries: this.queries, busyMs: this.busyMs + open };
  }
}

export const pgTimer = new PgTimer();

/**
 * Time inside TokenStore.writeBatch (one transaction per batch of up to 1,000 tokens, plus the final
 * creators/cursor transaction). Patched on the prototype in this process only, for measurement.
 */
class WriteBatchTimer {
  calls = 0;
  totalMs = 0;
  rows = 0;

  install(): void {
    const proto = TokenStore.prototype as unknown as { writeBatch: TokenStore["writeBatch"]; __benchPatched?: boolean };
    if (proto.__benchPatched) return;
    proto.__benchPatched = true;
    const original = proto.writeBatch;
    const timer = this;
    proto.writeBatch = async function patchedWriteBatch(this: TokenStore, batch) {
      const start = performance.now();
      try {
        return await original.call(this, batch);
      } finally {
        timer.calls++;
        timer.rows += batch.tokens.length;
        timer.totalMs += performance.now() - start;
      }
    };
  }

  snapshot(): { calls: number; totalMs: number; rows: number } {
    return { calls: this.calls, totalMs: this.totalMs, rows: this.rows };
  }
}

export const writeBatchTimer = new WriteBatchTimer();

// ---------- one measured run ----------

export interface Measurement {
  wallMs: number;
  /** User + system CPU of the whole process (the simulator included) during the run. */
  cpuMs: number;
  /** Share of the wall time the event loop was busy (1 = CPU-bound on the main thread). */
  eventLoopUtilization: number;
  db: {
    /** Time at least one SQL statement was in flight (pg driver). */
    busyMs: number;
    queries: number;
    /** Time inside TokenStore.writeBatch, summed over calls. */
    writeBatchMs: number;
    writeBatchCalls: number;
  };
  rss: {
    /** Before the run, after the scenario was built and a full GC. */
    baselineMb: number;
    /** Highest RSS sampled every 20 ms during the run. */
    peakMb: number;
    deltaMb: number;
    /** The kernel's high-water mark of the process after the run (covers everything before too). */
    processMaxMb: number;
    /** Highest V8 heap used sampled during the run. */
    peakHeapUsedMb: number;
    /** Highest memory outside the V8 heap (Buffers, ArrayBuffers, WebAssembly memories) sampled during the run. */
    peakExternalMb: number;
    /** Highest V8 heap committed (used or not) sampled during the run. */
    peakHeapTotalMb: number;
    /** [ms since the start, RSS MB, V8 heap used MB], every 100 ms. */
    series: [number, number, number][];
  };
}

export async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; m: Measurement }> {
  collectGarbage();
  const baselineMb = rssMb();
  let peakMb = baselineMb;
  let peakHeap = 0;
  let peakExternal = 0;
  let peakHeapTotal = 0;
  const series: [number, number, number][] = [];
  let nextPoint = 0;
  let t0 = performance.now();
  const sample = (): void => {
    const mem = process.memoryUsage();
    const t = performance.now() - t0;
    if (t >= nextPoint) {
      series.push([Math.round(t), Math.round(mem.rss / MB), Math.round(mem.heapUsed / MB)]);
      nextPoint += 100;
    }
    peakMb = Math.max(peakMb, mem.rss / MB);
    peakHeap = Math.max(peakHeap, mem.heapUsed / MB);
    peakExternal = Math.max(peakExternal, mem.external / MB);
    peakHeapTotal = Math.max(peakHeapTotal, mem.heapTotal / MB);
  };
  sample();
  const sampler = setInterval(sample, 20);
  const pg0 = pgTimer.snapshot();
  const wb0 = writeBatchTimer.snapshot();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  t0 = performance.now();
  let result: T;
  try {
    result = await fn();
  } finally {
    clearInterval(sampler);
  }
  const wallMs = performance.now() - t0;
  sample();
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  const pg1 = pgTimer.snapshot();
  const wb1 = writeBatchTimer.snapshot();
  return {
    result,
    m: {
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      eventLoopUtilization: elu.utilization,
      db: {
        busyMs: pg1.busyMs - pg0.busyMs,
        queries: pg1.queries - pg0.queries,
        writeBatchMs: wb1.totalMs - wb0.totalMs,
        writeBatchCalls: wb1.calls - wb0.calls,
      },
      rss: {
        baselineMb,
        peakMb,
        deltaMb: peakMb - baselineMb,
        processMaxMb: maxRssMb(),
        peakHeapUsedMb: peakHeap,
        peakExternalMb: peakExternal,
        peakHeapTotalMb: peakHeapTotal,
        series,
      },
    },
  };
}

// ---------- tracing (profile.ts) ----------

export interface TraceEvent {
  kind: "rpc" | "db";
  label: string;
  startMs: number;
  endMs: number;
}

/**
 * Records every RPC request (RpcClient.request, retries included) and every TokenStore call with its start and
 * end, relative to `start()`: the run's critical path. Patched on the prototypes, in the benchmark only.
 */
class Tracer {
  events: TraceEvent[] = [];
  #t0 = 0;
  #on = false;

  async install(): Promise<void> {
    const { RpcClient } = await import("../../src/rpc/client.ts");
    this.#wrap(RpcClient.prototype as unknown as Record<string, unknown>, "request", "rpc", (args) => String(args[0]));
    const store = TokenStore.prototype as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(TokenStore.prototype)) {
      if (name === "constructor" || typeof store[name] !== "function") continue;
      this.#wrap(store, name, "db", (args) =>
        name === "writeBatch" ? `writeBatch(${(args[0] as { tokens: unknown[] }).tokens.length} tokens)` : name,
      );
    }
  }

  start(): void {
    this.events = [];
    this.#t0 = performance.now();
    this.#on = true;
  }

  stop(): TraceEvent[] {
    this.#on = false;
    return this.events;
  }

  #wrap(target: Record<string, unknown>, name: string, kind: TraceEvent["kind"], label: (args: unknown[]) => string): void {
    const original = target[name] as (...args: unknown[]) => Promise<unknown>;
    const tracer = this;
    // Only calls that return a promise are timed: a synchronous method keeps its synchronous result.
    target[name] = function traced(this: unknown, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      if (!tracer.#on || !(result instanceof Promise)) return result;
      const startMs = performance.now() - tracer.#t0;
      const end = () => tracer.events.push({ kind, label: label(args), startMs, endMs: performance.now() - tracer.#t0 });
      return result.finally(end);
    };
  }
}

export const tracer = new Tracer();

/** Groups consecutive events of the same label into phases: "getLedgerEntries x52  410..1630 ms (max 8 in flight)". */
export function timeline(events: TraceEvent[]): string[] {
  const sorted = [...events].sort((a, b) => a.startMs - b.startMs);
  const out: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as TraceEvent;
    let j = i;
    let end = first.endMs;
    while (j + 1 < sorted.length && (sorted[j + 1] as TraceEvent).label === first.label) {
      j++;
      end = Math.max(end, (sorted[j] as TraceEvent).endMs);
    }
    const group = sorted.slice(i, j + 1);
    let maxInFlight = 0;
    for (const e of group) maxInFlight = Math.max(maxInFlight, group.filter((o) => o.startMs <= e.startMs && o.endMs > e.startMs).length);
    const spent = group.reduce((a, e) => a + (e.endMs - e.startMs), 0);
    out.push(
      `${first.startMs.toFixed(0).padStart(6)} ..${end.toFixed(0).padStart(6)} ms  ${first.kind.padEnd(3)} ${first.label}` +
        (group.length > 1 ? ` x${group.length} (max ${maxInFlight} in flight, mean ${(spent / group.length).toFixed(0)} ms)` : ` (${(first.endMs - first.startMs).toFixed(0)} ms)`),
    );
    i = j + 1;
  }
  return out;
}
