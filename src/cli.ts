// The command line: a thin shell over syncTokens() and backfill(). It maps flags to options, prints the report,
// and turns outcomes into exit statuses. Importing it runs nothing; scripts/sync-tokens.mjs calls main().
// Each command imports what it runs when it runs (`--help` loads neither the Stellar SDK nor a database
// driver), so nothing here may import them statically: only types from those modules.
import { Command, CommanderError, Option } from "commander";
import dotenv from "dotenv";
import { ConfigError, FatalError, InterruptedError, LockedError, messageOf } from "./errors.ts";
import { progressBar, safe, toJson, toText, LIST_LIMIT } from "./report.ts";
import type { BackfillOptions } from "./history/backfill.ts";
import { backfillPartial, backfillToJson, backfillToText, ledgerProgress } from "./history/report.ts";
import type { Logger, SyncReport } from "./sync.ts";
import { addWebhookCommands, addWebhookOptions, webhookOptions } from "./webhooks/cli.ts";

export const EXIT = { ok: 0, fatal: 1, partial: 2, usage: 1, locked: 75, sigint: 130, sigterm: 143 } as const;

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  dotenv.config({ quiet: true, processEnv: io.env } as dotenv.DotenvConfigOptions);
  let exitCode: number = EXIT.ok;
  const program = new Command()
    .name("sync-tokens")
    .description("Sync every token of a SAC Factory contract on Stellar into PostgreSQL (or the embedded database).")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addOption(new Option("--network <name>", "testnet, mainnet, futurenet or local [STELLAR_NETWORK, default testnet]"))
    .option("--rpc-url <url>", "Stellar RPC endpoint [RPC_URL, default: the network's public RPC]")
    .option("--network-passphrase <text>", "network passphrase [NETWORK_PASSPHRASE, default: the network's]")
    .option("--contract-id <id>", "the SAC Factory contract, C... [CONTRACT_ID, required]")
    .option("--creator <address>", "also scan this creator's tokens; repeatable [CREATOR_ADDRESS, comma or space separated]", collect)
    .option("--token <address>", "sync just this token (C...); repeatable", collect)
    .option("--full", "ignore the stored cursor: rescan the retention window and re-read every known token")
    .option("--concurrency <n>", "parallel RPC requests [SYNC_CONCURRENCY, default 8]")
    .option("--timeout <ms>", "per-request RPC timeout in ms [RPC_TIMEOUT_MS, default 30000]")
    .option("--dry-run", "read everything, write nothing")
    .option("--json", "print one JSON object on stdout; logs go to stderr")
    .option("--verbose", "list every token, however many")
    .option("--database-url <url>", "PostgreSQL URL [DATABASE_URL; unset: the embedded database]")
    .option("--data-dir <dir>", "folder of the embedded database [PGLITE_DATA_DIR, default .data/pglite]")
    .option("--allow-http", "allow plain http to a non-local RPC [ALLOW_HTTP]")
    .addHelpText(
      "after",
      "\nExit status: 0 all synced, 2 some tokens failed or are missing, 1 fatal error, 75 another run holds the lock,\n130/143 interrupted.",
    )
    .action(async (opts: Record<string, unknown>) => {
      exitCode = await runSync(opts, io);
    });
  addWebhookOptions(program);
  addWebhookCommands(program, io, async (work) => void (exitCode = await guard(io, work)));
  program
    .command("backfill")
    .description(
      "find every token in the factory's whole history: read ledgers from a SEP-54 data lake or a getLedgers RPC, then sync the tokens found (takes the options above too)",
    )
    .option(
      "--datastore <dir|url>",
      "a SEP-54 data lake, a folder or an http(s) URL: its root (Galexie's .config.json beside the partitions, or v0.2.0's config.json naming ledgersPath), its config file, or its partitions' folder",
    )
    .option("--ledgers-rpc <url>", "an RPC that serves getLedgers over the range (e.g. stellar-rpc with a datastore); a page cap below 200 is learnt")
    .option("--from-ledger <n>", "first ledger to read")
    .option("--since <date>", "or: from the first ledger closed on or after this date (YYYY-MM-DD or ISO 8601)")
    .option("--to-ledger <n>", "last ledger to read (default: the last the source serves)")
    .option("--download-concurrency <n>", "files or pages read ahead in parallel (default 8 for a data lake, 4 for an RPC)")
    .option("--save-every <seconds>", "store the tokens found and move the backfill's cursor at least this often (default 60)")
    .addHelpText(
      "after",
      "\nLedgers the RPC drops from its window while the range is read are reported as a gap and skipped (exit 2);\nthe cursor stays at the gap, so a rerun with a source that holds them reads them.\nExit status: 0 all read and synced, 2 a gap or tokens failed or missing, 1 fatal error, 75 locked, 130/143 interrupted.",
    )
    .action(async (_opts: unknown, command: Command) => {
      exitCode = await runBackfill(command.optsWithGlobals(), io);
    });
  program
    .command("db")
    .description("database maintenance")
    .command("migrate")
    .description("apply pending migrations and exit")
    .option("--database-url <url>", "PostgreSQL URL [DATABASE_URL; unset: the embedded database]")
    .option("--data-dir <dir>", "folder of the embedded database [PGLITE_DATA_DIR]")
    .action(async (_opts: unknown, command: Command) => {
      // The top-level command defines the same options and takes them wherever they are on the line.
      const { databaseUrl, dataDir } = command.optsWithGlobals<{ databaseUrl?: string; dataDir?: string }>();
      exitCode = await guard(io, async () => {
        const { migrateDatabase } = await import("./migrate-database.ts");
        const { database, applied } = await migrateDatabase({ databaseUrl, dataDir, env: io.env });
        io.stdout.write(applied.length ? `applied ${applied.join(", ")} to ${database}\n` : `${database} is up to date\n`);
        return EXIT.ok;
      });
    });

  // watch and serve: their module loads commander only; the follower and the HTTP stack load when they run.
  (await import("./live/commands.ts")).addLiveCommands(program, io, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return exitCode;
}

async function runSync(opts: Record<string, unknown>, io: Io): Promise<number> {
  const json = opts.json === true;
  const showProgress = !json && io.stderr.isTTY === true;
  return withSignals(io, (logger, signal) =>
    guard(io, async () => {
      const { syncTokens } = await import("./sync.ts");
      const report = await syncTokens({
        ...sessionOptions(opts, io),
        creators: opts.creator as string[] | undefined,
        tokens: opts.token as string[] | undefined,
        full: opts.full === true,
        listTokens: opts.verbose === true,
        logger,
        signal,
        onProgress: showProgress ? (done, total) => total > LIST_LIMIT && io.stderr.write(`\r${progressBar(done, total)}`) : undefined,
      });
      if (showProgress && report.tokensRead > LIST_LIMIT) io.stderr.write("\n");
      io.stdout.write(`${json ? toJson(report) : toText(report, { verbose: opts.verbose === true })}\n`);
      return exitStatus(report);
    }),
  );
}

const BACKFILL_FLAGS = ["datastore", "ledgersRpc", "fromLedger", "since", "toLedger", "downloadConcurrency", "saveEvery"] as const;

async function runBackfill(opts: Record<string, unknown>, io: Io): Promise<number> {
  const json = opts.json === true;
  const showProgress = !json && io.stderr.isTTY === true;
  const startedAt = performance.now();
  let shown = false;
  return withSignals(io, (logger, signal) =>
    guard(io, async () => {
      const { backfill } = await import("./history/backfill.ts");
      const report = await backfill({
        ...sessionOptions(opts, io),
        ...(Object.fromEntries(BACKFILL_FLAGS.map((k) => [k, opts[k]])) as Pick<BackfillOptions, (typeof BACKFILL_FLAGS)[number]>),
        trigger: io.env.SYNC_TRIGGER?.trim() || "backfill",
        listTokens: opts.verbose === true,
        logger,
        signal,
        onLedgers: showProgress
          ? (done, total) => {
              shown = true;
              io.stderr.write(`\r${ledgerProgress(done, total, performance.now() - startedAt)}`);
            }
          : undefined,
      });
      if (shown) io.stderr.write("\n");
      io.stdout.write(`${json ? backfillToJson(report) : backfillToText(report, { verbose: opts.verbose === true })}\n`);
      return backfillPartial(report) ? EXIT.partial : EXIT.ok;
    }),
  );
}

/** The options every command that opens a sync session shares. */
function sessionOptions(opts: Record<string, unknown>, io: Io) {
  return {
    network: opts.network as string | undefined,
    rpcUrl: opts.rpcUrl as string | undefined,
    networkPassphrase: opts.networkPassphrase as string | undefined,
    contractId: opts.contractId as string | undefined,
    concurrency: opts.concurrency as string | undefined,
    timeoutMs: opts.timeout as string | undefined,
    dryRun: opts.dryRun === true,
    databaseUrl: opts.databaseUrl as string | undefined,
    dataDir: opts.dataDir as string | undefined,
    allowHttp: opts.allowHttp === true ? true : undefined,
    webhook: webhookOptions(opts),
    trigger: io.env.SYNC_TRIGGER?.trim() || (io.stdout.isTTY ? "manual" : "unattended"),
    env: io.env,
  };
}

function exitStatus(report: SyncReport): number {
  return report.partial ? EXIT.partial : EXIT.ok;
}

/** SIGINT/SIGTERM abort the work (it stops after its current batch) for as long as it runs. */
async function withSignals(io: Io, work: (logger: Logger, signal: AbortSignal) => Promise<number>): Promise<number> {
  let logger: Logger;
  try {
    logger = (await import("./runtime/logger.ts")).streamLogger(io.stderr, io.env);
  } catch (error) {
    return guard(io, () => Promise.reject(error)); // a bad LOG_LEVEL or LOG_FORMAT
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    logger.warn(`${signal} received: finishing the current batch, then stopping`);
    controller.abort(signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await work(logger, controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Maps failures to one clear line on stderr and an exit status. */
async function guard(io: Io, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    // Prisma's messages start with a blank line: the first line that says something.
    const message = safe(messageOf(error).trim().split("\n")[0] ?? "", 1000);
    if (error instanceof LockedError) {
      io.stderr.write(`sync-tokens: ${message}; exiting (75)\n`);
      return EXIT.locked;
    }
    if (error instanceof InterruptedError) {
      io.stderr.write(`sync-tokens: ${message}; progress so far is saved\n`);
      return error.signalName === "SIGINT" ? EXIT.sigint : EXIT.sigterm;
    }
    const known = error instanceof ConfigError || error instanceof FatalError;
    io.stderr.write(`sync-tokens: error: ${known ? message : `unexpected failure: ${message}`}\n`);
    return EXIT.fatal;
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
