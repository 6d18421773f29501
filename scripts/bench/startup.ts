// The bin's start-up against an earlier commit's ("today's": the bin that loaded src/ through tsx), both measured in
// the same benchmark run on the same machine: `sync-tokens --help` from spawn to exit and the idle RSS of a process
// that holds what a sync loads. bench.ts times both bins' no-change runs on its scenario as well.
//
// The earlier commit is extracted with `git archive` into a temporary folder (the repository is not touched), shares
// this checkout's node_modules (Prisma's client and adapters stay development dependencies for it), and gets its own
// generated Prisma client, as that commit loaded it.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli, type CliRun } from "./cli-run.ts";

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
