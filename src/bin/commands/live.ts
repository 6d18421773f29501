// `sync-tokens watch` and `sync-tokens serve`: follow the chain until SIGINT/SIGTERM; serve also answers the HTTP
// API and the dashboard. The follower and the HTTP stack load when a command runs (the server for serve alone).
// Exit: 0 after a signal, 75 when watch finds the lock taken, 64 a bad setting, 1 otherwise.
import { Option, type Command } from "commander";
import { LockedError } from "../../internal/errors.ts";
import type { Live } from "../../live/live.ts";
import type { SessionOptions } from "../../sync/session.ts";
import { EXIT, exitHelp, failure } from "../exit.ts";
import { allowHttpFlag, chainFlags, connectionOptions, databaseFlags, durationMs, rpcFlags, type Flags } from "../flags.ts";
import { stderrLogger, type Io } from "../io.ts";
import { outputOf, printBatch } from "../render.ts";
import { onStopSignals } from "../signals.ts";
import type { CommandContext } from "./context.ts";
import { boundedInt, isTrue, nonEmpty } from "../../config/env-values.ts";
import type { HoleFiller } from "../../sync/types.ts";
import type { Logger } from "../../internal/logger.ts";
import { serveSettings } from "./serve-settings.ts";

type Mode = "watch" | "serve";

export function defineLive(program: Command, { io, exitWith }: CommandContext): void {
  const watch = program
    .command("watch")
    .description("sync once, then follow the chain ledger by ledger until SIGINT/SIGTERM")
    .addHelpText("after", exitHelp("stopped by SIGINT/SIGTERM"));
  followFlags(watch).action((_flags: Flags, command: Command) => exitWith(runLive("watch", command.optsWithGlobals(), io)));

  const serve = program
    .command("serve")
    .description("follow the chain (one process per contract: the lock holder) and answer the HTTP API")
    .option("--port <n>", "HTTP port [PORT, default 4000]")
    .option("--host <address>", "address to listen on [HOST, default 127.0.0.1]")
    .addHelpText(
      "after",
      "\nEnvironment: SYNC_API_TOKEN (bearer token for POST /api/sync-token), SYNC_ADMIN_TOKEN (enables /api/admin/*),\n" +
        "SYNC_RATE_LIMIT (sync-token requests per minute per client, default 60), SYNC_READ_RATE_LIMIT (public reads, default 600),\n" +
        "SYNC_TRUST_PROXY (reverse proxies in front, default 0), SYNC_ALLOWED_HOSTS, SYNC_MAX_CONNECTIONS, SYNC_CONNECTIONS_PER_CLIENT,\n" +
        "SYNC_CORS_ORIGIN (default *), SYNC_STREAM_MAX (open event streams, default 1000; 0: off), SYNC_STREAM_MAX_PER_CLIENT (16)." +
        exitHelp("stopped by SIGINT/SIGTERM"),
    );
  followFlags(serve).action((_flags: Flags, command: Command) => exitWith(runLive("serve", command.optsWithGlobals(), io)));
}

function followFlags(command: Command): Command {
  return allowHttpFlag(
    databaseFlags(
      rpcFlags(chainFlags(command))
        .addOption(
          new Option("--poll-interval <ms>", "poll this often instead of following the observed ledger close times [SYNC_POLL_INTERVAL_MS]").argParser(
            durationMs,
          ),
        )
        .option("--datastore <dir|url>", "a SEP-54 data lake (as for backfill): holes in the trades are filled from it by themselves [SYNC_DATASTORE]")
        .option("--json", "one JSON line per ledger batch on stdout; logs go to stderr"),
    ),
  );
}

export async function runLive(mode: Mode, flags: Flags, io: Io): Promise<number> {
  const [{ startLive }, { Metrics }, { ShutdownRegistry }, { webhookService }, { streamOutboxPruner, withStreamOutbox }] = await Promise.all([
    import("../../live/live.ts"),
    import("../../internal/metrics.ts"),
    import("../../internal/shutdown.ts"),
    import("../../webhooks/live-service.ts"),
    import("../../webhooks/stream-outbox.ts"),
  ]);
  let logger: Awaited<ReturnType<typeof stderrLogger>>;
  try {
    logger = await stderrLogger(io);
  } catch (error) {
    return failure(io, error); // a bad LOG_LEVEL or LOG_FORMAT
  }
  const out = outputOf(flags);
  const shutdown = new ShutdownRegistry(logger);
  const off = onStopSignals(logger, (signal) => void shutdown.shutdown(signal), { repeat: true });
  let live: Live | null = null;
  try {
    const pollIntervalMs = boundedInt(flags.pollInterval ?? io.env.SYNC_POLL_INTERVAL_MS, "--poll-interval (ms)", 50, 600_000);
    const metrics = new Metrics({ storedTokens: async () => (live ? await live.actions.storedTokens() : null) });
    const common = { logger, metrics, shutdown };
    const settings = mode === "serve" ? await serveSettings(flags, io.env) : null;
    // The event stream (serve) reads the outbox: record it even with no webhook endpoint.
    const stream = settings && settings.stream.maxStreams > 0 ? settings.stream : null;
    // A pass's own lines (events scanned, nodes behind) come every ledger: debug; the progress line sums it up.
    const session: SessionOptions = { ...connectionOptions(flags, io), logger: { info: (m: string) => logger.debug(m), warn: (m: string) => logger.warn(m) } };
    const holes = await holeFiller(flags, io, logger);
    live = await startLive({
      mode,
      ...(holes ? { holes } : {}),
      common,
      session: stream ? withStreamOutbox(session) : session,
      services: stream ? [webhookService(), streamOutboxPruner(stream.retentionMs)] : [webhookService()],
      ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
      // One info line per pass that read tokens; an idle ledger is a debug line.
      onBatch: (report, state) =>
        printBatch(io, out, report, state, (line) => (report.synced + report.unchanged + report.failed.length > 0 ? logger.info(line) : logger.debug(line))),
    });
    if (settings) {
      const [{ createServer }, { dashboardMount }, { AuthThrottle }, { createEventStream }] = await Promise.all([
        import("../../server/server.ts"),
        import("../../server/dashboard/mount.ts"),
        import("../../server/auth-throttle.ts"),
        import("../../server/stream/routes.ts"),
      ]);
      // One budget of wrong admin tokens per client, whether guessed at the login form or the admin API.
      const adminThrottle = new AuthThrottle(logger);
      const { tokens, trustProxyHops } = settings.server;
      const dashboard = dashboardMount({ live, common, adminToken: tokens.adminToken, session: settings.session, adminThrottle, trustProxyHops });
      const keeper = live.keeper;
      const events = stream
        ? createEventStream({ ...stream, db: () => keeper.current?.db ?? null, contractId: keeper.get().config.contractId, logger, trustProxyHops })
        : null;
      const mounts = events ? [events, dashboard] : [dashboard];
      const server = createServer({ common, actions: live.actions, ...settings.server, adminThrottle, mounts });
      const running = await server.listen(settings.listen);
      // Registered after the server's own stop, so it runs first: the streams end, then the server closes.
      if (events) shutdown.register("event streams", () => events.close());
      logger.info(`listening on ${running.url} (POST /api/sync-token, GET /api/tokens, /api/status, /api/stream, /health, /ready, /metrics; the dashboard at /)`);
    }
    await live.done;
    await shutdown.shutdown("stopped");
    return EXIT.ok;
  } catch (error) {
    await shutdown.shutdown("failed");
    // Stopped by a signal while starting or running: the stop was asked for, not a failure.
    const reason = shutdown.signal.reason;
    if ((reason === "SIGINT" || reason === "SIGTERM") && !(error instanceof LockedError)) return EXIT.ok;
    return failure(io, error);
  } finally {
    off();
  }
}

/** The data lake that fills holes in the trades (--datastore, SYNC_DATASTORE), or none. A URL is checked here. */
async function holeFiller(flags: Flags, io: Io, logger: Logger): Promise<HoleFiller | undefined> {
  const location = ((flags.datastore as string | undefined) ?? nonEmpty(io.env.SYNC_DATASTORE))?.trim();
  if (!location) return undefined;
  const [{ lakeLocation }, { LakeHoleFiller }] = await Promise.all([import("../../history/datastore.ts"), import("../../history/hole-filler.ts")]);
  return new LakeHoleFiller({ location: lakeLocation(location, flags.allowHttp === true || isTrue(io.env.ALLOW_HTTP)), logger });
}
