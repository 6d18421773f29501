// Runs `sync-tokens watch` or `sync-tokens serve` until SIGINT/SIGTERM: a thin shell over startLive() and, for
// serve, createServer(). It validates the flags, prints progress on stderr (and --json lines on stdout), and
// turns the outcome into an exit status: 0 after a signal, 75 when watch finds the lock taken, 1 otherwise.
import { ConfigError } from "../config.ts";
import { FatalError, LockedError, messageOf } from "../errors.ts";
import { safe, toJson } from "../report.ts";
import type { SyncReport } from "../session.ts";
import { streamLogger, type LevelLogger } from "../runtime/logger.ts";
import { Metrics } from "../runtime/metrics.ts";
import { ShutdownRegistry } from "../runtime/shutdown.ts";
import type { FollowerState } from "./actions.ts";
import type { LiveIo } from "./commands.ts";
import { startLive, type Live } from "./live.ts";
import { webhookOptions } from "../webhooks/cli.ts";
import { webhookService } from "../webhooks/live-service.ts";

const EXIT = { ok: 0, fatal: 1, locked: 75 } as const;

export async function runLive(mode: "watch" | "serve", opts: Record<string, unknown>, io: LiveIo): Promise<number> {
  let logger: LevelLogger;
  try {
    logger = streamLogger(io.stderr, io.env);
  } catch (error) {
    io.stderr.write(`sync-tokens: error: ${messageOf(error)}\n`); // a bad LOG_LEVEL or LOG_FORMAT
    return EXIT.fatal;
  }
  const shutdown = new ShutdownRegistry(logger);
  const onSignal = (signal: NodeJS.Signals) => {
    logger.warn(`${signal} received: finishing the current batch, then stopping`);
    void shutdown.shutdown(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let live: Live | null = null;
  try {
    const pollIntervalMs = optionalInt(opts.pollInterval ?? io.env.SYNC_POLL_INTERVAL_MS, "--poll-interval (ms)", 50, 600_000);
    const metrics = new Metrics({ storedTokens: async () => (live ? await live.actions.storedTokens() : null) });
    const common = { logger, metrics, shutdown };
    // The server's settings are checked before anything connects, so that a typo fails at once.
    const serverSettings = mode === "serve" ? await serveSettings(opts, io.env) : null;
    live = await startLive({
      mode,
      common,
      session: {
        network: opts.network as string | undefined,
        rpcUrl: opts.rpcUrl as string | undefined,
        networkPassphrase: opts.networkPassphrase as string | undefined,
        contractId: opts.contractId as string | undefined,
        creators: opts.creator as string[] | undefined,
        concurrency: opts.concurrency as string | undefined,
        timeoutMs: opts.timeout as string | undefined,
        databaseUrl: opts.databaseUrl as string | undefined,
        dataDir: opts.dataDir as string | undefined,
        allowHttp: opts.allowHttp === true ? true : undefined,
        webhook: webhookOptions(opts),
        env: io.env,
        // A pass's own lines (events scanned, nodes behind) come every ledger: debug; the progress line sums it up.
        logger: { info: (m) => logger.debug(m), warn: (m) => logger.warn(m) },
      },
      services: [webhookService()],
      ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
      onBatch: (report, state) => {
        // One info line per pass that read tokens; an idle ledger is a debug line.
        const read = report.synced + report.unchanged + report.failed.length;
        (read > 0 ? logger.info : logger.debug)(progressLine(report, state));
        if (opts.json === true) io.stdout.write(`${toJson(report)}\n`);
      },
    });
    if (serverSettings) {
      const [{ createServer }, { dashboardMount }, { AuthThrottle }] = await Promise.all([
        import("../server/server.ts"),
        import("../server/dashboard/mount.ts"),
        import("../server/auth-throttle.ts"),
      ]);
      // One budget of wrong admin tokens per client, whether guessed at the login form or the admin API.
      const adminThrottle = new AuthThrottle(logger);
      const dashboard = dashboardMount({ live, common, adminToken: serverSettings.server.tokens.adminToken, session: serverSettings.session, adminThrottle, trustProxyHops: serverSettings.server.trustProxyHops });
      const server = createServer({ common, actions: live.actions, ...serverSettings.server, adminThrottle, mounts: [dashboard] });
      const running = await server.listen(serverSettings.listen);
      logger.info(`listening on ${running.url} (POST /api/sync-token, GET /api/tokens, /api/status, /health, /ready, /metrics; the dashboard at /)`);
    }
    await live.done;
    await shutdown.shutdown("stopped");
    return EXIT.ok;
  } catch (error) {
    await shutdown.shutdown("failed");
    if (shutdown.signal.reason === "SIGINT" || shutdown.signal.reason === "SIGTERM") {
      if (!(error instanceof LockedError)) return EXIT.ok;
    }
    const message = safe(messageOf(error).trim().split("\n")[0] ?? "", 1000);
    if (error instanceof LockedError) {
      io.stderr.write(`sync-tokens: ${message}; exiting (75)\n`);
      return EXIT.locked;
    }
    const known = error instanceof ConfigError || error instanceof FatalError;
    io.stderr.write(`sync-tokens: error: ${known ? message : `unexpected failure: ${message}`}\n`);
    return EXIT.fatal;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function serveSettings(opts: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const [{ AuthConfigError, parseApiTokens }, { parseTrustProxy }, { parseAllowedHosts }, { CONNECTION_DEFAULTS }] = await Promise.all([
    import("../server/auth.ts"),
    import("../server/client-address.ts"),
    import("../server/host-allowlist.ts"),
    import("../server/connection-limits.ts"),
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
  const port = optionalInt(opts.port ?? env.PORT, "port", 0, 65_535) ?? 4000;
  const host = ((opts.host as string | undefined) ?? env.HOST)?.trim() || "127.0.0.1";
  if (/\s/.test(host)) throw new ConfigError(`host ${JSON.stringify(host)} is not valid: expected an address such as 127.0.0.1 or 0.0.0.0`);
  const rateLimitPerMinute = optionalInt(env.SYNC_RATE_LIMIT, "SYNC_RATE_LIMIT", 0, 1_000_000) ?? 60;
  const readRateLimitPerMinute = optionalInt(env.SYNC_READ_RATE_LIMIT, "SYNC_READ_RATE_LIMIT", 0, 1_000_000) ?? 600;
  const connections = {
    maxConnections: optionalInt(env.SYNC_MAX_CONNECTIONS, "SYNC_MAX_CONNECTIONS", 1, 1_000_000) ?? CONNECTION_DEFAULTS.maxConnections,
    connectionsPerClient: optionalInt(env.SYNC_CONNECTIONS_PER_CLIENT, "SYNC_CONNECTIONS_PER_CLIENT", 0, 1_000_000) ?? CONNECTION_DEFAULTS.connectionsPerClient,
  };
  const corsOrigin = env.SYNC_CORS_ORIGIN?.trim() || "*";
  const idleSeconds = optionalInt(env.SYNC_SESSION_IDLE_SECONDS, "SYNC_SESSION_IDLE_SECONDS", 1, 43_200);
  const secure = env.SYNC_COOKIE_SECURE?.trim() ?? "";
  if (!/^(|0|1)$/.test(secure)) throw new ConfigError(`SYNC_COOKIE_SECURE ${JSON.stringify(secure.slice(0, 40))} is not valid: expected 1 (always Secure) or 0 (by request)`);
  const session = { forceSecure: secure === "1", ...(idleSeconds === undefined ? {} : { idleSeconds }) };
  return {
    listen: { port, host },
    server: { tokens, rateLimitPerMinute, readRateLimitPerMinute, trustProxyHops, allowedHosts, connections, corsOrigin },
    session,
  };
}

function optionalInt(value: unknown, label: string, min: number, max: number): number | undefined {
  if (value === undefined || (typeof value === "string" && value.trim() === "")) return undefined;
  const text = String(value).trim();
  const n = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${label} ${JSON.stringify(text)} is not valid: expected a whole number from ${min} to ${max}`);
  return n;
}

function progressLine(report: SyncReport, state: FollowerState): string {
  const { from, to } = report.cursor;
  const range = from === null || to === null || from > to ? `ledger ${report.latestLedger}` : from === to ? `ledger ${to}` : `ledgers ${from}..${to}`;
  const lag = state.latestLedger !== null && to !== null ? Math.max(0, state.latestLedger - to) : 0;
  const failed = report.failed.length > 0 ? `, ${report.failed.length} failed` : "";
  return `${range}: ${report.synced} written, ${report.unchanged} unchanged${failed}; ${lag} behind; ${report.durationMs} ms`;
}
