// Remote endpoints (the RPC, webhook receivers, data lakes) are https: plain http would carry keys and data in the
// clear. Plain http is allowed to this machine, or everywhere with ALLOW_HTTP (--allow-http).
import { ConfigError } from "../internal/errors.ts";
import { redactUnparsedUrl, redactUrl } from "../internal/redact.ts";

/** An http(s) URL with a host; plain http only to this machine or with allowHttp. Used for every remote endpoint. */
export function validateHttpUrl(raw: string, allowHttp: boolean, label = "RPC URL"): string {
  const url = parseUrl(raw);
  // `localhost:8000` and `user:key@host` parse as opaque URLs with a made-up scheme: not what anyone meant.
  if (url === undefined || url.host === "") {
    throw new ConfigError(`${label} ${JSON.stringify(redactUnparsedUrl(raw))} is not a URL: expected https://host[:port]/path`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`${label} ${redactUrl(raw)} uses ${url.protocol}//: expected http:// or https://`);
  }
  if (url.protocol === "http:" && !allowHttp && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `${label} ${redactUrl(raw)} is plain http to a non-local host: use https://, or pass --allow-http (ALLOW_HTTP=1) if you mean it`,
    );
  }
  return raw;
}

/** Loopback names and addresses (RFC 6761 `.localhost` included), which browsers also trust over plain http. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}
