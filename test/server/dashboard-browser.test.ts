// The admin dashboard end to end: a live process (follower + HTTP server + dashboard) over real HTTP against the
// simulator and a real database, driven by headless Chromium. Expected values come from the simulator's chain.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { startSimnet, type SimToken, type Simnet } from "../simnet/index.ts";
import { drawnAt, focused, horizontalOverflow, launchBrowser, pageText, screenshot, unlabelledControls, type TestBrowser, type TestPage } from "../support/browser.ts";
import { startDashboardServer, type DashboardServer } from "../support/dashboard-server.ts";
import { createTestDatabase, type Backend, type TestDatabase } from "../support/databases.ts";
import { formatInteger } from "../../src/server/dashboard/format.ts";
import { RTL_NAMES, SPOOFED_NAMES } from "../support/bidi.ts";

const ADMIN_TOKEN = "dashboard-test-admin-token-0123456789";
const HOSTILE = {
  script: `<script>alert("name")</script>`,
  img: `"><img src=x onerror=alert(1)>`,
  bidi: "\u202Egnp.exe\u202C evil \u2067rtl\u2069",
};
/** How the page shows each: bidi controls by name, never applied. */
const SHOWN: Record<keyof typeof HOSTILE, string> = { ...HOSTILE, bidi: "⟨RLO⟩gnp.exe⟨PDF⟩ evil ⟨RLI⟩rtl⟨PDI⟩" };
/** Characters that must never reach the page's text raw (a tab or line feed may: innerText's own layout). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff]/g;
const PAGE_SIZE = 50;

// The tests read and alter the database beside `serve`, which the embedded database does not allow (one process):
// PostgreSQL only. `serve` on PGlite is covered by the live tests.
const browserBackends: Backend[] = ["postgres"];

describe.each(browserBackends)("dashboard in a real browser (%s)", (backend) => {
  let sim: Simnet;
  let db: TestDatabase;
  let server: DashboardServer;
  let browser: TestBrowser;
  let hostile: { script: SimToken; img: SimToken; bidi: SimToken };
  let spoofed: { token: SimToken; shown: string }[];
  let rtl: SimToken[];
  const url = (path: string) => `${server.url}${path}`;

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 12, tokens: 70, creators: 12 } });
    const huge = `${"A very long description. ".repeat(43_000)}END`; // ~1 MB
    hostile = {
      script: sim.chain.launchToken({ name: HOSTILE.script, symbol: `<b>X</b>`, description: huge }),
      img: sim.chain.launchToken({ name: HOSTILE.img, symbol: `"'&`, imageUrl: "javascript:alert(2)" }),
      bidi: sim.chain.launchToken({ name: HOSTILE.bidi, symbol: "\u202ERTL", description: `<svg onload=alert(3)>` }),
    };
    // The symbol carries the same controls as the name; the description too, with line breaks.
    spoofed = SPOOFED_NAMES.map(({ name, shown }) => ({
      token: sim.chain.launchToken({ name, symbol: name, description: `${name}\n${name}` }),
      shown,
    }));
    rtl = RTL_NAMES.map((name) => sim.chain.launchToken({ name, symbol: name, description: name }));
    db = await createTestDatabase(backend);
    [server, browser] = await Promise.all([
      startDashboardServer({ sim, db, adminToken: ADMIN_TOKEN, pollIntervalMs: 200 }),
      launchBrowser(),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sim?.close();
    await db?.drop();
  });

  /** The tokens the sync can find: every token but those of creators with nothing in the event window. */
  const findable = (): SimToken[] => {
    const dormant = new Set(sim.scenario.dormantCreators);
    return sim.chain.tokens.filter((t) => !dormant.has(t.creator));
  };

  async function loggedIn(viewport?: { width: number; height: number }): Promise<TestPage> {
    const tp = await browser.newPage(viewport);
    await tp.page.goto(url("/"));
    if (tp.page.url().includes("/login")) {
      await tp.page.getByLabel("Admin token").fill(ADMIN_TOKEN);
      await tp.page.getByRole("button", { name: "Log in" }).click();
      await tp.page.waitForURL(url("/"));
    }
    return tp;
  }

  const tableAddresses = (page: Page) => page.locator("#tokens tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-address")!));

  test("without a session every page and action answers 401 or redirects to the login form", async () => {
    const someToken = findable()[0]!.tokenAddress;
    const missing = sim.chain.creatorTokens(sim.scenario.dormantCreators[0]!)[0]!.tokenAddress;
    const pages = ["/", "/tokens", "/tokens?q=a", `/tokens/${someToken}`, "/actions"];
    const actions = ["/actions/sync-token", "/actions/scan-creator", "/actions/full-resync", `/tokens/${missing}/sync`, "/logout", "/_dashboard/live/overview"];
    for (const cookie of [undefined, "__Host-sync_tokens_session=1999999999.1999999999.forgedforgedforgedforged00.signature"]) {
      const headers: Record<string, string> = cookie ? { cookie } : {};
      for (const path of pages) {
        const res = await fetch(url(path), { redirect: "manual", headers });
        expect(res.status, path).toBe(303);
        expect(new URL(res.headers.get("location")!, server.url).pathname, path).toBe("/login");
      }
      for (const path of actions) {
        const method = path.includes("/live/") ? "GET" : "POST";
        const body = method === "POST" ? new URLSearchParams({ address: missing, _csrf: "x" }) : undefined;
        const res = await fetch(url(path), { method, body, redirect: "manual", headers: { ...headers, origin: server.url } });
        expect(res.status, path).toBe(401);
      }
    }
    // The refused sync wrote nothing.
    expect(await db.sql(`SELECT 1 FROM tokens WHERE address = $1`, [missing])).toEqual([]);
  });

  test("logs in with the admin token only; actions need the session's CSRF token", async () => {
    const { page } = await browser.newPage();
    await page.goto(url("/tokens"));
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.getByLabel("Admin token").fill("not-the-admin-token-at-all");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.locator(".notice.error").textContent(), { timeout: 20_000 }).toContain("not the admin token");
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(url("/tokens"));

    const cookies = await browser.context.cookies(server.url);
    // __Host- and Secure on http://127.0.0.1 too: browsers keep Secure cookies of loopback hosts.
    const session = cookies.find((c) => c.name === "__Host-sync_tokens_session")!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", secure: true, path: "/" });
    // A valid session without the form's token (a cross-site form, or a stale page) is refused, and writes nothing.
    const missing = sim.chain.creatorTokens(sim.scenario.dormantCreators[0]!)[0]!.tokenAddress;
    const res = await fetch(url("/actions/sync-token"), {
      method: "POST",
      body: new URLSearchParams({ address: missing, _csrf: "guessed" }),
      headers: { cookie: `${session.name}=${session.value}`, origin: server.url },
      redirect: "manual",
    });
    expect(res.status).toBe(403);
    const crossSite = await fetch(url("/actions/full-resync"), {
      method: "POST",
      body: new URLSearchParams({ _csrf: "guessed" }),
      headers: { cookie: `${session.name}=${session.value}`, origin: "https://evil.example" },
      redirect: "manual",
    });
    expect(crossSite.status).toBe(403);
    expect(await db.sql(`SELECT 1 FROM tokens WHERE address = $1`, [missing])).toEqual([]);
    await page.close();
  });

  test("a token launched on the simulator appears on the overview without a reload", async () => {
    const { page, requests } = await loggedIn();
    let navigations = 0;
    page.on("framenavigated", (f) => void (f === page.mainFrame() && navigations++));
    await page.evaluate("window.marker = 'same document'");

    expect(await page.locator("#newest").textContent()).not.toContain("Launched while watching");
    const launched = sim.chain.launchToken({ name: "Launched while watching", symbol: "LIVE" });
    const row = page.locator("#newest tr", { hasText: "Launched while watching" });
    await row.waitFor({ timeout: 20_000 });
    expect(await row.locator("td").first().textContent()).toBe(String(launched.id));
    await expect.poll(() => page.locator("#latest-ledger").textContent(), { timeout: 20_000 }).toBe(formatInteger(sim.chain.latestLedger));
    expect(await page.evaluate("window.marker")).toBe("same document");
    expect(navigations).toBe(0);
    expect(await page.locator("#status-h .badge").textContent()).toBe("live");
    expect(requests.filter((r) => !r.startsWith(server.url))).toEqual([]);
    await screenshot(page, "dashboard-overview");
    await page.close();
  });

  test("searches, sorts and pages the tokens table", async () => {
    const { page } = await loggedIn();
    const tokens = findable();
    // Search by symbol: the rows are exactly the tokens whose name or symbol contains it.
    const probe = tokens.find((t) => /^[A-Z]+\d+$/.test(t.symbol))!;
    await page.goto(url("/tokens"));
    await page.getByLabel("Search", { exact: true }).fill(probe.symbol);
    await page.getByRole("button", { name: "Show" }).click();
    const q = probe.symbol.toLowerCase();
    const matching = tokens.filter((t) => t.name.toLowerCase().includes(q) || t.symbol.toLowerCase().includes(q));
    expect(new Set(await tableAddresses(page))).toEqual(new Set(matching.map((t) => t.tokenAddress)));

    // Search by creator address.
    const creator = probe.creator;
    await page.getByLabel("Search", { exact: true }).fill(creator);
    await page.getByRole("button", { name: "Show" }).click();
    expect(new Set(await tableAddresses(page))).toEqual(new Set(sim.chain.creatorTokens(creator).map((t) => t.tokenAddress)));

    // Sort by holders (click the header), then page through everything with Next.
    await page.goto(url("/tokens"));
    await page.locator("th a[data-sort=holders]").click();
    await page.waitForURL(/sort=holders/);
    expect(await page.locator("th[aria-sort]").getAttribute("aria-sort")).toBe("descending");
    const expected = [...tokens]
      .sort((a, b) => b.holdersCount - a.holdersCount || (a.tokenAddress < b.tokenAddress ? 1 : -1))
      .map((t) => t.tokenAddress);
    const seen: string[] = [];
    for (let pageNo = 1; pageNo <= Math.ceil(expected.length / PAGE_SIZE); pageNo++) {
      const rows = await tableAddresses(page);
      expect(rows, `page ${pageNo}`).toEqual(expected.slice(seen.length, seen.length + PAGE_SIZE));
      seen.push(...rows);
      if (seen.length < expected.length) {
        await page.getByRole("link", { name: "Next page" }).click();
        await page.waitForURL(new RegExp(`page=${pageNo + 1}`));
      }
    }
    expect(seen).toEqual(expected);
    expect(await page.getByRole("link", { name: "Next page" }).count()).toBe(0);

    // Market cap, lowest first: compared as exact integers, not as text.
    await page.goto(url("/tokens?sort=market_cap&order=asc"));
    const byCap = [...tokens].sort((a, b) => (a.marketCap < b.marketCap ? -1 : a.marketCap > b.marketCap ? 1 : a.tokenAddress < b.tokenAddress ? -1 : 1));
    expect(await tableAddresses(page)).toEqual(byCap.slice(0, PAGE_SIZE).map((t) => t.tokenAddress));
    await screenshot(page, "dashboard-tokens");
    await page.close();
  });

  test("'sync now' on a token's page reads it from the chain and shows the stored row", async () => {
    const { page } = await loggedIn();
    const token = findable().find((t) => t.holdersCount > 0 && t.xlmRaised > 0n)!;
    // Make the stored row stale; no event names the token, so only "sync now" can repair it.
    await db.sql(`UPDATE tokens SET holders_count = 0, xlm_raised = 1 WHERE address = $1`, [token.tokenAddress]);
    await page.goto(url(`/tokens/${token.tokenAddress}`));
    expect(await page.locator("#f-holders").textContent()).toBe("0");
    await page.getByRole("button", { name: "Sync now" }).click();
    await expect.poll(() => page.locator("#action-result").textContent(), { timeout: 20_000 }).toContain(`Synced token ${token.tokenAddress}`);
    expect(await page.locator("#f-holders").textContent()).toBe(formatInteger(token.holdersCount));
    // Exact: the raw stroops on hover are the chain's i128, the text its 7-decimal rendering.
    const raised = page.locator("#f-xlm-raised data");
    expect(await raised.getAttribute("title")).toBe(`${token.xlmRaised} stroops`);
    const whole = token.xlmRaised / 10_000_000n;
    const fraction = (token.xlmRaised % 10_000_000n).toString().padStart(7, "0");
    expect(await raised.textContent()).toBe(`${whole.toLocaleString("en-US")}.${fraction} XLM`);
    expect(await page.locator("#f-discovered").textContent()).toMatch(/^(events|storage)/);
    await screenshot(page, "dashboard-token");
    await page.close();
  });

  test("a creator scan and a sync by address store the missing tokens and show the result", async () => {
    const { page } = await loggedIn();
    const [dormant, other] = sim.scenario.dormantCreators;
    const theirs = sim.chain.creatorTokens(dormant!);
    await page.goto(url("/"));
    const missingBefore = Number((await page.locator("#missing-count").textContent())!.replace(/,/g, ""));
    expect(missingBefore).toBe(sim.chain.tokens.length - findable().length);

    await page.goto(url("/actions"));
    await page.getByLabel("Creator address").fill(dormant!);
    await page.getByRole("button", { name: "Scan creator" }).click();
    const result = page.locator("#action-result");
    await expect.poll(() => result.textContent(), { timeout: 20_000 }).toContain(`Scanned creator ${dormant}: ${theirs.length} token`);
    await page.getByRole("link", { name: "Show this creator's tokens" }).click();
    expect(new Set(await tableAddresses(page))).toEqual(new Set(theirs.map((t) => t.tokenAddress)));

    const single = other ? sim.chain.creatorTokens(other)[0]! : undefined;
    if (single) {
      await page.goto(url("/actions"));
      await page.getByLabel("Token address").fill(single.tokenAddress);
      await page.getByRole("button", { name: "Sync token" }).click();
      await expect.poll(() => result.textContent(), { timeout: 20_000 }).toContain(`Synced token ${single.tokenAddress}`);
    }
    // A bad address is refused with its reason, and nothing is written.
    await page.goto(url("/actions"));
    await page.getByLabel("Token address").fill("CNOTANADDRESS");
    await page.getByRole("button", { name: "Sync token" }).click();
    await expect.poll(() => page.locator(".notice.error").textContent(), { timeout: 20_000 }).toContain(`"CNOTANADDRESS" is not valid`);

    await page.goto(url("/"));
    const stored = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM tokens`);
    await expect.poll(() => page.locator("#stored-count strong").first().textContent(), { timeout: 20_000 }).toBe(formatInteger(stored[0]!.n));
    expect(stored[0]!.n).toBe(findable().length + theirs.length + (single ? 1 : 0));
    await page.close();
  });

  test("a full resync runs and reports when it finishes", async () => {
    const { page } = await loggedIn();
    await page.goto(url("/actions"));
    await page.getByRole("button", { name: "Start full resync" }).click();
    await expect.poll(() => page.locator("#action-result").textContent(), { timeout: 30_000 }).toMatch(/Full resync finished/);
    await page.goto(url("/"));
    await expect.poll(() => page.locator("#runs tbody tr").first().locator("td").nth(1).textContent(), { timeout: 20_000 }).toBe("serve:full");
    await page.close();
  });

  test("hostile names render as text, open no dialog and leave the layout intact at 375 and 1440 px", async () => {
    for (const viewport of [{ width: 375, height: 800 }, { width: 1440, height: 900 }]) {
      const { page, dialogs } = await loggedIn(viewport);
      const details = Object.entries(hostile).map(([key, token]) => ({ key: key as keyof typeof HOSTILE, path: `/tokens/${token.tokenAddress}` }));
      for (const { path, key } of [{ path: "/", key: undefined }, { path: "/tokens?q=alert", key: undefined }, ...details]) {
        await page.goto(url(path));
        // Nothing from the chain became markup: no image, no script beyond the dashboard's own, no handlers.
        expect(await page.locator("main img, main script, [onload], [onerror]").count(), path).toBe(0);
        expect(await horizontalOverflow(page), `${path} at ${viewport.width}px`).toBeLessThanOrEqual(0);
        if (key) {
          expect(await page.locator("#f-name bdi").textContent(), key).toBe(SHOWN[key]);
          // Shown as text, never as a link or an image.
          expect(await page.locator("#f-image-url a, #f-image-url img").count()).toBe(0);
        }
        if (key === "script") {
          // The 1 MB description is on its page in full (lists cut long text).
          expect(await page.locator("#f-description bdi").evaluate((e) => e.textContent!.length)).toBe(hostile.script.description.length);
        }
        if (path === "/tokens?q=alert") expect(await page.locator("#tokens tbody tr").count()).toBeGreaterThanOrEqual(2);
      }
      expect(dialogs).toEqual([]);
      if (viewport.width === 375) await screenshot(page, "dashboard-token-375");
      await page.close();
    }
  });

  test("bidi, C0 and C1 controls in names are shown by name and never applied; right-to-left names read right to left", async () => {
    const { page } = await loggedIn({ width: 1440, height: 900 });
    const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);
    const decreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x < xs[i - 1]!);
    const rawControls = async () => [...(await pageText(page)).matchAll(RAW_CONTROL)].map((m) => m[0]);

    for (const { token, shown } of spoofed) {
      await page.goto(url(`/tokens/${token.tokenAddress}`));
      expect(await page.locator("#f-name bdi").innerText(), shown).toBe(shown);
      expect(await page.locator("#f-symbol bdi").innerText(), shown).toBe(shown);
      expect(await page.locator("#f-description bdi").innerText(), shown).toBe(`${shown}\n${shown}`);
      // Drawn in logical order, left to right: nothing reordered it (an applied RLO draws "nekoT" for "Token").
      expect(increasing(await drawnAt(page, "#f-name bdi")), shown).toBe(true);
      expect(await rawControls(), shown).toEqual([]);
    }
    for (const token of rtl) {
      await page.goto(url(`/tokens/${token.tokenAddress}`));
      expect(await page.locator("#f-name bdi").innerText()).toBe(token.name);
      // A legitimate right-to-left name still reads right to left inside its isolate.
      expect(decreasing(await drawnAt(page, "#f-name bdi")), token.name).toBe(true);
    }
    // The lists show the same: the tokens table (newest first) and the overview's newest launches.
    await page.goto(url("/tokens"));
    for (const { token, shown } of spoofed) {
      const cells = page.locator(`#tokens tr[data-address="${token.tokenAddress}"] td bdi`);
      expect(await cells.nth(0).innerText(), shown).toBe(shown);
      // The symbol cell cuts at 16 characters of the stored text: what it shows starts the full visible form.
      const symbol = await cells.nth(1).innerText();
      expect(symbol.length > 0 && shown.startsWith(symbol), `${symbol} of ${shown}`).toBe(true);
    }
    expect(await rawControls()).toEqual([]);
    await page.goto(url("/"));
    expect(await page.locator("#newest bdi").count()).toBeGreaterThan(0);
    expect(await rawControls()).toEqual([]);
    await screenshot(page, "dashboard-bidi");
    await page.close();
  });

  test("keyboard: the skip link comes first, every control has a label, and a refresh keeps the focus", async () => {
    const { page } = await loggedIn({ width: 375, height: 800 });
    for (const path of ["/", "/tokens", "/actions"]) {
      await page.goto(url(path));
      await page.keyboard.press("Tab");
      expect((await focused(page)).text).toBe("Skip to content");
      await page.keyboard.press("Enter");
      expect((await focused(page)).id).toBe("main");
      expect(await unlabelledControls(page), path).toEqual([]);
    }
    // The overview's refresh never takes the focus away: it waits while the focus is inside, and goes on after.
    await page.goto(url("/"));
    const link = page.locator("#newest a").first();
    await link.focus();
    const name = await link.textContent();
    const stamp = await page.locator(".live-state").textContent();
    await page.waitForTimeout(3_000); // more than the 2 s refresh interval
    expect(await focused(page)).toEqual({ id: "", text: name });
    expect(await page.locator(".live-state").textContent()).toBe(stamp);
    await page.locator("h1").click();
    await expect.poll(() => page.locator(".live-state").textContent(), { timeout: 20_000 }).not.toBe(stamp);

    // Tabbing from the search box reaches the submit button, and Enter submits the search.
    await page.goto(url("/tokens"));
    await page.getByLabel("Search", { exact: true }).focus();
    await page.keyboard.type("zzz-no-such-token");
    await page.keyboard.press("Enter");
    await page.waitForURL(/q=zzz-no-such-token/);
    expect(await page.locator("#no-tokens").count()).toBe(1);
    await page.close();
  });
});
