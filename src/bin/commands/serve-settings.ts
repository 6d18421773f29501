// serve's settings from its flags and the environment, checked before anything connects so that a typo fails at
// once. The server's parsers load here, when serve runs.
import { boundedInt } from "../../config/env-values.ts";
import { ConfigError } from "../../internal/errors.ts";
import type { Flags } from "../flags.ts";

export async function serveSettings(flags: Flags, env: NodeJS.ProcessEnv) {
  const [{ AuthConfigError, parseApiTokens }, { parseTrustProxy }, { parseAllowedHosts }, { CONNECTION_DEFAULTS }, { STREAM_DEFAULTS }, { outboxRetentionMs }] =
    await Promise.all([
      import("../../server/auth.ts"),
      import("../../server/client-address.ts"),
      import("../../server/host-allowlist.ts"),
      import("../../server/connection-limits.ts"),
      import("../../server/stream/routes.ts"),
      import("../../config/webhooks.ts"),
    ]);
  let tokens, trustProxyHops, allowedHosts;
  try {
    tokens = parseApiTokens(env);
    trustProxyHops = parseTrustProxy(env.SYNC_TRUST_PROXY);
    allowedHosts = parseAllowedHosts(env.SYNC_ALLOWED_HOSTS);
  } catch (error) {
    if (error instanceof AuthConfigError) throw new ConfigError(error.message);
    throw error;
  }
  const port = boundedInt(flags.port ?? env.PORT, "port", 0, 65_535) ?? 4000;
  const host = ((flags.host as string | undefined) ?? env.HOST)?.trim() || "127.0.0.1";
  if (/\s/.test(host)) throw new ConfigError(`host ${JSON.stringify(host)} is not valid: expected an address such as 127.0.0.1 or 0.0.0.0`);
  const rateLimitPerMinute = boundedInt(env.SYNC_RATE_LIMIT, "SYNC_RATE_LIMIT", 0, 1_000_000) ?? 60;
  const readRateLimitPerMinute = boundedInt(env.SYNC_READ_RATE_LIMIT, "SYNC_READ_RATE_LIMIT", 0, 1_000_000) ?? 600;
  const connections = {
    maxConnections: boundedInt(env.SYNC_MAX_CONNECTIONS, "SYNC_MAX_CONNECTIONS", 1, 1_000_000) ?? CONNECTION_DEFAULTS.maxConnections,
    connectionsPerClient: boundedInt(env.SYNC_CONNECTIONS_PER_CLIENT, "SYNC_CONNECTIONS_PER_CLIENT", 0, 1_000_000) ?? CONNECTION_DEFAULTS.connectionsPerClient,
  };
  const corsOrigin = env.SYNC_CORS_ORIGIN?.trim() || "*";
  const idleSeconds = boundedInt(env.SYNC_SESSION_IDLE_SECONDS, "SYNC_SESSION_IDLE_SECONDS", 1, 43_200);
  const secure = env.SYNC_COOKIE_SECURE?.trim() ?? "";
  if (!/^(|0|1)$/.test(secure)) throw new ConfigError(`SYNC_COOKIE_SECURE ${JSON.stringify(secure.slice(0, 40))} is not valid: expected 1 (always Secure) or 0 (by request)`);
  const introspection = env.SYNC_GRAPHQL_INTROSPECTION?.trim() ?? "";
  if (!/^(|0|1)$/.test(introspection)) {
    throw new ConfigError(`SYNC_GRAPHQL_INTROSPECTION ${JSON.stringify(introspection.slice(0, 40))} is not valid: expected 1 (on) or 0 (off)`);
  }
  // On while developing; in production only when asked for.
  const graphql = { introspection: introspection === "" ? env.NODE_ENV?.trim() !== "production" : introspection === "1" };
  const session = { forceSecure: secure === "1", ...(idleSeconds === undefined ? {} : { idleSeconds }) };
  // GET /api/stream: SYNC_STREAM_MAX=0 turns it off (and with it the outbox's records when no webhook is set).
  const stream = {
    maxStreams: boundedInt(env.SYNC_STREAM_MAX, "SYNC_STREAM_MAX", 0, 1_000_000) ?? STREAM_DEFAULTS.maxStreams,
    maxPerClient: boundedInt(env.SYNC_STREAM_MAX_PER_CLIENT, "SYNC_STREAM_MAX_PER_CLIENT", 1, 1_000_000) ?? STREAM_DEFAULTS.maxPerClient,
    heartbeatMs: boundedInt(env.SYNC_STREAM_HEARTBEAT_MS, "SYNC_STREAM_HEARTBEAT_MS", 100, 600_000) ?? STREAM_DEFAULTS.heartbeatMs,
    pollMs: boundedInt(env.SYNC_STREAM_POLL_MS, "SYNC_STREAM_POLL_MS", 20, 5_000) ?? STREAM_DEFAULTS.pollMs,
    retentionMs: outboxRetentionMs(env),
  };
  return {
    listen: { port, host },
    stream,
    server: { tokens, rateLimitPerMinute, readRateLimitPerMinute, trustProxyHops, allowedHosts, connections, corsOrigin, graphql },
    session,
  };
}

