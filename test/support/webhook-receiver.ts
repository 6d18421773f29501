// A webhook receiver on 127.0.0.1 for the tests: it checks every request's signature by its own HMAC-SHA256 of
// `id.timestamp.body` (the Standard Webhooks scheme, with node:crypto only: not the library that signs them, so a
// fault shared by signer and verifier cannot hide), records what arrived, and answers as the test tells it to.
import crypto from "node:crypto";
import { startLocalServer, type LocalServer, type SeenRequest } from "./local-http.ts";
import type { ServerResponse } from "node:http";

/** How far a webhook-timestamp may be from now, as a receiver following the scheme allows. */
const TOLERANCE_S = 5 * 60;

/**
 * The payload when the request's Standard Webhooks headers sign its body under `secret` (`whsec_` + base64 key);
 * throws naming what is wrong otherwise.
 */
export function verifySignature(secret: string, headers: SeenRequest["headers"], body: string): unknown {
  const header = (name: string) => {
    const v = headers[name];
    if (typeof v !== "string" || v === "") throw new Error(`missing ${name} header`);
    return v;
  };
  const id = header("webhook-id");
  const timestamp = header("webhook-timestamp");
  const signatures = header("webhook-signature");
  if (!/^\d{1,12}$/.test(timestamp)) throw new Error(`webhook-timestamp ${JSON.stringify(timestamp)} is not whole seconds`);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_S) throw new Error(`webhook-timestamp ${timestamp} is too far from now`);
  if (!secret.startsWith("whsec_")) throw new Error("the secret does not start with whsec_");
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = crypto.createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8").digest();
  // The header is a space-separated list of `v1,<base64>`: one match is enough (a receiver rotating secrets).
  const match = signatures.split(" ").some((entry) => {
    const [version, sig] = entry.split(",", 2);
    const given = Buffer.from(sig ?? "", "base64");
    return version === "v1" && given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
  if (!match) throw new Error(`no v1 signature in ${JSON.stringify(signatures)} matches`);
  return JSON.parse(body);
}

export interface Delivery {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, any>;
  /** When the request arrived (ms since the epoch). */
  at: number;
  body: string;
  /** The sender's port on 127.0.0.1 (see socket-owner.ts). */
  remotePort: number;
}

export interface Receiver {
  url: string;
  /** Every verified request, answered or not, in arrival order. */
  attempts: Delivery[];
  /** Requests whose signature did not verify (must stay empty). */
  rejected: string[];
  /** Most requests carrying one webhook-id that were in progress at once. */
  maxConcurrentPerId(): number;
  /**
   * Distinct deliveries answered 2xx on a connection still open (a sender that died or gave up before the answer
   * never learnt of it), first of each id, in the order they were answered.
   */
  delivered(): Delivery[];
  /** How many times each id was answered 2xx on an open connection: exactly-once means 1 for every id. */
  acceptedPerId(): Map<string, number>;
  close(): Promise<void>;
}

/** Answers a verified delivery; returns the status (and optionally headers), or waits as long as it likes. */
export type Respond = (d: Delivery, nth: number) => Promise<{ status: number; headers?: Record<string, string> }> | { status: number; headers?: Record<string, string> };

export async function startReceiver(secret: string, respond: Respond = () => ({ status: 204 })): Promise<Receiver> {
  const attempts: Delivery[] = [];
  const rejected: string[] = [];
  const ok = new Map<string, Delivery>();
  const accepted = new Map<string, number>();
  const inProgress = new Map<string, number>();
  let maxConcurrent = 0;
  const server: LocalServer = await startLocalServer(async (req: SeenRequest, res: ServerResponse) => {
    let payload: { type: string; timestamp: string; data: Record<string, any> };
    try {
      payload = verifySignature(secret, req.headers, req.body) as typeof payload;
    } catch (error) {
      rejected.push(`${(error as Error).message}: ${req.body.slice(0, 200)}`);
      res.writeHead(400);
      res.end();
      return;
    }
    const id = String(req.headers["webhook-id"]);
    const d: Delivery = { id, type: payload.type, timestamp: payload.timestamp, data: payload.data, at: Date.now(), body: req.body, remotePort: req.remotePort };
    attempts.push(d);
    const now = (inProgress.get(id) ?? 0) + 1;
    inProgress.set(id, now);
    maxConcurrent = Math.max(maxConcurrent, now);
    try {
      const answer = await respond(d, attempts.filter((a) => a.id === id).length);
      if (!res.destroyed && !req.gone()) {
        if (answer.status >= 200 && answer.status < 300) {
          if (!ok.has(id)) ok.set(id, d);
          accepted.set(id, (accepted.get(id) ?? 0) + 1);
        }
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
    acceptedPerId: () => new Map(accepted),
    close: () => server.close(),
  };
}
