// GET /api/stream (Server-Sent Events) for browsers: the events' types and a subscription over any EventSource
// (the browser's, or the `eventsource` package's in Node), so this module needs no dependency.
import type { components } from "./api-types.ts";

type Token = components["schemas"]["Token"];

/** The webhooks' payloads (docs/webhooks.md): `id:` of each event is the webhook id. */
export interface StreamEvents {
  "token.added": Token & { strategy: Token["discoveredVia"]; ledger: string };
  "token.updated": { address: string; ledger: string; changes: { [K in keyof Token]?: { old: Token[K]; new: Token[K] } } };
  "token.graduated": Pick<Token, "address" | "name" | "symbol" | "status" | "xlmRaised" | "marketCap"> & { ledger: string; previousStatus: Token["status"] };
  /** A trade on a bonding curve; its fields follow the trades table once it exists. */
  trade: { address: string; ledger: string } & Record<string, unknown>;
}
export type StreamEventType = keyof StreamEvents;

/** What the subscription needs of an EventSource (the WHATWG one fits). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: { data: string; lastEventId: string }) => void): void;
  close(): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

export interface StreamOptions<T extends StreamEventType> {
  /** The service's origin. */
  baseUrl: string;
  /** `globalThis.EventSource` in a browser; `EventSource` from the `eventsource` package in Node. */
  EventSource: EventSourceConstructor;
  /** The event types wanted (default all). */
  types?: T[];
  /** Only this token's events. */
  token?: string;
}

const ALL: StreamEventType[] = ["token.added", "token.updated", "token.graduated", "trade"];

/** Subscribes to /api/stream; `on` gets each event's type, data and id. Returns the close function. */
export function subscribeStream<T extends StreamEventType = StreamEventType>(
  options: StreamOptions<T>,
  on: <K extends T>(type: K, data: StreamEvents[K], id: string) => void,
): () => void {
  const types = options.types ?? (ALL as T[]);
  const query = new URLSearchParams();
  if (options.types) query.set("types", types.join(","));
  if (options.token) query.set("token", options.token);
  const qs = query.toString();
  const source = new options.EventSource(`${options.baseUrl.replace(/\/+$/, "")}/api/stream${qs ? `?${qs}` : ""}`);
  for (const type of types) source.addEventListener(type, (event) => on(type, JSON.parse(event.data) as StreamEvents[typeof type], event.lastEventId));
  return () => source.close();
}
