// Attacks on the admin side of `sync-tokens serve` (the real bin, on the simulator and PostgreSQL), each with the
// safe answer it must get: open redirects after login, guessing the admin token at the login form and at the admin
// API (limited per client, logged with the address), a copied cookie after logout, a session left idle, the API
// token equal to the admin token; and around the process: the embedded database's restart after SIGKILL with the
// same pid, and the systemd unit's main process draining on SIGTERM.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, startCli } from "../support/cli.ts";
import { startDashboardServer, type DashboardServer } from "../support/dashboard-server.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { waitFor } from "../support/wait.ts";

const ADMIN = "security-admin-token-0123456789abcdef";
const IDLE_SECONDS = 6;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request from the loopback address `from` (every 127.x address reaches the server, as another client). */
function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? "GET", headers: init.headers, localAddress: init.from ?? "127.0.0.1" }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** The session cookie a reply sets, as `name=value`; undefined when it sets none. */
function sessionCookie(reply: Reply): string | undefined {
  return reply.headers["set-cookie"]?.find((c) => c.startsWith("__Host-sync_tokens_session=") && !/Max-Age=0/i.test(c))?.split(";")[0];
}

describe("the admin session under attack", () => {
  let sim: Simnet;
  let db: TestDatabase;
  let server: DashboardServer;
  const url = (p: string) => `${server.url}${p}`;

  const login = (token: string, options: { next?: string; from?: string } = {}) =>
    send(url("/login"), {
      method: "POST",
      from: options.from,
      headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
      body: new URLSearchParams({ token, next: options.next ?? "/" }).toString(),
    });
  const loggedIn = async (): Promise<string> => {
    const reply = await login(ADMIN);
    expect(reply.status, reply.text).toBe(303);
    return sessionCookie(reply)!;
  };
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 20, tokens: 6, creators: 2 } });
    db = await createTestDatabase("postgres");
    server = await startDashboardServer({ sim, db, adminToken: ADMIN, pollIntervalMs: 500, env: { SYNC_SESSION_IDLE_SECONDS: String(IDLE_SECONDS) } });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await sim?.close();
    await db?.drop();
  });

  test.each([
    ["/%09/evil.example"],
    ["/\t/evil.example"],
    ["/%0a/evil.example"],
    ["//evil.example"],
    ["/\\evil.example"],
    ["/%5Cevil.example"],
    ["/%5C%5Cevil.example"],
    ["/.//evil.example"],
    ["/a/../..//evil.example"],
    ["/%2e%2e//evil.example"],
    ["https://evil.example/"],
    ["http:evil.example"],
    ["/\u0085/evil.example"],
    ["/%C2%85/evil.example"],
    ["\\\\evil.example"],
  ])("open redirect: next=%j after login stays on this site", async (next) => {
    const reply = await login(ADMIN, { next });
    expect(reply.status, reply.text).toBe(303);
    const location = reply.headers.location!;
    expect(location).toBe("/");
    // Already logged in, GET /login?next= redirects at once: the same rule.
    const again = await send(url(`/login?next=${encodeURIComponent(next)}`), { headers: { cookie: sessionCookie(reply)! } });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe("/");
  });

  test("open redirect: a path of this site is kept", async () => {
    const reply = await login(ADMIN, { next: "/tokens?q=Token&sort=name" });
    expect(reply.headers.location).toBe("/tokens?q=Token&sort=name");
  });

  test("the session cookie is __Host- prefixed, Secure, HttpOnly and SameSite=Strict", async () => {
    const reply = await login(ADMIN);
    const cookie = reply.headers["set-cookie"]!.find((c) => c.startsWith("__Host-sync_tokens_session="))!;
    expect(cookie).toMatch(/; Path=\/(;|$)/);
    expect(cookie).toMatch(/; Secure(;|$)/);
    expect(cookie).toMatch(/; HttpOnly(;|$)/);
    expect(cookie).toMatch(/; SameSite=Strict(;|$)/);
    expect(cookie).not.toMatch(/Domain=/i);
  });

  test("cookie reuse after logout: the copied cookie is refused by pages, fragments and actions", async () => {
    const cookie = await loggedIn();
    const home = await send(url("/"), { headers: { cookie } });
    expect(home.status).toBe(200);
    const csrf = csrfOf(home.text)!;
    const form = (fields: Record<string, string>) => ({
      method: "POST",
      headers: { cookie, origin: server.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
    const out = await send(url("/logout"), form({}));
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe("/login");
    // The browser dropped it; a copy made before still carries a valid signature.
    const page = await send(url("/tokens"), { headers: { cookie } });
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/login\?next=/);
    expect((await send(url("/_dashboard/live/overview"), { headers: { cookie } })).status).toBe(401);
    expect((await send(url("/actions/full-resync"), form({}))).status).toBe(401);
    expect((await send(url("/logout"), form({}))).status).toBe(401);
    expect(server.stderr()).toMatch(/dashboard: admin logged out from 127\.0\.0\.1/);
  });

  test(`idle expiry: a session used within ${IDLE_SECONDS} s lives on, one left alone longer is refused`, async () => {
    let cookie = await loggedIn();
    // Used every second for twice the idle time: each answer may move the deadline (a re-signed cookie).
    for (let i = 0; i < 2 * IDLE_SECONDS; i++) {
      const reply = await send(url("/_dashboard/live/overview"), { headers: { cookie } });
      expect(reply.status, `after ${i} s`).toBe(200);
      cookie = sessionCookie(reply) ?? cookie;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await new Promise((resolve) => setTimeout(resolve, (IDLE_SECONDS + 1) * 1000));
    expect((await send(url("/_dashboard/live/overview"), { headers: { cookie } })).status).toBe(401);
    const page = await send(url("/"), { headers: { cookie } });
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/login/);
  }, 60_000);

  test("login brute force: limited per client (429 with Retry-After, even for the right token), logged with the address", async () => {
    const attacker = "127.0.0.2";
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(`wrong-guess-${i}-0123456789abcdef`, { from: attacker })).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    const right = await login(ADMIN, { from: attacker });
    expect(right.status).toBe(429);
    expect(Number(right.headers["retry-after"])).toBeGreaterThan(0);
    expect(sessionCookie(right)).toBeUndefined();
    // The same budget covers the admin API's bearer token.
    const bearer = await send(url("/api/admin/sync"), { method: "POST", from: attacker, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: "{}" });
    expect(bearer.status).toBe(429);
    // Another client is not affected.
    expect((await login(ADMIN, { from: "127.0.0.1" })).status).toBe(303);
    const log = server.stderr();
    expect(log.match(/dashboard: a login with a wrong admin token from 127\.0\.0\.2 was refused/g)).toHaveLength(11);
    expect(log).toMatch(/from 127\.0\.0\.2 was refused; too many from it: refusing its admin credentials for \d+ s/);
    expect(log).not.toContain(ADMIN);
    expect(log).not.toContain("wrong-guess-");
  });

  test("admin bearer brute force: limited per client, logged with the address", async () => {
    const attacker = "127.0.0.3";
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const reply = await send(url("/api/admin/sync"), { method: "POST", from: attacker, headers: { authorization: `Bearer wrong-guess-${i}-0123456789abcdef` } });
      statuses.push(reply.status);
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    expect(server.stderr().match(/POST \/api\/admin\/sync with a wrong admin token from 127\.0\.0\.3 was refused/g)).toHaveLength(11);
  });

  test("the bin as a supervisor's main process: SIGTERM drains and exits 0; the shipped systemd unit runs the bin, not pnpm", async () => {
    const unit = fs.readFileSync(path.resolve(import.meta.dirname, "../../docs/sync-tokens.service"), "utf8");
    const execStart = unit.split("\n").find((l) => l.startsWith("ExecStart="))!;
    expect(execStart).toMatch(/^ExecStart=\S*node \S*\/scripts\/sync-tokens\.mjs serve /);
    expect(execStart).not.toMatch(/pnpm/);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    const result = await server.close();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/SIGTERM received: finishing the current batch, then stopping/);
  }, 60_000);
});

describe("serve refuses to start", () => {
  test("SYNC_API_TOKEN equal to SYNC_ADMIN_TOKEN: one line naming the variables, never the value; exit 64; nothing listens", async () => {
    const secret = "same-token-for-both-0123456789abcdef";
    const result = await runCli(["serve", "--port", "0"], {
      env: { RPC_URL: "http://127.0.0.1:9", NETWORK_PASSPHRASE: "x", CONTRACT_ID: "C".padEnd(56, "A"), SYNC_API_TOKEN: secret, SYNC_ADMIN_TOKEN: secret },
      timeoutMs: 60_000,
    });
    expect(result.code).toBe(64);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^sync-tokens: error: SYNC_API_TOKEN equals SYNC_ADMIN_TOKEN/)]);
    expect(result.stderr + result.stdout).not.toContain(secret);
    expect(result.stderr).not.toMatch(/listening on/);
  });
});

describe("the embedded database after a restart with the same pid", () => {
  let sim: Simnet;
  let db: TestDatabase;
  const bootId = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 21, tokens: 4, creators: 2 } });
    db = await createTestDatabase("pglite");
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  // The previous incarnation had this very pid; it wrote its start time (any other than ours) or, before the
  // start time was recorded, the bare pid.
  test.each([["{pid}"], [`{pid} 1 ${bootId}`]])("a lock reading %j left by the killed process: the run proceeds", async (text) => {
    const lockFile = `${db.dataDir}.lock`;
    const result = await runCli(["--json"], {
      bin: path.resolve(import.meta.dirname, "../support/pid-reuse-start.mjs"),
      env: { ...cliEnv(sim, db), STALE_LOCK_FILE: lockFile, STALE_LOCK_TEXT: text },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).failed).toEqual([]);
    expect(fs.existsSync(lockFile), "released at the end").toBe(false);
  }, 120_000);

  test("a live holder still makes it exit 75", async () => {
    const lockFile = `${db.dataDir}.lock`;
    const moduleUrl = new URL("../../src/store/file-lock.ts", import.meta.url).href;
    const holder = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `const { acquireFileLock } = await import(${JSON.stringify(moduleUrl)}); acquireFileLock(${JSON.stringify(lockFile)}); console.log("held"); setInterval(() => {}, 1000);`], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      let out = "";
      holder.stdout!.on("data", (d) => (out += d));
      await waitFor("the holder to take the lock", () => out.includes("held"), 60_000);
      const result = await runCli(["--json"], { env: cliEnv(sim, db) });
      expect(result.code, result.stderr).toBe(75);
      expect(result.stderr).toMatch(new RegExp(`is in use by another process \\(held by pid ${holder.pid}\\); exiting \\(75\\)`));
    } finally {
      holder.kill("SIGKILL");
      await new Promise((resolve) => holder.once("close", resolve));
    }
    // Killed, it leaves its lock behind: the next run takes it over.
    expect(fs.existsSync(lockFile)).toBe(true);
    const after = await startCli(["--json"], { env: cliEnv(sim, db) }).done;
    expect(after.code, after.stderr).toBe(0);
  }, 120_000);
});
