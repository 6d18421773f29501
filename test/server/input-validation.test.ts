// Bad input through the real CLI: each case stops with exactly one line on stderr that
// names the bad value (a secret seed only masked) and says what was expected, and nothing is written:
// on PostgreSQL the fresh database has no table or type at all (not even the migrations table), for the
// embedded database the folder is never created. Configuration errors also send no RPC request at all
// (a tripwire RPC records any), and the checks against the RPC (network, contract, endpoint) run before
// the database is opened. A bad value, from a flag or the environment, exits 64 (EX_USAGE); what the RPC
// answers wrongly exits 1, as an outage does.
import { Keypair, StrKey } from "@stellar/stellar-sdk";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli } from "../support/cli.ts";
import { backends, createTestDatabase, type Backend } from "../support/databases.ts";
import { fixedReply, startLocalServer, type LocalServer } from "../support/local-http.ts";
import { EMPTY, footprint } from "../support/nothing-written.ts";

const bytes = (seed: number, length = 32) => Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff);
const CONTRACT = StrKey.encodeContract(Buffer.from(bytes(1)));
const OTHER_CONTRACT = StrKey.encodeContract(Buffer.from(bytes(2)));
const ACCOUNT = StrKey.encodeEd25519PublicKey(Buffer.from(bytes(3)));
const ACCOUNT2 = StrKey.encodeEd25519PublicKey(Buffer.from(bytes(4)));
const SEED = Keypair.fromRawEd25519Seed(Buffer.from(bytes(5))).secret();
const MUXED = StrKey.encodeMed25519PublicKey(Buffer.from(bytes(6, 40)));
/** The same address with its last character changed: a checksum that does not match. */
const badChecksum = (address: string) => `${address.slice(0, -1)}${address.endsWith("A") ? "B" : "A"}`;
const BAD_CONTRACT = badChecksum(CONTRACT);
const BAD_ACCOUNT = badChecksum(ACCOUNT);

interface Ctx {
  sim: Simnet;
  /** Answers HTTP 400 to anything: a run that got past validation fails fast, and the test sees the request. */
  tripwire: LocalServer;
  notFoundHtml: LocalServer;
  emptyJson: LocalServer;
  htmlPage: LocalServer;
  notStellar: LocalServer;
}

interface Case {
  name: string;
  /** Arguments and environment, over the base (a valid contract id, the tripwire as RPC). */
  input: (ctx: Ctx) => { args?: string[]; env?: Record<string, string | undefined> };
  /** The one line on stderr. */
  line: RegExp;
  /** Must appear in that line. */
  named?: string[];
  /** Must not appear anywhere in the output, nor any 8-character piece of it. */
  hidden?: string[];
  /** Whether the run may talk to an RPC before failing (only the checks against the RPC itself). */
  contactsRpc?: boolean;
  timeoutMs?: number;
}

const contractCase = (name: string, value: string, line: RegExp, extra: Partial<Case> = {}): Case => ({
  name: `CONTRACT_ID ${name}`,
  input: () => ({ env: { CONTRACT_ID: value } }),
  line,
  named: [value.trim()],
  ...extra,
});

const EXPECT_CONTRACT = /expected a C\.\.\. contract address$/;
const EXPECT_ANY = /expected a G\.\.\. account or a C\.\.\. contract address$/;

const cases: Case[] = [
  // ---- CONTRACT_ID ----
  contractCase("with a bad checksum", BAD_CONTRACT, /^sync-tokens: error: contract id "C[A-Z2-7]{55}" is not valid: bad checksum or encoding; expected a C\.\.\. contract address$/),
  contractCase("that is a secret seed", SEED, /^sync-tokens: error: contract id "S\.\.\.[A-Z2-7]{4}" is not valid: it is a secret seed, never pass secret keys; expected a C\.\.\. contract address$/, {
    named: [],
    hidden: [SEED],
  }),
  contractCase("that is a muxed M... account", MUXED, /is not valid: it is a muxed M\.\.\. account; expected a C\.\.\. contract address$/),
  contractCase("that is a G... account", ACCOUNT, /is not valid: it is an account, not a contract; expected a C\.\.\. contract address$/),
  contractCase("truncated", CONTRACT.slice(0, 40), /is not valid: it has 40 characters, addresses have 56; expected a C\.\.\. contract address$/),
  contractCase("in lower case", CONTRACT.toLowerCase(), /is not valid: addresses are upper case; expected a C\.\.\. contract address$/),
  contractCase("with inner whitespace", `${CONTRACT.slice(0, 20)} ${CONTRACT.slice(20)}`, /contains whitespace: expected a C\.\.\. contract address$/),
  {
    name: "CONTRACT_ID empty",
    input: () => ({ env: { CONTRACT_ID: "" } }),
    line: /^sync-tokens: error: no contract id: pass --contract-id or set CONTRACT_ID \(the SAC Factory's C\.\.\. address\)$/,
  },
  {
    name: "--contract-id (the flag) with a bad checksum",
    input: () => ({ args: ["--contract-id", BAD_CONTRACT] }),
    line: /^sync-tokens: error: contract id "C[A-Z2-7]{55}" is not valid: bad checksum or encoding; expected a C\.\.\. contract address$/,
    named: [BAD_CONTRACT],
  },
  {
    name: "--contract-id (the flag) that is a secret seed",
    input: () => ({ args: ["--contract-id", SEED] }),
    line: /is not valid: it is a secret seed, never pass secret keys; expected a C\.\.\. contract address$/,
    hidden: [SEED],
  },

  // ---- creators and tokens ----
  {
    name: "CREATOR_ADDRESS with one bad entry among good ones",
    input: () => ({ env: { CREATOR_ADDRESS: `${ACCOUNT}, ${BAD_ACCOUNT} ${OTHER_CONTRACT}` } }),
    line: /^sync-tokens: error: CREATOR_ADDRESS entry "G[A-Z2-7]{55}" is not valid: bad checksum or encoding; expected a G\.\.\. account or a C\.\.\. contract address$/,
    named: [BAD_ACCOUNT],
  },
  {
    name: "CREATOR_ADDRESS with a secret seed among good ones",
    input: () => ({ env: { CREATOR_ADDRESS: `${ACCOUNT},${SEED},${ACCOUNT2}` } }),
    line: /^sync-tokens: error: CREATOR_ADDRESS entry "S\.\.\.[A-Z2-7]{4}" is not valid: it is a secret seed/,
    hidden: [SEED],
  },
  {
    name: "CREATOR_ADDRESS with a muxed M... account",
    input: () => ({ env: { CREATOR_ADDRESS: `${ACCOUNT} ${MUXED}` } }),
    line: /is not valid: it is a muxed M\.\.\. account; expected a G\.\.\. account or a C\.\.\. contract address$/,
    named: [MUXED],
  },
  {
    name: "--creator in lower case",
    input: () => ({ args: ["--creator", ACCOUNT, "--creator", ACCOUNT2.toLowerCase()] }),
    line: /^sync-tokens: error: --creator "g[a-z2-7]{55}" is not valid: addresses are upper case; expected a G\.\.\. account or a C\.\.\. contract address$/,
    named: [ACCOUNT2.toLowerCase()],
  },
  {
    name: "--creator truncated",
    input: () => ({ args: ["--creator", ACCOUNT.slice(0, 55)] }),
    line: EXPECT_ANY,
    named: [ACCOUNT.slice(0, 55), "55 characters"],
  },
  {
    name: "--token that is a G... account (wrong kind)",
    input: () => ({ args: ["--token", ACCOUNT] }),
    line: /^sync-tokens: error: --token "G[A-Z2-7]{55}" is not valid: it is an account, not a contract; expected a C\.\.\. contract address$/,
    named: [ACCOUNT],
  },
  {
    name: "--token with a bad checksum",
    input: () => ({ args: ["--token", CONTRACT, "--token", BAD_CONTRACT] }),
    line: EXPECT_CONTRACT,
    named: [BAD_CONTRACT],
  },

  // ---- RPC URL ----
  {
    name: "RPC URL that is not a URL",
    input: () => ({ env: { RPC_URL: "not a url" } }),
    line: /^sync-tokens: error: RPC URL "not a url" is not a URL: expected https:\/\/host\[:port\]\/path$/,
  },
  {
    name: "RPC URL without a scheme, carrying an API key",
    input: () => ({ env: { RPC_URL: "rpc.example.com/?apikey=K3yK3yK3y" } }),
    line: /^sync-tokens: error: RPC URL .* is not a URL: expected https:\/\/host\[:port\]\/path$/,
    hidden: ["K3yK3yK3y"],
  },
  {
    name: "RPC URL host:port without a scheme",
    input: () => ({ env: { RPC_URL: "localhost:8000" } }),
    line: /^sync-tokens: error: RPC URL .*localhost:8000.* expected (https:\/\/host\[:port\]\/path|http:\/\/ or https:\/\/)$/,
  },
  {
    name: "RPC URL user:password@host without a scheme",
    input: () => ({ env: { RPC_URL: "alice:Pa55w0rdPa55@rpc.example.com/" } }),
    line: /^sync-tokens: error: RPC URL .* expected (https:\/\/host\[:port\]\/path|http:\/\/ or https:\/\/)$/,
    hidden: ["Pa55w0rdPa55"],
  },
  {
    name: "RPC URL ftp://",
    input: () => ({ env: { RPC_URL: "ftp://x" } }),
    line: /^sync-tokens: error: RPC URL ftp:\/\/x\/ uses ftp:\/\/: expected http:\/\/ or https:\/\/$/,
  },
  {
    name: "RPC URL plain http to a non-local host without --allow-http",
    input: () => ({ env: { RPC_URL: "http://example.com" } }),
    line: /^sync-tokens: error: RPC URL http:\/\/example\.com\/ is plain http to a non-local host: use https:\/\/, or pass --allow-http \(ALLOW_HTTP=1\) if you mean it$/,
  },
  {
    // An IPv4-mapped IPv6 address is not on the local-host list, yet it is the loopback: the one way to
    // test the rule without contacting another machine.
    name: "RPC URL plain http to [::ffff:127.0.0.1] without --allow-http",
    input: (ctx) => ({ env: { RPC_URL: `http://[::ffff:127.0.0.1]:${new URL(ctx.sim.url).port}/` } }),
    line: /is plain http to a non-local host: use https:\/\/, or pass --allow-http \(ALLOW_HTTP=1\) if you mean it$/,
  },

  // ---- numbers and names ----
  {
    name: "--concurrency 0",
    input: () => ({ args: ["--concurrency", "0"] }),
    line: /^sync-tokens: error: concurrency "0" is not valid: expected a whole number from 1 to 256$/,
  },
  {
    name: "--concurrency abc",
    input: () => ({ args: ["--concurrency", "abc"] }),
    line: /^sync-tokens: error: concurrency "abc" is not valid: expected a whole number from 1 to 256$/,
  },
  {
    name: "SYNC_CONCURRENCY 1.5",
    input: () => ({ env: { SYNC_CONCURRENCY: "1.5" } }),
    line: /^sync-tokens: error: concurrency "1\.5" is not valid: expected a whole number from 1 to 256$/,
  },
  {
    name: "--timeout -1",
    input: () => ({ args: ["--timeout=-1"] }),
    line: /^sync-tokens: error: option '--timeout <ms>' argument '-1' is invalid\. expected milliseconds \(e\.g\. 500\) or a number with a unit \(500ms, 10s, 2m\)$/,
  },
  {
    name: "--timeout 50 (under the least)",
    input: () => ({ args: ["--timeout", "50"] }),
    line: /^sync-tokens: error: RPC timeout \(ms\) "50" is not valid: expected a whole number from 100 to 600000$/,
  },
  {
    name: "--network bogus",
    input: () => ({ args: ["--network", "bogus"] }),
    line: /^sync-tokens: error: network "bogus" is unknown: expected one of testnet, futurenet, mainnet, local$/,
  },
  {
    name: "DATABASE_URL with a scheme that is not PostgreSQL",
    input: () => ({ env: { DATABASE_URL: "mysql://app:Db5ecretDb5ecret@127.0.0.1:3306/tokens" } }),
    line: /^sync-tokens: error: DATABASE_URL (?=.*mysql)(?=.*postgresql:\/\/)/,
    hidden: ["Db5ecretDb5ecret"],
  },

  // ---- checks against the RPC: before the database is opened ----
  {
    name: "a passphrase that does not match the RPC's network",
    input: (ctx) => ({ env: { RPC_URL: ctx.sim.url, NETWORK_PASSPHRASE: "Test SDF Network ; September 2015" } }),
    line: /^sync-tokens: error: network passphrase mismatch: the RPC at http:\/\/127\.0\.0\.1:\d+\/ serves "Standalone Network ; February 2017", but "Test SDF Network ; September 2015" is configured \(check --network \/ --network-passphrase\)$/,
    contactsRpc: true,
  },
  {
    name: "--network futurenet against a standalone RPC",
    input: (ctx) => ({ args: ["--network", "futurenet"], env: { RPC_URL: ctx.sim.url, NETWORK_PASSPHRASE: undefined } }),
    line: /^sync-tokens: error: network passphrase mismatch: .* "Test SDF Future Network ; October 2022" is configured/,
    contactsRpc: true,
  },
  {
    name: "a valid contract id that is not the factory",
    input: (ctx) => ({ env: { RPC_URL: ctx.sim.url, CONTRACT_ID: OTHER_CONTRACT } }),
    line: /^sync-tokens: error: contract C[A-Z2-7]{55} does not answer as a SAC Factory on this network: get_token_count failed: /,
    named: [OTHER_CONTRACT],
    contactsRpc: true,
  },
  {
    name: "an endpoint answering 404 with an HTML page",
    input: (ctx) => ({ env: { RPC_URL: ctx.notFoundHtml.url } }),
    line: /^sync-tokens: error: http:\/\/127\.0\.0\.1:\d+\/ does not answer as a Stellar RPC: getNetwork failed: .*HTTP 404/,
    contactsRpc: true,
  },
  {
    name: "an endpoint answering 200 with {}",
    input: (ctx) => ({ env: { RPC_URL: ctx.emptyJson.url } }),
    line: /^sync-tokens: error: http:\/\/127\.0\.0\.1:\d+\/ does not answer as a Stellar RPC: getNetwork failed: /,
    contactsRpc: true,
    timeoutMs: 150_000,
  },
  {
    name: "an endpoint answering 200 with a web page",
    input: (ctx) => ({ env: { RPC_URL: ctx.htmlPage.url } }),
    line: /^sync-tokens: error: http:\/\/127\.0\.0\.1:\d+\/ does not answer as a Stellar RPC: getNetwork failed: /,
    contactsRpc: true,
    timeoutMs: 150_000,
  },
  {
    name: "a JSON-RPC server that does not know getNetwork",
    input: (ctx) => ({ env: { RPC_URL: ctx.notStellar.url } }),
    line: /^sync-tokens: error: http:\/\/127\.0\.0\.1:\d+\/ does not answer as a Stellar RPC: getNetwork failed: .*-32601/,
    contactsRpc: true,
  },
];

/** Every 8-character piece of a secret: a partly masked secret still leaks. */
function pieces(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i++) out.push(secret.slice(i, i + 8));
  return out;
}

let ctx: Ctx;

beforeAll(async () => {
  const [sim, tripwire, notFoundHtml, emptyJson, htmlPage, notStellar] = await Promise.all([
    startSimnet({ scenario: { seed: 11, tokens: 4, creators: 2, hostile: false } }),
    startLocalServer(fixedReply(400, "text/plain", "tripwire: this run should not have sent any request\n")),
    startLocalServer(fixedReply(404, "text/html", "<!doctype html>\n<html><body><h1>404 Not Found</h1>\n</body></html>\n")),
    startLocalServer(fixedReply(200, "application/json", "{}")),
    startLocalServer(fixedReply(200, "text/html", "<!doctype html>\n<html><head><title>Welcome</title></head><body>It works!</body></html>\n")),
    startLocalServer((req, res) => {
      const { id } = JSON.parse(req.body) as { id: unknown };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } }));
    }),
  ]);
  ctx = { sim, tripwire, notFoundHtml, emptyJson, htmlPage, notStellar };
});

afterAll(async () => {
  await Promise.all([ctx?.sim.close(), ctx?.tripwire.close(), ctx?.notFoundHtml.close(), ctx?.emptyJson.close(), ctx?.htmlPage.close(), ctx?.notStellar.close()]);
});

describe.concurrent.each(backends)("bad input on %s", (backend: Backend) => {
  it.for(cases)("$name", { timeout: 160_000 }, async (c, { expect, task }) => {
    const db = await createTestDatabase(backend);
    try {
      const { args = [], env = {} } = c.input(ctx);
      // Cases run concurrently: each gets its own path on the tripwire.
      const tripwirePath = `/${task.id}`;
      const r = await runCli(args, {
        env: cliEnv(ctx.sim, db, { RPC_URL: new URL(tripwirePath, ctx.tripwire.url).toString(), CREATOR_ADDRESS: undefined, ...env }),
        timeoutMs: c.timeoutMs ?? 60_000,
      });
      const output = r.stdout + r.stderr;
      expect(r.code, output).toBe(c.contactsRpc ? 1 : 64);
      expect(r.stdout).toBe("");
      const lines = r.stderr.split("\n");
      expect(lines, "stderr must be exactly one line").toHaveLength(2);
      expect(lines[1]).toBe("");
      const line = lines[0]!;
      expect(line).toMatch(c.line);
      for (const value of c.named ?? []) expect(line).toContain(value);
      for (const secret of c.hidden ?? []) {
        expect(output).not.toContain(secret);
        for (const piece of pieces(secret)) expect(output, `leaks ${piece}`).not.toContain(piece);
      }
      expect(line).not.toMatch(/unexpected failure/);
      const sent = ctx.tripwire.requests.filter((q) => q.url === tripwirePath);
      if (!c.contactsRpc) expect(sent.map((q) => q.body), "requests sent before validation").toEqual([]);
      expect(await footprint(db)).toEqual(EMPTY);
    } finally {
      await db.drop();
    }
  });
});

describe("--allow-http", () => {
  it("lets plain http to a non-local host past validation", async ({ expect }) => {
    const db = await createTestDatabase("pglite");
    try {
      const url = `http://[::ffff:127.0.0.1]:${new URL(ctx.sim.url).port}/`;
      for (const allow of [{ args: ["--allow-http"], env: {} }, { args: [], env: { ALLOW_HTTP: "1" } }]) {
        const r = await runCli(["--json", ...allow.args], {
          env: cliEnv(ctx.sim, { dataDir: db.dataDir }, { RPC_URL: url, ...allow.env }),
        });
        expect(r.stderr).not.toMatch(/plain http/);
        // Past validation the run goes on against the simulator and finds every token.
        expect(r.code, r.stderr).toBe(0);
        expect((JSON.parse(r.stdout) as { contractTokenCount: number }).contractTokenCount).toBe(ctx.sim.chain.tokens.length);
      }
    } finally {
      await db.drop();
    }
  });
});
