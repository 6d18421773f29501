// Summarizes a V8 .cpuprofile: self time by component, the heaviest functions by self time, and the sync's and
// simulator's functions by inclusive time.
//   npx tsx scripts/bench/profile-summary.ts FILE.cpuprofile
import fs from "node:fs";
import { int, table } from "./format.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function component(url: string, fn: string): string {
  if (fn === "(idle)") return "idle (waiting: RPC latency, database)";
  if (fn === "(garbage collector)") return "garbage collector";
  if (fn === "(program)") return "V8/native (program)";
  if (url.includes("/test/simnet/")) return "simulator (test/simnet)";
  if (url.includes("/src/generated/prisma") || url.includes("@prisma") || url.startsWith("wasm://")) return "Prisma (client, adapter, wasm)";
  if (/node_modules\/(\.pnpm\/)?(pg|pg-protocol|pg-types|pg-pool|postgres-)/.test(url) || url.includes("/node_modules/pg")) return "pg driver";
  if (url.includes("stellar-base") || url.includes("js-xdr") || url.includes("@stellar")) return "stellar-sdk (XDR, StrKey)";
  if (url.includes("/src/")) return "sync (src)";
  if (url.includes("/scripts/")) return "benchmark harness";
  if (url.includes("undici") || url.startsWith("node:internal/deps")) return "node fetch (undici)";
  if (url.includes("tsx") || url.includes("esbuild")) return "module loading (tsx)";
  if (url.startsWith("node:") || url === "") return "node internals (http, streams, JSON, crypto)";
  return "other dependencies";
}

export function summarizeProfile(file: string, top = 20): string {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const totalUs = p.endTime - p.startTime;
  const key = (n: ProfileNode): string => {
    const url = n.callFrame.url.replace(/^.*\/(node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?)/, "").replace(/^file:\/\/.*?\/(src|test|scripts)\//, "$1/");
    return `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
  };

  const byComponent = new Map<string, number>();
  const byComponentFn = new Map<string, Map<string, number>>();
  const bySelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id) as ProfileNode;
    const comp = component(n.callFrame.url, n.callFrame.functionName);
    byComponent.set(comp, (byComponent.get(comp) ?? 0) + us);
    const fns = byComponentFn.get(comp) ?? new Map<string, number>();
    fns.set(key(n), (fns.get(key(n)) ?? 0) + us);
    byComponentFn.set(comp, fns);
    bySelf.set(key(n), (bySelf.get(key(n)) ?? 0) + us);
    // Inclusive: every distinct function on the stack, for the sync's and simulator's own frames.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur) as ProfileNode;
      const url = f.callFrame.url;
      if (!url.includes("/src/") && !url.includes("/test/simnet/")) continue;
      if (url.includes("/src/generated/")) continue;
      const k = key(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const msOf = (us: number): string => `${int(us / 1000)} ms`;
  const pct = (us: number): string => `${((100 * us) / totalUs).toFixed(1)}%`;
  const rows = (m: Map<string, number>, n: number): string[][] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => [k, msOf(us), pct(us)]);
  return [
    `profiled ${msOf(totalUs)} of wall time`,
    "",
    "self time by component (and its heaviest functions):",
    table(
      ["component", "self", "share"],
      [...byComponent]
        .sort((a, b) => b[1] - a[1])
        .flatMap(([comp, us]) => [
          [comp, msOf(us), pct(us)],
          ...rows(byComponentFn.get(comp) ?? new Map(), comp.startsWith("idle") ? 0 : 4).map(([k, t, p]) => [`    ${k}`, t as string, p as string]),
        ]),
    ),
    "",
    `top ${top} functions by self time:`,
    table(["function", "self", "share"], rows(bySelf, top)),
    "",
    `top ${top} functions of src/ and test/simnet/ by inclusive time:`,
    table(["function", "inclusive", "share"], rows(inclusive, top)),
  ].join("\n");
}

if (import.meta.filename === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: tsx scripts/bench/profile-summary.ts FILE.cpuprofile");
    process.exit(2);
  }
  console.log(summarizeProfile(file, Number(process.argv[3] ?? 20)));
}
