// The programmatic API: one synchronization of one SAC Factory contract into the database.
// Configuration, then preflight checks, then the database and its lock, then the run, then the report.
import { resolveConfig, type SyncConfig, type SyncOptions } from "./config.ts";
import { FactoryReader } from "./contract/factory.ts";
import { scanFactoryEvents } from "./discovery/events.ts";
import { FatalError, InterruptedError, LockedError, messageOf } from "./errors.ts";
import { defaultDataDir } from "./paths.ts";
import { redactSecrets, redactUrl, urlSecrets } from "./redact.ts";
import { RpcClient, RpcError } from "./rpc/client.ts";
import { DatabaseBusyError, DatabaseError, openDatabase, type Database } from "./store/database.ts";
import { migrate } from "./store/migrate.ts";
import { tryLockContract } from "./store/run-lock.ts";
import { TokenStore } from "./store/token-store.ts";
import { SyncRun, type Logger, type RunResult, type TokenLine } from "./sync-run.ts";

export type { Logger, TokenLine, TokenOutcome } from "./sync-run.ts";

export interface SyncReport extends RunResult {
  contractId: string;
  network: string;
  networkPassphrase: string;
  rpcUrl: string;
  database: string;
  dryRun: boolean;
  latestLedger: number;
  rpcRequests: Record<string, number>;
  durationMs: number;
}

export interface RunHooks {
  logger?: Logger;
  /** Aborting stops the run after its current batch (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Called as tokens are written: done of total. */
  onProgress?: (done: number, total: number) => void;
}

const silent: Logger = { info() {}, warn() {} };

/** Runs one synchronization of the configured contract into the database. */
export async function syncTokens(options: SyncOptions & RunHooks = {}): Promise<SyncReport> {
  const config = resolveConfig(options, options.env);
  const startedAt = performance.now();
  const { rpc, reader, redact, logger } = connect(config, options.logger ?? silent, options.signal);
  try {
    const health = await preflight(reader, config);
    const report = await withDatabase(config, async (db) => {
      const store = new TokenStore(db, config.contractId);
      const run = new SyncRun({ config, rpc, reader, store, logger, ...health, signal: options.signal, onProgress: options.onProgress });
      const runId = config.dryRun ? null : await store.startRun(config.trigger);
      try {
        const result = await run.execute();
        if (runId !== null) {
          const partial = result.failed.length > 0 || result.missingIds.length > 0;
          await store.finishRun(runId, partial ? "PARTIAL" : "SUCCEEDED", run.counts);
        }
        return { ...result, database: db.label, latestLedger: health.latestLedger };
      } catch (error) {
        if (runId !== null) await store.finishRun(runId, "FAILED", run.counts, redact(messageOf(error))).catch(() => {});
        throw error;
      }
    });
    return {
      contractId: config.contractId,
      network: config.network,
      networkPassphrase: config.networkPassphrase,
      rpcUrl: redactUrl(config.rpcUrl),
      dryRun: config.dryRun,
      ...report,
      // Failure reasons can quote what the RPC said, and an RPC may echo its own URL with the key in it.
      failed: report.failed.map((f) => ({ ...f, error: redact(f.error) })),
      tokens: report.tokens.map((t) => (t.error === undefined ? t : { ...t, error: redact(t.error) })),
      warnings: report.warnings.map(redact),
      rpcRequests: { ...rpc.requestCounts },
      durationMs: Math.round(performance.now() - startedAt),
    };
  } catch (error) {
    throw runError(error, redact);
  }
}

/** The error a run ends with, its message free of secrets; an RPC that gave out for good is fatal (exit 1). */
function runError(error: unknown, redact: (text: string) => string): unknown {
  if (!(error instanceof Error)) return error;
  if (error instanceof RpcError) return new FatalError(`the RPC failed: ${redact(error.message)}`);
  if (error instanceof DatabaseError) return new FatalError(redact(error.message));
  error.message = redact(error.message);
  return error;
}

/** Reads one token's TokenInfo and stores it: a sync of that address alone, without discovery. */
export async function processToken(address: string, options: SyncOptions & RunHooks = {}): Promise<TokenLine> {
  const report = await syncTokens({ ...options, tokens: [address] });
  return report.tokens[0] ?? { address, outcome: "failed", error: "not read" };
}

/** Every token address the factory's events name within the RPC's retention window. Touches no database. */
export async function getAllTokenAddressesFromEvents(options: SyncOptions & RunHooks = {}): Promise<string[]> {
  const config = resolveConfig(options, options.env);
  const { rpc, reader } = connect(config, options.logger ?? silent, options.signal);
  const health = await preflight(reader, config);
  const scan = await scanFactoryEvents({
    rpc,
    contractId: config.contractId,
    fromLedger: health.oldestLedger,
    toLedger: health.latestLedger,
    concurrency: config.concurrency,
  });
  return [...scan.tokens.keys()];
}

function connect(config: SyncConfig, base: Logger, signal?: AbortSignal) {
  let secrets: readonly string[] = config.databaseUrl ? urlSecrets(config.databaseUrl) : [];
  const redact = (text: string) => redactSecrets(text, secrets);
  const logger: Logger = { info: (m) => base.info(redact(m)), warn: (m) => base.warn(redact(m)) };
  const rpc = new RpcClient({
    url: config.rpcUrl,
    timeoutMs: config.timeoutMs,
    signal,
    onRetry: ({ method, attempt, error, delayMs }) =>
      logger.warn(`${method} failed (${error.message}); retry ${attempt} in ${Math.round(delayMs)} ms`),
  });
  secrets = [...secrets, ...rpc.secrets];
  const reader = new FactoryReader({ rpc, contractId: config.contractId, networkPassphrase: config.networkPassphrase, concurrency: config.concurrency });
  return { rpc, reader, redact, logger };
}

interface Health {
  latestLedger: number;
  oldestLedger: number;
  /** get_token_count, read right after latestLedger. */
  tokenCount: number;
}

/** Checks, before any work, that the RPC serves the configured network and the contract is a SAC Factory. */
async function preflight(reader: FactoryReader, config: SyncConfig): Promise<Health> {
  const where = redactUrl(config.rpcUrl);
  // Both at once to save a round trip; the passphrase is judged first, so the first failing check is named.
  const [network, healthResult] = await Promise.allSettled([reader.getNetworkPassphrase(), reader.getHealth()]);
  const passphrase = settled(network, (e) => `${where} does not answer as a Stellar RPC: getNetwork failed: ${messageOf(e)}`);
  if (typeof passphrase !== "string" || passphrase === "") {
    throw new FatalError(`${where} does not answer as a Stellar RPC: getNetwork returned no network passphrase`);
  }
  if (passphrase !== config.networkPassphrase) {
    throw new FatalError(
      `network passphrase mismatch: the RPC at ${where} serves "${passphrase}", but "${config.networkPassphrase}" is configured (check --network / --network-passphrase)`,
    );
  }
  const health = settled(healthResult, (e) => `the RPC at ${where} failed getHealth: ${messageOf(e)}`);
  // After getHealth, so that the count never includes a launch newer than the event window read up to it.
  let tokenCount: number;
  try {
    tokenCount = await reader.getTokenCount();
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    throw new FatalError(`contract ${config.contractId} does not answer as a SAC Factory on this network: get_token_count failed: ${messageOf(error)}`);
  }
  return { latestLedger: health.latestLedger, oldestLedger: health.oldestLedger, tokenCount };
}

function settled<T>(result: PromiseSettledResult<T>, describe: (error: unknown) => string): T {
  if (result.status === "fulfilled") return result.value;
  if (result.reason instanceof InterruptedError) throw result.reason;
  throw new FatalError(describe(result.reason));
}

async function withDatabase<T>(config: SyncConfig, work: (db: Database) => Promise<T>): Promise<T> {
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    if (error instanceof DatabaseBusyError) throw new LockedError(error.message);
    throw new FatalError(messageOf(error));
  }
  try {
    const lock = await tryLockContract(db, config.contractId);
    if (!lock) throw new LockedError(`another sync-tokens run holds the lock for contract ${config.contractId}`);
    try {
      if (config.dryRun) {
        if (!(await isMigrated(db))) {
          throw new FatalError(`${db.label} has no sync-tokens tables yet: run once without --dry-run, or run \`sync-tokens db migrate\``);
        }
      } else {
        await migrateOrFail(db);
      }
      return await work(db);
    } finally {
      await lock.release();
    }
  } finally {
    await db.close();
  }
}

/** Applies pending migrations; `sync-tokens db migrate` and every run use it. */
export async function migrateDatabase(options: Pick<SyncOptions, "databaseUrl" | "dataDir"> & { env?: NodeJS.ProcessEnv } = {}): Promise<{ database: string; applied: string[] }> {
  const env = options.env ?? process.env;
  let db: Database;
  try {
    db = await openDatabase({
      databaseUrl: options.databaseUrl ?? (env.DATABASE_URL?.trim() || undefined),
      dataDir: options.dataDir ?? (env.PGLITE_DATA_DIR?.trim() || defaultDataDir),
    });
  } catch (error) {
    if (error instanceof DatabaseBusyError) throw new LockedError(error.message);
    throw new FatalError(messageOf(error));
  }
  try {
    return { database: db.label, applied: await migrateOrFail(db) };
  } finally {
    await db.close();
  }
}

async function migrateOrFail(db: Database): Promise<string[]> {
  try {
    return await db.withSession((session) => migrate(session));
  } catch (error) {
    throw new FatalError(messageOf(error));
  }
}

async function isMigrated(db: Database): Promise<boolean> {
  const rows = await db.withSession((s) => s.query<{ ok: boolean }>(`SELECT to_regclass('public.tokens') IS NOT NULL AS ok`));
  return rows[0]?.ok === true;
}
