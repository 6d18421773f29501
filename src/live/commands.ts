// `sync-tokens watch` and `sync-tokens serve`: their flags. Importing this loads commander only; the follower
// and the HTTP stack load when a command runs (src/live/run.ts, which loads the server for `serve` alone).
import { Option, type Command } from "commander";

export interface LiveIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/**
 * Adds `watch` and `serve` to the program; `setExitCode` receives each command's exit status. The program's own
 * flags of the same names are parsed wherever they stand, so the commands read options with their globals.
 */
export function addLiveCommands(program: Command, io: LiveIo, setExitCode: (code: number) => void): void {
  const watch = program
    .command("watch")
    .description("sync once, then follow the chain ledger by ledger until SIGINT/SIGTERM")
    .addHelpText("after", "\nExit status: 0 stopped by SIGINT/SIGTERM, 1 fatal error, 75 another run holds the lock.");
  connectionOptions(watch).action(async (_opts: unknown, command: Command) => {
    const { runLive } = await import("./run.ts");
    setExitCode(await runLive("watch", command.optsWithGlobals(), io));
  });

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
        "SYNC_CORS_ORIGIN (default *).\n" +
        "Exit status: 0 stopped by SIGINT/SIGTERM, 1 fatal error.",
    );
  connectionOptions(serve).action(async (_opts: unknown, command: Command) => {
    const { runLive } = await import("./run.ts");
    setExitCode(await runLive("serve", command.optsWithGlobals(), io));
  });
}

function connectionOptions(command: Command): Command {
  return command
    .addOption(new Option("--network <name>", "testnet, mainnet, futurenet or local [STELLAR_NETWORK, default testnet]"))
    .option("--rpc-url <url>", "Stellar RPC endpoint [RPC_URL]")
    .option("--network-passphrase <text>", "network passphrase [NETWORK_PASSPHRASE]")
    .option("--contract-id <id>", "the SAC Factory contract, C... [CONTRACT_ID, required]")
    .option("--creator <address>", "also scan this creator's tokens; repeatable [CREATOR_ADDRESS]", (v: string, p: string[] | undefined) => [...(p ?? []), v])
    .option("--concurrency <n>", "parallel RPC requests [SYNC_CONCURRENCY, default 8]")
    .option("--timeout <ms>", "per-request RPC timeout in ms [RPC_TIMEOUT_MS, default 30000]")
    .option("--poll-interval <ms>", "poll this often instead of following the observed ledger close times [SYNC_POLL_INTERVAL_MS]")
    .option("--json", "one JSON line per ledger batch on stdout; logs go to stderr")
    .option("--database-url <url>", "PostgreSQL URL [DATABASE_URL; unset: the embedded database, one process only]")
    .option("--data-dir <dir>", "folder of the embedded database [PGLITE_DATA_DIR, default .data/pglite]")
    .option("--allow-http", "allow plain http to a non-local RPC [ALLOW_HTTP]");
}
