// The dashboard's pieces that need no browser: the page it shows when SYNC_ADMIN_TOKEN is unset, the session
// cookie's name and flags by how the request arrived, controls in creator text, and amounts formatted exactly from
// their stroops (bigint arithmetic, never a float).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { createDashboard, type DashboardDeps } from "../../src/server/dashboard/index.tsx";
import { formatStroops, graduationBasisPoints } from "../../src/server/dashboard/format.ts";

describe("the dashboard without SYNC_ADMIN_TOKEN", () => {
  // Nothing may be read or done while the dashboard is off: any call fails the test.
  const refuse = (): never => {
    throw new Error("the dashboard is off: nothing may be called");
  };
  const deps: DashboardDeps = {
    adminToken: null,
    actions: { syncToken: refuse, scanCreator: refuse, fullResync: refuse, status: refuse, queries: refuse },
    activity: refuse,
    logger: { info() {}, warn() {} },
  };
  const app = createDashboard(deps);

  test("/ says how to turn it on; every other page and action is not there; no session is offered", async () => {
    const home = await app.request("/");
    expect(home.status).toBe(200);
    const text = await home.text();
    expect(text).toContain("turned off because <code>SYNC_ADMIN_TOKEN</code> is not set");
    expect(text).toContain("SYNC_ADMIN_TOKEN=$(openssl rand -hex 32) sync-tokens serve");
    expect(home.headers.get("content-security-policy")).toContain("default-src 'none'");
    for (const [method, path] of [
      ["GET", "/login"],
      ["POST", "/login"],
      ["GET", "/tokens"],
      ["GET", "/actions"],
      ["POST", "/actions/full-resync"],
      ["GET", "/_dashboard/live/overview"],
    ] as const) {
      const res = await app.request(path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get("set-cookie"), path).toBeNull();
    }
  });
});

describe("the session cookie's name follows what the browser will send back", () => {
  const TOKEN = "unit-admin-token-0123456789abcdef";
  const refuse = (): never => {
    throw new Error("not called by a login");
  };
  const deps = (forceSecure: boolean): DashboardDeps => ({
    adminToken: TOKEN,
    actions: { syncToken: refuse, scanCreator: refuse, fullResync: refuse, status: refuse, queries: refuse },
    activity: refuse,
    logger: { info() {}, warn() {} },
    session: { forceSecure },
  });
  const cookieOf = async (app: ReturnType<typeof createDashboard>, url: string, headers: Record<string, string> = {}) => {
    const res = await app.request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: `token=${TOKEN}` });
    expect(res.status).toBe(303);
    return res.headers.get("set-cookie")!;
  };

  test.each([
    ["http://127.0.0.1:4000/login", {}, false, true],
    ["http://localhost:4000/login", {}, false, true],
    ["https://sync.example/login", {}, false, true],
    ["http://sync.example/login", { "x-forwarded-proto": "https" }, false, true],
    ["http://sync.example/login", {}, true, true],
    // Plain http to another host: a Secure cookie would never come back, so the login would loop.
    ["http://192.168.1.20:4000/login", {}, false, false],
  ] as const)("%s %j, forced %s: __Host- and Secure %s", async (url, headers, forced, secure) => {
    const cookie = await cookieOf(createDashboard(deps(forced)), url, headers);
    if (secure) {
      expect(cookie).toMatch(/^__Host-sync_tokens_session=/);
      for (const flag of ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"]) expect(cookie.split("; ")).toContain(flag);
      expect(cookie).not.toMatch(/Domain=/i);
    } else {
      expect(cookie).toMatch(/^sync_tokens_session=/);
      expect(cookie).not.toMatch(/Secure/);
    }
  });
});

describe("amounts", () => {
  test("7 decimals from stroops, exact for any i128", () => {
    expect(formatStroops("0")).toBe("0.0000000");
    expect(formatStroops("1")).toBe("0.0000001");
    expect(formatStroops("100000000000")).toBe("10,000.0000000");
    expect(formatStroops("-12345678")).toBe("-1.2345678");
    expect(formatStroops((2n ** 127n - 1n).toString())).toBe("17,014,118,346,046,923,173,168,730,371,588.4105727");
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n - 1n }), (n) => {
        // Removing the separators and the point gives the integer back.
        expect(BigInt(formatStroops(n.toString()).replace(/[,.]/g, ""))).toBe(n);
      }),
    );
  });

  test("graduation progress in basis points of 10,000 XLM, clamped", () => {
    expect(graduationBasisPoints("0")).toBe(0);
    expect(graduationBasisPoints("49999999999")).toBe(4999);
    expect(graduationBasisPoints("100000000000")).toBe(10_000);
    expect(graduationBasisPoints((2n ** 127n - 1n).toString())).toBe(10_000);
    expect(graduationBasisPoints("-5")).toBe(0);
  });
});
