// A `serve` process of the built bin for the multi-process benchmarks (failover.ts, stream.ts), in a fresh working
// directory with only PATH and HOME of this environment, and a bounded wait for a condition.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const bin = path.resolve(import.meta.dirname, "../sync-tokens.mjs");

export interface ServeChild {
  child: ChildProcess;
  url: string;
  role(): Promise<string | undefined>;
}

import { waitFor } from "../../test/support/wait.ts";

export { waitFor };

/** Starts `serve --port 0`; resolves once it listens. */
export async function serve(env: Record<string, string>): Promise<ServeChild> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "sync-tokens-bench-"));
  const child = spawn(process.execPath, [bin, "serve", "--port", "0"], { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const url = await waitFor("serve to listen", async () => /listening on (http:\/\/\S+)/.exec(stderr)?.[1], 90_000);
  const role = async () => ((await (await fetch(`${url}/api/status`, { signal: AbortSignal.timeout(1000) })).json()) as { role?: string }).role;
  return { child, url, role };
}
