// The flags, each defined once, in the groups the commands share, and their values mapped to the core's options.
// Commander parses the program's flags wherever they stand on the line: commands read them with optsWithGlobals().
import { InvalidArgumentError, Option, type Command } from "commander";
import { databaseTarget, type DatabaseTarget } from "../config/database.ts";
import type { WebhookOptions } from "../config/webhooks.ts";
import { trigger, type Io } from "./io.ts";

/** Parsed flags, as commander gives them. */
export type Flags = Record<string, unknown>;

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * Every duration flag takes milliseconds; a unit may be written instead (500ms, 10s, 2m, 1h). A bare fraction is
 * refused: it is an old seconds value (`--webhook-timeout 2.5`), not a count of ms.
 */
export function durationMs(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m || (m[2] === undefined && m[1]!.includes("."))) {
    throw new InvalidArgumentError("expected milliseconds (e.g. 500) or a number with a unit (500ms, 10s, 2m)");
  }
  return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? "ms") as keyof typeof UNIT_MS]);
}

const duration = (flags: string, description: string) => new Option(flags, description).argParser(durationMs);

/** Where the chain is, what to read, and how hard to press the RPC. */
export function chainFlags(command: Command): Command {
  return command
    .addOption(new Option("--network <name>", "testnet, mainnet, futurenet or local [STELLAR_NETWORK, default testnet]"))
    .option("--rpc-url <url>", "Stellar RPC endpoint [RPC_URL, default: the network's public RPC]")
    .option("--network-passphrase <text>", "network passphrase [NETWORK_PASSPHRASE, default: the network's]")
    .option("--contract-id <id>", "the SAC Factory contract, C... [CONTRACT_ID, required]")
    .option("--creator <address>", "also scan this creator's tokens; repeatable [CREATOR_ADDRESS, comma or space separated]", collect);
}

export function rpcFlags(command: Command): Command {
  return command
    .option("--concurrency <n>", "parallel RPC requests [SYNC_CONCURRENCY, default 8]")
    .addOption(duration("--timeout <ms>", "per-request RPC timeout [RPC_TIMEOUT_MS, default 30000]"));
}

export function databaseFlags(command: Command): Command {
  return command
    .option("--database-url <url>", "PostgreSQL URL [DATABASE_URL; unset: the embedded database, one process at a time]")
    .option("--data-dir <dir>", "folder of the embedded database [PGLITE_DATA_DIR, default .data/pglite]");
}

export function allowHttpFlag(command: Command): Command {
  return command.option("--allow-http", "allow plain http to a non-local RPC, webhook or data lake [ALLOW_HTTP]");
}

export function webhookFlags(command: Command): Command {
  return command
    .addOption(new Option("--webhook <url>", "POST signed events to this URL; repeatable [WEBHOOK_URLS, comma separated]").argParser(collect))
    .option("--webhook-events <types>", "token.added, token.updated, token.graduated, trade (comma separated) [WEBHOOK_EVENTS, default all but trade]")
    .addOption(duration("--webhook-timeout <ms>", "deliver for at most this long before exiting [WEBHOOK_TIMEOUT in seconds, default 10s]"))
    .option("--notify-initial", "announce every token of the first sync into an empty database (token.added)");
}

/** The flags' webhook settings; the secret comes from WEBHOOK_SECRET only. */
export function webhookOptions(flags: Flags): WebhookOptions {
  const timeout = flags.webhookTimeout as number | undefined;
  return {
    urls: flags.webhook as string[] | undefined,
    events: flags.webhookEvents as string | undefined,
    // The core takes a number as seconds (WEBHOOK_TIMEOUT's unit): the flag's ms go with their unit.
    timeout: timeout === undefined ? undefined : `${timeout}ms`,
    notifyInitial: flags.notifyInitial === true ? true : undefined,
  };
}

export function databaseOptions(flags: Flags, io: Io): DatabaseTarget {
  return databaseTarget({ databaseUrl: flags.databaseUrl as string | undefined, dataDir: flags.dataDir as string | undefined }, io.env);
}

/** The options of every command that opens a sync session (the environment fills the gaps in the core). */
export function sessionOptions(flags: Flags, io: Io) {
  return { ...connectionOptions(flags, io), dryRun: flags.dryRun === true, trigger: trigger(io) };
}

/** What watch and serve share with the one-shot commands (they name their own trigger and never dry-run). */
export function connectionOptions(flags: Flags, io: Io) {
  return {
    network: flags.network as string | undefined,
    rpcUrl: flags.rpcUrl as string | undefined,
    networkPassphrase: flags.networkPassphrase as string | undefined,
    contractId: flags.contractId as string | undefined,
    creators: flags.creator as string[] | undefined,
    concurrency: flags.concurrency as string | undefined,
    timeoutMs: flags.timeout as number | undefined,
    databaseUrl: flags.databaseUrl as string | undefined,
    dataDir: flags.dataDir as string | undefined,
    allowHttp: flags.allowHttp === true ? true : undefined,
    webhook: webhookOptions(flags),
    env: io.env,
  };
}
