// One run of the real `sync-tokens` bin (scripts/sync-tokens.mjs --json, or another copy of it), timed from spawn to
// exit: what cron sees, Node's start and module loading included. Peak RSS comes from GNU time (/usr/bin/time) when
// it is installed.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const bin = path.resolve(import.meta.dirname, "../sync-tokens.mjs");
const gnuTime = "/usr/bin/time";

export interface CliRun {
  exitCode: number | null;
  /** Spawn to exit. */
  wallMs: number;
  /** The sync's own durationMs, from its JSON report. */
  durationMs?: number;
  synced?: number;
  /** Kernel high-water mark of the process, when GNU time is available. */
  maxRssMb?: number;
  /** User + system CPU time of the process, when GNU time is available: less sensitive than wall time to a busy machine. */
  cpuMs?: number;
  stderrTail: string;
}

/**
 * `dotenv`: variables written to a `.env` file in the working directory instead of the environment, for values
 * longer than the kernel lets one environment variable be (thousands of CREATOR_ADDRESS entries).
 */
export async function runCli(env: Record<string, string>, options: { bin?: string; args?: string[]; dotenv?: Record<string, string> } = {}): Promise<CliRun> {
  const argv = [options.bin ?? bin, ...(options.args ?? ["--json"])];
  // A scratch working directory: the CLI loads .env from its working directory, and no developer's .env may leak in.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "sync-tokens-bench-"));
  const timeFile = path.join(cwd, "time.txt");
  if (options.dotenv) fs.writeFileSync(path.join(cwd, ".env"), Object.entries(options.dotenv).map(([k, v]) => `${k}=${v}\n`).join(""));
  const useTime = fs.existsSync(gnuTime);
  const [cmd, args] = useTime
    ? [gnuTime, ["-f", "%M %U %S", "-o", timeFile, process.execPath, ...argv]]
    : [process.execPath, argv];
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? cwd, ...env };
  const t0 = performance.now();
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const p = spawn(cmd, args, { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      p.stdout.on("data", (d: Buffer) => (out += d.toString()));
      p.stderr.on("data", (d: Buffer) => (err += d.toString()));
      p.on("error", reject);
      p.on("close", (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    const wallMs = performance.now() - t0;
    let report: { durationMs?: number; synced?: number } = {};
    try {
      report = JSON.parse(stdout) as typeof report;
    } catch {
      // not JSON: the exit code and stderr tell
    }
    const [kb, user, sys] = useTime ? (fs.readFileSync(timeFile, "utf8").trim().split("\n").at(-1) ?? "").split(" ").map(Number) : [];
    return {
      exitCode: code,
      wallMs,
      ...(report.durationMs === undefined ? {} : { durationMs: report.durationMs }),
      ...(report.synced === undefined ? {} : { synced: report.synced }),
      ...(kb !== undefined && Number.isFinite(kb) ? { maxRssMb: kb / 1024 } : {}),
      ...(user !== undefined && sys !== undefined && Number.isFinite(user + sys) ? { cpuMs: (user + sys) * 1000 } : {}),
      stderrTail: stderr.trim().split("\n").slice(-3).join("\n"),
    };
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}
