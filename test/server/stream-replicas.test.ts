// GET /api/stream on every replica: two `serve` processes (the real CLI) on one PostgreSQL, the leader following
// the chain and a standby. A launch on the simulator reaches a Node `eventsource` client and Chromium's own
// EventSource on a page, on the leader and on the standby alike, as the same event (the outbox's id).
import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startSimnet } from "../simnet/index.ts";
import { launchBrowser } from "../support/browser.ts";
import { createTestDatabase } from "../support/databases.ts";
import { http } from "../support/live.ts";
import { waitFor } from "../support/wait.ts";
import { cliEnv } from "../support/cli.ts";
import { startServe } from "../support/serve-process.ts";
import { listen } from "../support/sse-client.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

interface PageEvent {
  type: string;
  id: string;
  address: string;
}

/** Opens the page's own EventSource on the server that served it; its events collect in window.streamed. */
async function browserStream(page: Page, origin: string): Promise<() => Promise<PageEvent[]>> {
  await page.goto(`${origin}/health`);
  await page.evaluate(`(() => {
    window.streamed = [];
    window.source = new EventSource("/api/stream?types=token.added");
    window.source.addEventListener("token.added", (e) => {
      window.streamed.push({ type: e.type, id: e.lastEventId, address: JSON.parse(e.data).data.address });
    });
    return new Promise((resolve) => window.source.addEventListener("open", () => resolve(true)));
  })()`);
  return () => page.evaluate("window.streamed") as Promise<PageEvent[]>;
}

describe("the event stream on the leader and on a standby", () => {
  it("a launch reaches eventsource and Chromium's EventSource on both replicas, as the same event", async () => {
    const sim = await startSimnet({ scenario: { seed: 73, tokens: 10, creators: 3 } });
    const db = await createTestDatabase("postgres");
    cleanups.push(() => sim.close(), () => db.drop());
    const env = cliEnv(sim, db, { SYNC_POLL_INTERVAL_MS: "200" });
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());

    const a = await startServe(env, cleanups);
    await waitFor("A to be ready", async () => (await http(`${a.url}/ready`)).status === 200, 60_000);
    const b = await startServe(env, cleanups);
    await waitFor("B to stand by", async () => (await b.role()) === "standby", 60_000);
    expect(await a.role()).toBe("leader");

    const nodeClients = [listen(`${a.url}/api/stream`), listen(`${b.url}/api/stream`)];
    cleanups.push(async () => nodeClients.forEach((c) => c.close()));
    const pages = [await browser.newPage(), await browser.newPage()];
    const pageEvents = [await browserStream(pages[0]!.page, a.url), await browserStream(pages[1]!.page, b.url)];
    await waitFor("the Node clients to open", () => nodeClients.every((c) => c.opens === 1));

    const launched = sim.chain.launchToken({ name: "Seen everywhere", symbol: "EVRY" });
    const [row] = await waitFor("the launch's event in the outbox", async () => {
      const rows = await db.sql<{ id: string }>(`SELECT id::text AS id FROM webhook_events WHERE type = 'token.added' AND token_address = $1`, [launched.tokenAddress]);
      return rows.length > 0 && rows;
    }, 30_000);
    for (const [i, client] of nodeClients.entries()) {
      const event = await waitFor(`the launch on ${i === 0 ? "the leader" : "the standby"} (eventsource)`, () => client.about(launched.tokenAddress)[0], 30_000);
      expect([event.type, event.id, event.body.data.name]).toEqual(["token.added", row!.id, "Seen everywhere"]);
    }
    for (const [i, read] of pageEvents.entries()) {
      const event = await waitFor(`the launch on ${i === 0 ? "the leader" : "the standby"} (Chromium)`, async () => (await read()).find((e) => e.address === launched.tokenAddress), 30_000);
      expect(event).toEqual({ type: "token.added", id: row!.id, address: launched.tokenAddress });
    }
    expect(pages.flatMap((p) => p.dialogs)).toEqual([]);

    for (const s of [b, a]) {
      s.child.kill("SIGTERM");
      expect((await s.done).code).toBe(0);
    }
  }, 300_000);
});
