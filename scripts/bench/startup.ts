// The bin's start-up (--help, spawn to exit) and idle RSS, against an earlier commit's bin.
//
// Both are measured in the same run on the same machine: `sync-tokens --help` from spawn to exit and the idle RSS of
// a process that holds what a sync loads; the earlier bin is the one that loaded src/ through tsx. The scale benchmark times both bins' no-change runs on its scenario as well.
// Own flags: --baseline-commit 1b46cc1 (the bin to compare with; "" for this build's figures alone); --repeat (at least 5).
//
// The earlier commit is extracted with `git archive` into a temporary folder (the repository is not touched), shares
// this checkout's node_modules (Prisma's client and adapters stay development dependencies for it), and gets its own
// generated Prisma client, as that commit loaded it.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildDist } from "../build.ts";
import { runCli, type CliRun } from "./cli-run.ts";
import { ownText, type BenchFlags } from "./flags.ts";
import { mb, ms, table } from "./format.ts";
import { report, type Target } from "./session.ts";

export const options = { "baseline-commit": "1b46cc1" };

const TARGETS = {
  /** `--help` spawn to exit, at most this share of the baseline bin's. */
  helpRatio: 1 / 3,
  /** Idle RSS at least this much below the baseline bin's. */
  idleRssSavedMb: 50,
};

const root = path.resolve(import.meta.dirname, "../..");

export interface BinVariant {
  label: string;
  /** The bin to run with `node`. */
  bin: string;
  /** What a sync's process holds before any work: Node flags (resolved from `cwd`), then modules imported in order. */
  idle: { cwd: string; execArgv: string[]; modules: string[] };
  remove(): void;
}

/** This checkout's bin, which runs dist/ (built before the benchmark starts). */
export function currentBin(): BinVariant {
  return {
    label: "this build",
    bin: path.join(root, "scripts/sync-tokens.mjs"),
    // The bin loads dist/cli.js, which loads the sync's chunks when a sync starts: the API entry holds the same.
    idle: { cwd: root, execArgv: [], modules: [path.join(root, "dist/cli.js"), path.join(root, "dist/index.js")] },
    remove() {},
  };
}

/** The bin of `commit`, in a temporary folder, as it ran then: through tsx. */
export function binAtCommit(commit: string): BinVariant {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sync-tokens-${commit}-`));
  try {
    const tar = execFileSync("git", ["archive", "--format=tar", commit], { cwd: root, maxBuffer: 256 * 1024 * 1024 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    const gen = spawnSync(process.execPath, ["--import", "tsx", "scripts/generate-client.ts"], { cwd: dir, encoding: "utf8" });
    if (gen.status !== 0) throw new Error(`generating the Prisma client of ${commit} failed: ${gen.stderr.trim()}`);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    label: `${commit} (tsx)`,
    bin: path.join(dir, "scripts/sync-tokens.mjs"),
    // Its bin registered tsx, then imported src/cli.ts, which imported the whole sync statically.
    idle: { cwd: dir, execArgv: ["--import", "tsx"], modules: [path.join(dir, "src/cli.ts")] },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** `sync-tokens --help`, spawn to exit, `repeat` times. */
export async function helpRuns(variant: BinVariant, repeat: number): Promise<CliRun[]> {
  const runs: CliRun[] = [];
  for (let i = 0; i < repeat; i++) {
    const r = await runCli({}, { bin: variant.bin, args: ["--help"] });
    if (r.exitCode !== 0) throw new Error(`${variant.label}: sync-tokens --help exited ${r.exitCode}: ${r.stderrTail}`);
    runs.push(r);
  }
  return runs;
}

export interface IdleRss {
  /** RSS after the modules loaded and a full garbage collection. */
  rssMb: number;
  /** From process start to the modules loaded. */
  loadedMs: number;
}

/** A fresh process that imports what a sync holds, then reports its RSS after a full GC; the median of `repeat`. */
export function idleRss(variant: BinVariant, repeat: number): IdleRss {
  const script = [
    `for (const m of ${JSON.stringify(variant.idle.modules)}) await import(m);`,
    `const loadedMs = performance.now();`,
    `const v8 = await import("node:v8"); const vm = await import("node:vm");`,
    `v8.setFlagsFromString("--expose-gc"); const gc = vm.runInNewContext("gc"); gc(); gc();`,
    `console.log(JSON.stringify({ rssMb: process.memoryUsage.rss() / 1048576, loadedMs }));`,
  ].join("\n");
  const samples: IdleRss[] = [];
  for (let i = 0; i < repeat; i++) {
    const r = spawnSync(process.execPath, [...variant.idle.execArgv, "--input-type=module", "-e", script], {
      cwd: variant.idle.cwd,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir() },
    });
    if (r.status !== 0) throw new Error(`${variant.label}: idle probe exited ${r.status}: ${r.stderr.trim()}`);
    samples.push(JSON.parse(r.stdout) as IdleRss);
  }
  samples.sort((a, b) => a.rssMb - b.rssMb);
  return samples[Math.floor((samples.length - 1) / 2)] as IdleRss;
}

type StartupRun = { label: string; help: CliRun & { repeatsMs: number[] }; idle: IdleRss };

export async function run(flags: BenchFlags): Promise<void> {
  const started = new Date();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const build = await buildDist();
  if (!build.ok) throw new Error(`the build failed:\n${build.output}`);
  const bins = [currentBin()];
  const commit = ownText(flags, "baseline-commit");
  const results: StartupRun[] = [];
  try {
    if (commit) {
      console.error(`[bench startup] extracting ${commit} to compare its bin`);
      bins.push(binAtCommit(commit));
    }
    for (const bin of bins) {
      const runs = await helpRuns(bin, Math.max(5, flags.repeat ?? 3));
      const sorted = [...runs].sort((x, y) => x.wallMs - y.wallMs);
      const help = { ...(sorted[Math.floor((sorted.length - 1) / 2)] as CliRun), repeatsMs: runs.map((r) => r.wallMs) };
      const idle = idleRss(bin, 3);
      results.push({ label: bin.label, help, idle });
      console.error(`[bench startup] ${bin.label}: --help ${ms(help.wallMs)} (${help.repeatsMs.map(ms).join(", ")}), idle RSS ${mb(idle.rssMb)}`);
    }
  } finally {
    for (const b of bins) b.remove();
  }
  const lines = [
    "",
    "Start-up: `sync-tokens --help` spawn to exit, and a process holding what a sync loads (after a full GC):",
    table(
      ["bin", "--help", "--help CPU", "runs", "--help peak RSS", "idle RSS", "modules loaded after"],
      results.map((b) => [
        b.label,
        ms(b.help.wallMs),
        b.help.cpuMs === undefined ? "?" : ms(b.help.cpuMs),
        b.help.repeatsMs.map(ms).join(", "),
        b.help.maxRssMb === undefined ? "?" : mb(b.help.maxRssMb),
        mb(b.idle.rssMb),
        ms(b.idle.loadedMs),
      ]),
    ),
  ];
  const o = { latencyMs: 0, seed: 0, out: flags.out, databaseUrl: undefined };
  report({ name: "startup", o, started, loadAtStart, database: "" }, { lines, targets: targets(results), results });
}

/** This build's bin against the baseline commit's, measured in this run. */
function targets([now, before]: StartupRun[]): Target[] {
  if (!now || !before) return [];
  const ratio = now.help.wallMs / before.help.wallMs;
  const saved = before.idle.rssMb - now.idle.rssMb;
  return [
    {
      name: "sync-tokens --help, spawn to exit",
      goal: `<= 1/3 of ${before.label}'s`,
      measured: `${ms(now.help.wallMs)} = ${ratio.toFixed(2)} x ${ms(before.help.wallMs)}`,
      met: ratio <= TARGETS.helpRatio,
      note: `peak RSS ${mb(now.help.maxRssMb ?? Number.NaN)} vs ${mb(before.help.maxRssMb ?? Number.NaN)}`,
    },
    {
      name: "idle RSS (a process holding what a sync loads)",
      goal: `>= ${TARGETS.idleRssSavedMb} MB below ${before.label}'s`,
      measured: `${mb(now.idle.rssMb)} = ${mb(saved)} below ${mb(before.idle.rssMb)}`,
      met: saved >= TARGETS.idleRssSavedMb,
      note: `modules loaded in ${ms(now.idle.loadedMs)} vs ${ms(before.idle.loadedMs)} from process start`,
    },
  ];
}
