// Runs the real CLI in a child process, the way people and cron run it.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Simnet } from "../simnet/index.ts";
import type { TestDatabase } from "./databases.ts";

export const binPath = path.resolve(import.meta.dirname, "../../scripts/sync-tokens.mjs");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Kill the process with this signal once stderr or stdout matches. */
  killOn?: { pattern: RegExp; signal: NodeJS.Signals };
  timeoutMs?: number;
  /** Another copy of the bin, e.g. one installed from the packed tarball; default: this checkout's. */
  bin?: string;
}

// A clean working directory, so that no developer's .env leaks into a test.
const cwd = path.join(os.tmpdir(), "sync-tokens-empty-cwd");
fs.mkdirSync(cwd, { recursive: true });

/**
 * The CLI's environment for this simulator and database (PostgreSQL when `db.databaseUrl` is set, else PGlite in
 * `db.dataDir`); every creator is reachable (CREATOR_ADDRESS). A key of `extra` set to undefined is left unset.
 */
export function cliEnv(sim: Simnet, db: Partial<Pick<TestDatabase, "databaseUrl" | "dataDir">> = {}, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    RPC_URL: sim.url,
    NETWORK_PASSPHRASE: sim.networkPassphrase,
    CONTRACT_ID: sim.contractId,
    DATABASE_URL: db.databaseUrl,
    PGLITE_DATA_DIR: db.dataDir,
    CREATOR_ADDRESS: sim.chain.dormantCreators().join(","),
    ...extra,
  };
}

export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(DATABASE_URL|RPC_URL|CONTRACT_ID|CREATOR_ADDRESS|NETWORK_PASSPHRASE|STELLAR_NETWORK|PGLITE_DATA_DIR|SYNC_.*|LOG_.*)$/.test(k)) env[k] = v;
  // stderr is a pipe here, where logs default to JSON lines: the tests read the text lines a terminal shows.
  env.LOG_FORMAT = "text";
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [options.bin ?? binPath, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    const check = () => {
      if (options.killOn && options.killOn.pattern.test(stdout + stderr) && child.exitCode === null && !child.killed) {
        child.kill(options.killOn.signal);
      }
    };
    child.stdout!.on("data", (d) => ((stdout += d), check()));
    child.stderr!.on("data", (d) => ((stderr += d), check()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}
