// A real EventSource client (the `eventsource` package, the WHATWG EventSource for Node) on GET /api/stream,
// recording what it received: each event's type, id and parsed body, its opens and errors.
import { EventSource } from "eventsource";
import { STREAM_TYPES } from "../../src/server/stream/filter.ts";

export interface ReceivedEvent {
  type: string;
  id: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> } & Record<string, unknown>;
}

export interface SseClient {
  source: EventSource;
  events: ReceivedEvent[];
  opens: number;
  errors: number;
  /** The events naming `address` (data.address). */
  about(address: string): ReceivedEvent[];
  close(): void;
}

/** Opens a stream; `headers` go on every request (the first one too: a Last-Event-ID to resume from). */
export function listen(url: string, headers: Record<string, string> = {}): SseClient {
  const source = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } }),
  });
  const client: SseClient = {
    source,
    events: [],
    opens: 0,
    errors: 0,
    about: (address) => client.events.filter((e) => e.body.data?.address === address),
    close: () => source.close(),
  };
  source.addEventListener("open", () => void client.opens++);
  source.addEventListener("error", () => void client.errors++);
  for (const type of [...STREAM_TYPES, "stream.reset"]) {
    source.addEventListener(type, (e) => void client.events.push({ type, id: e.lastEventId, body: JSON.parse(e.data as string) }));
  }
  return client;
}
