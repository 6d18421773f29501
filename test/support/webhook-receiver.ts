// A webhook receiver on 127.0.0.1 for the tests: it checks every request's signature with the standardwebhooks
// library (as a real receiver would), records what arrived, and answers as the test tells it to.
import { Webhook } from "standardwebhooks";
import { startLocalServer, type LocalServer, type SeenRequest } from "./local-http.ts";
import type { ServerResponse } from "node:http";

export interface Delivery {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, any>;
  /** When the request arrived (ms since the epoch). */
  at: number;
  body: string;
}

export interface Receiver {
  url: string;
  /** Every verified request, answered or not, in arrival order. */
  attempts: Delivery[];
  /** Requests whose signature did not verify (must stay empty). */
  rejected: string[];
  /** Most requests carrying one webhook-id that were in progress at once. */
  maxConcurrentPerId(): number;
  /** Distinct deliveries answered 2xx, first arrival of each id, in arrival order. */
  delivered(): Delivery[];
  close(): Promise<void>;
}

/** Answers a verified delivery; returns the status (and optionally headers), or waits as long as it likes. */
export type Respond = (d: Delivery, nth: number) => Promise<{ status: number; headers?: Record<string, string> }> | { status: number; headers?: Record<string, string> };

export async function startReceiver(secret: string, respond: Respond = () => ({ status: 204 })): Promise<Receiver> {
  const wh = new Webhook(secret);
  const attempts: Delivery[] = [];
  const rejected: string[] = [];
  const ok = new Map<string, Delivery>();
  const inProgress = new Map<string, number>();
  let maxConcurrent = 0;
  const server: LocalServer = await startLocalServer(async (req: SeenRequest, res: ServerResponse) => {
    let payload: { type: string; timestamp: string; data: Record<string, any> };
    try {
      payload = wh.verify(req.body, req.headers as Record<string, string>) as typeof payload;
    } catch (error) {
      rejected.push(`${(error as Error).message}: ${req.body.slice(0, 200)}`);
      res.writeHead(400);
      res.end();
      return;
    }
    const id = String(req.headers["webhook-id"]);
    const d: Delivery = { id, type: payload.type, timestamp: payload.timestamp, data: payload.data, at: Date.now(), body: req.body };
    attempts.push(d);
    const now = (inProgress.get(id) ?? 0) + 1;
    inProgress.set(id, now);
    maxConcurrent = Math.max(maxConcurrent, now);
    try {
      const answer = await respond(d, attempts.filter((a) => a.id === id).length);
      if (answer.status >= 200 && answer.status < 300 && !ok.has(id)) ok.set(id, d);
      if (!res.destroyed) {
        res.writeHead(answer.status, answer.headers);
        res.end();
      }
    } finally {
      inProgress.set(id, inProgress.get(id)! - 1);
    }
  });
  return {
    url: `${server.url}hook`,
    attempts,
    rejected,
    maxConcurrentPerId: () => maxConcurrent,
    delivered: () => [...ok.values()],
    close: () => server.close(),
  };
}

/** Resolves when `check` holds, polling every 20 ms; fails after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
