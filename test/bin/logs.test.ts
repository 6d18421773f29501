// Logs (issue 21): the real CLI's stderr is pino's JSON lines when it is no terminal (or with LOG_FORMAT=json), the
// text lines with LOG_FORMAT=text; LOG_LEVEL filters them; the report on stdout is the same either way; a bad
// LOG_LEVEL or LOG_FORMAT is refused before anything is written; watch logs idle ledgers at debug level only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli } from "../support/cli.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { jsonLines } from "../support/live.ts";
import { footprint } from "../support/nothing-written.ts";
import { waitFor } from "../support/wait.ts";

interface LogLine {
  level: string;
  time: string;
  pid: number;
  msg: string;
}

/** stderr as JSON log lines: every line must parse. */
function logLines(stderr: string): LogLine[] {
  return stderr
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as LogLine);
}

let sim: Simnet;
let db: TestDatabase;
beforeAll(async () => {
  sim = await startSimnet({ scenario: { seed: 121, tokens: 8, creators: 3 } });
  db = await createTestDatabase("postgres");
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

describe("log lines of a sync", () => {
  it("are JSON lines when stderr is a pipe and LOG_FORMAT is unset, text lines with LOG_FORMAT=text; the report is the same", async () => {
    const json = await runCli(["--full"], { env: { ...cliEnv(sim, db), LOG_FORMAT: "" } });
    expect(json.code, json.stderr).toBe(0);
    const lines = logLines(json.stderr);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(["info", "warn"]).toContain(l.level);
      expect(new Date(l.time).toISOString()).toBe(l.time);
      expect(typeof l.msg).toBe("string");
    }
    expect(lines.map((l) => l.msg)).toContainEqual(expect.stringMatching(/^events: /));

    const text = await runCli(["--full"], { env: { ...cliEnv(sim, db), LOG_FORMAT: "text" } });
    expect(text.code, text.stderr).toBe(0);
    const textLines = text.stderr.split("\n").filter((l) => l !== "");
    expect(textLines.some((l) => l.startsWith("{"))).toBe(false);
    expect(textLines.some((l) => l.startsWith("events: "))).toBe(true);
    // The human report on stdout does not depend on the log format (the second run finds its tokens unchanged).
    const report = (out: string) => out.replace(/\b(new|unchanged|written)\b/g, "X").replace(/[\d.]+/g, "N").replace(/ +/g, " ").split("\n").sort();
    expect(report(json.stdout)).toEqual(report(text.stdout));
    expect(json.stdout).toMatch(/^Summary: 8 successful/m);
  });

  it("LOG_FORMAT=json forces JSON; LOG_LEVEL=warn keeps the warnings only, LOG_LEVEL=silent none", async () => {
    const warnOnly = await runCli([], { env: { ...cliEnv(sim, db), LOG_FORMAT: "json", LOG_LEVEL: "warn" } });
    expect(warnOnly.code, warnOnly.stderr).toBe(0);
    const lines = logLines(warnOnly.stderr);
    expect(lines.every((l) => l.level === "warn")).toBe(true);
    expect(lines.some((l) => l.msg.startsWith("events: "))).toBe(false);

    const silent = await runCli([], { env: { ...cliEnv(sim, db), LOG_FORMAT: "json", LOG_LEVEL: "silent" } });
    expect(silent.code, silent.stderr).toBe(0);
    expect(silent.stderr).toBe("");
  });

  it.each([
    ["LOG_LEVEL", "verbose", /^sync-tokens: error: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"$/],
    ["LOG_FORMAT", "xml", /^sync-tokens: error: LOG_FORMAT must be json or text; got "xml"$/],
  ])("a bad %s (%s) is one error line naming it, exit 64 (a usage error, as every bad setting), nothing written", async (name, value, error) => {
    const fresh = await createTestDatabase("postgres");
    try {
      for (const command of [[], ["serve", "--port", "0"]]) {
        const r = await runCli(command, { env: { ...cliEnv(sim, fresh), [name]: value } });
        expect(r.code, r.stderr).toBe(64);
        expect(r.stderr.trimEnd()).toMatch(error);
        expect(await footprint(fresh)).toEqual({ relations: [], types: [], files: [] });
      }
    } finally {
      await fresh.drop();
    }
  });
});

describe("log lines of watch", () => {
  it("say nothing at info level for ledgers without events: their passes are debug lines", async () => {
    const runWatch = async (level: string) => {
      const run = startCli(["watch", "--json", "--poll-interval", "100"], { env: { ...cliEnv(sim, db), LOG_FORMAT: "json", LOG_LEVEL: level }, timeoutMs: 120_000 });
      let stdout = "";
      run.child.stdout!.on("data", (d) => (stdout += d));
      await waitFor("the first pass", () => jsonLines(stdout).length >= 1, 90_000);
      for (let i = 0; i < 5; i++) {
        sim.chain.advance(1); // a ledger closes, with no factory event in it
        const passes = jsonLines(stdout).length;
        await waitFor("a pass over it", () => jsonLines(stdout).length > passes, 30_000);
      }
      run.child.kill("SIGTERM");
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      return { passes: jsonLines(stdout), lines: logLines(result.stderr) };
    };
    const info = await runWatch("info");
    const idle = info.passes.filter((p) => p.synced === 0).length;
    expect(idle).toBeGreaterThanOrEqual(5);
    // A handful of lines for the run (lock, signal), not one per ledger.
    const progress = (lines: LogLine[]) => lines.filter((l) => /^ledgers? \d+.*: \d+ written/.test(l.msg));
    expect(progress(info.lines).length).toBeLessThanOrEqual(info.passes.length - idle);
    expect(info.lines.filter((l) => l.level === "info").length).toBeLessThan(5);

    const debug = await runWatch("debug");
    expect(progress(debug.lines).length).toBeGreaterThanOrEqual(5);
    expect(progress(debug.lines).every((l) => l.level === "debug")).toBe(true);
  }, 240_000);
});
