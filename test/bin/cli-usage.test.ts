// The command line's contract with cron: --version, and usage errors (an unknown flag, a bad flag value, a missing
// argument, a bad setting in the environment) exit 64 (EX_USAGE) with one line on stderr, before anything is read
// or written, so that a typo is told apart from an outage (1) and a held lock (75). Durations on flags are ms.
import fs from "node:fs";
import path from "node:path";
import { StrKey } from "@stellar/stellar-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationMs } from "../../src/bin/flags.ts";
import { runCli } from "../support/cli.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { fixedReply, startLocalServer, type LocalServer } from "../support/local-http.ts";
import { EMPTY, footprint } from "../support/nothing-written.ts";

const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8")) as { version: string };
const CONTRACT = StrKey.encodeContract(Buffer.alloc(32, 7));

describe("sync-tokens --version", () => {
  it("prints the package's version alone and exits 0", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await runCli([flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
      expect(r.stderr).toBe("");
    }
  });
});

describe("a usage error exits 64 with one line, having read and written nothing", () => {
  let db: TestDatabase;
  /** Any request reaching it means the run got past validation. */
  let tripwire: LocalServer;

  beforeAll(async () => {
    [db, tripwire] = await Promise.all([createTestDatabase("pglite"), startLocalServer(fixedReply(400, "text/plain", "tripwire\n"))]);
  });
  afterAll(async () => {
    await tripwire?.close();
    await db?.drop();
  });

  it.each([
    ["an unknown flag", ["--bogus"], {}, /^sync-tokens: error: unknown option '--bogus'$/],
    ["a mistyped command's flag", ["db", "migrate", "--databse-url", "x"], {}, /unknown option '--databse-url'/],
    ["a duration that is not one", ["--timeout", "soon"], {}, /option '--timeout <ms>' argument 'soon' is invalid/],
    ["an old seconds value of --webhook-timeout", ["--webhook-timeout", "2.5"], {}, /option '--webhook-timeout <ms>' argument '2\.5' is invalid/],
    ["an old seconds value of --save-every", ["backfill", "--from-ledger", "2", "--save-every", "0.2"], {}, /'--save-every <ms>' argument '0\.2'/],
    ["serve's --poll-interval", ["serve", "--poll-interval", "often"], {}, /'--poll-interval <ms>' argument 'often'/],
    ["a missing required flag", ["webhooks", "replay"], {}, /required option '--since <time>' not specified/],
    ["watch's data lake over plain http", ["watch"], { SYNC_DATASTORE: "http://lake.example/pubnet/" }, /^sync-tokens: error: data lake URL http:\/\/lake\.example\/pubnet\/ is plain http to a non-local host/],
    ["a flag without its value", ["--contract-id"], {}, /option '--contract-id <id>' argument missing/],
    ["a bad value the tool checks (--concurrency)", ["--concurrency", "0"], {}, /^sync-tokens: error: concurrency "0" is not valid/],
    ["a bad setting from the environment", [], { CONTRACT_ID: CONTRACT.toLowerCase() }, /^sync-tokens: error: contract id "c[a-z2-7]{55}" is not valid: addresses are upper case/],
  ] as const)("%s", async (_name, args, env, line) => {
    const r = await runCli([...args], {
      env: { RPC_URL: tripwire.url, NETWORK_PASSPHRASE: "Standalone Network ; February 2017", CONTRACT_ID: CONTRACT, PGLITE_DATA_DIR: db.dataDir, ...env },
    });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")).toEqual([expect.stringMatching(line), ""]);
    expect(tripwire.requests).toEqual([]);
    expect(await footprint(db)).toEqual(EMPTY);
  });
});

describe("durations on flags", () => {
  it("are milliseconds, or a number with a unit", () => {
    expect([durationMs("500"), durationMs("0"), durationMs("10s"), durationMs("2.5s"), durationMs("250ms"), durationMs("2m"), durationMs("1h")]).toEqual([
      500, 0, 10_000, 2_500, 250, 120_000, 3_600_000,
    ]);
  });
  it("refuse a bare fraction (an old seconds value), a sign, or another unit", () => {
    for (const text of ["2.5", "-1", "1d", "10 sec", "", "1e3"]) expect(() => durationMs(text), text).toThrow(/expected milliseconds/);
  });
});
