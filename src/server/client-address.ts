// Who a request comes from, as the key of its rate-limit bucket and connection count. The socket's address,
// unless the operator said how many reverse proxies stand in front (SYNC_TRUST_PROXY=<hops>): then the address
// that many hops from the right of X-Forwarded-For, the part of the header the trusted proxies wrote. IPv6
// clients are keyed by their /64, since one host commonly holds a whole /64 and could rotate through it.
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import net from "node:net";
import { ConfigError } from "../internal/errors.ts";

/** The bucket key of the request's client: an IPv4 address, an IPv6 /64 (`2001:db8:0:1::/64`), or "unknown". */
export function clientKey(c: Context, trustProxyHops: number): string {
  const socket = socketAddress(c);
  if (trustProxyHops <= 0) return addressKey(socket);
  return addressKey(forwardedClient(c.req.header("X-Forwarded-For"), socket ?? "unknown", trustProxyHops));
}

/**
 * The client `hops` proxies away: with `X-Forwarded-For: a, b` from socket peer p, the chain is [a, b, p] and
 * hop 1 is b (what the proxy at p saw). A chain shorter than that gives its leftmost address; an entry that is
 * no IP address (garbage a client sent, when fewer proxies stand in front than configured) gives the socket's.
 */
export function forwardedClient(header: string | undefined, socket: string, hops: number): string {
  const chain = [...(header ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""), socket];
  const picked = chain[Math.max(0, chain.length - 1 - hops)]!;
  const address = stripPort(picked);
  return net.isIP(address) ? address : socket;
}

/** An address as a bucket key: IPv4 as is (also when IPv4-mapped), IPv6 cut to its /64, anything else "unknown". */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return "unknown";
  const plain = address.replace(/%.*$/, ""); // a zone id (fe80::1%eth0) names an interface, not a host
  const kind = net.isIP(plain);
  if (kind === 4) return plain;
  if (kind !== 6) return "unknown";
  const groups = expandIpv6(plain);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

/** SYNC_TRUST_PROXY: the number of reverse proxies in front (0 or unset: none, the socket's peer is the client). */
export function parseTrustProxy(raw: string | undefined): number {
  const text = raw?.trim() ?? "";
  if (text === "" || /^(false|no|off)$/i.test(text)) return 0;
  if (!/^\d{1,2}$/.test(text) || Number(text) > 10) {
    throw new ConfigError(`SYNC_TRUST_PROXY ${JSON.stringify(text.slice(0, 40))} is not valid: expected the number of reverse proxies in front, 0 to 10`);
  }
  return Number(text);
}

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** `1.2.3.4:5678` → `1.2.3.4`, `[2001:db8::1]:443` → `2001:db8::1`; a bare address is returned as is. */
function stripPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4 ? v4[1]! : entry;
}

/** The eight 16-bit groups of a valid IPv6 address (net.isIP checked it), an IPv4 tail included. */
function expandIpv6(address: string): number[] {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}
