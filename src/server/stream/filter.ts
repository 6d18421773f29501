// What one stream asks for: `?types=` (a comma list of event types) and `?token=` (one token's events). Checked at
// the edge: an unknown type or a bad address answers 400 naming it, before the stream opens.
import { EVENT_TYPES } from "../../config/webhooks.ts";
import { InvalidArgumentError, validArgument } from "../../live/errors.ts";

/** The outbox's event types, and `trade` (market data) once the outbox records it. */
export const STREAM_TYPES = [...EVENT_TYPES, "trade"] as const;
type StreamType = (typeof STREAM_TYPES)[number];

export interface StreamFilter {
  types: readonly StreamType[];
  /** One token's contract address, or null for every token. */
  token: string | null;
}

export function parseStreamFilter(query: { types?: string | undefined; token?: string | undefined }): StreamFilter {
  const types = parseTypes(query.types);
  if (query.token === undefined || query.token === "") return { types, token: null };
  return { types, token: validArgument(query.token, "token", ["contract"]) };
}

function parseTypes(raw: string | undefined): readonly StreamType[] {
  const items = (raw ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) return STREAM_TYPES;
  for (const item of items) {
    if (!(STREAM_TYPES as readonly string[]).includes(item)) {
      throw new InvalidArgumentError(`event type ${JSON.stringify(item.slice(0, 60))} is unknown: expected ${STREAM_TYPES.join(", ")}`);
    }
  }
  return STREAM_TYPES.filter((t) => items.includes(t));
}

export function matches(filter: StreamFilter, event: { type: string; token: string }): boolean {
  return (filter.types as readonly string[]).includes(event.type) && (filter.token === null || filter.token === event.token);
}
