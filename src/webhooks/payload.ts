// What goes on the wire: the event body (`{"type", "timestamp", "data"}`, under 20 KB) and the Standard Webhooks
// headers that sign it. The body is rendered from the stored event the same way on every attempt.
import { Webhook } from "standardwebhooks";

export interface StoredEvent {
  /** The webhook-id: the same on every attempt and replay. */
  id: string;
  type: string;
  createdAt: Date;
  data: Record<string, unknown>;
}

/** Longest JSON encoding of one string in a body: at most 8 creator-supplied strings (old and new) fit 20 KB. */
export const MAX_STRING_BYTES = 2000;
const CUT_MARK = "…";

/** The body; creator-supplied strings too long for it are cut, end with "…", and are listed in data.truncated. */
export function renderBody(event: StoredEvent): string {
  const truncated: string[] = [];
  const data = cutStrings(event.data, "", truncated) as Record<string, unknown>;
  if (truncated.length > 0) data.truncated = truncated;
  return JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data });
}

function cutStrings(value: unknown, path: string, truncated: string[]): unknown {
  if (typeof value === "string") {
    const cut = cutString(value);
    if (cut !== value) truncated.push(path);
    return cut;
  }
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = cutStrings(v, path ? `${path}.${k}` : k, truncated);
  return out;
}

/** The string itself when its JSON encoding fits MAX_STRING_BYTES; else its longest prefix that fits, plus "…". */
function cutString(s: string): string {
  if (s.length * 6 + 2 <= MAX_STRING_BYTES) return s; // no character encodes to more than 6 bytes
  if (Buffer.byteLength(JSON.stringify(s)) <= MAX_STRING_BYTES) return s;
  let bytes = 2 + Buffer.byteLength(CUT_MARK);
  let out = "";
  for (const ch of s) {
    bytes += Buffer.byteLength(JSON.stringify(ch)) - 2;
    if (bytes > MAX_STRING_BYTES) break;
    out += ch;
  }
  return out + CUT_MARK;
}

export type SignedHeaders = Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>;

export class Signer {
  readonly #webhook: Webhook;

  constructor(secret: string) {
    this.#webhook = new Webhook(secret);
  }

  /** The headers of one attempt: the timestamp is the attempt's, so that receivers accept retries. */
  headers(msgId: string, body: string, at = new Date()): SignedHeaders {
    return {
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": this.#webhook.sign(msgId, at, body),
    };
  }
}

/** A new secret in the Standard Webhooks format: `whsec_` + base64 of 32 random bytes. */
export function newSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`;
}
