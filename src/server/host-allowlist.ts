// An optional allowlist of the names a request may address (SYNC_ALLOWED_HOSTS): against DNS rebinding, where a
// web page makes its own host name resolve to 127.0.0.1 and reads a local instance as a same-origin page. The
// browser still sends the page's name in Host, so a request for a name not on the list is refused.
import { ConfigError } from "../internal/errors.ts";

/** SYNC_ALLOWED_HOSTS: comma-separated host names (no port); unset or empty: any Host is accepted. */
export function parseAllowedHosts(raw: string | undefined): string[] | null {
  const names = (raw ?? "").split(/[\s,]+/).filter(Boolean).map((n) => n.toLowerCase());
  if (names.length === 0) return null;
  for (const name of names) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/.test(name)) {
      throw new ConfigError(`SYNC_ALLOWED_HOSTS entry ${JSON.stringify(name.slice(0, 60))} is not valid: expected host names such as localhost or api.example.com, without a port`);
    }
  }
  return names;
}

/** The Host header's name, lowercased and without its port: `Example.com:4000` → `example.com`, `[::1]:80` → `[::1]`. */
export function hostName(header: string | undefined): string {
  const host = (header ?? "").trim().toLowerCase();
  const bracketed = /^(\[[^\]]*\])(?::\d*)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  return host.replace(/:\d*$/, "");
}

export function hostAllowed(header: string | undefined, allowed: readonly string[] | null): boolean {
  return allowed === null || allowed.includes(hostName(header));
}
