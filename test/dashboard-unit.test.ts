// The dashboard's pieces that need no browser: the page it shows when SYNC_ADMIN_TOKEN is unset, and amounts
// formatted exactly from their stroops (bigint arithmetic, never a float).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { createDashboard, type DashboardDeps } from "../src/server/dashboard/index.tsx";
import { formatStroops, graduationBasisPoints } from "../src/server/dashboard/format.ts";

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
