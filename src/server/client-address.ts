// The client a request comes from, as the key of its rate limits and the address its log lines name.
// (Minimal version: the socket's remote address; the full one keys IPv6 by /64 and honours trusted proxy hops.)
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

export function clientKey(c: Context, _trustProxyHops: number): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}
