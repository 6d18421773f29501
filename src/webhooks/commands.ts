// What `sync-tokens webhooks ...` does, over the operator API (./operator.ts).
import { defaultDataDir } from "../paths.ts";
import { redactUrl } from "../redact.ts";
import { safe } from "../sync/report.ts";
import { migrateOrFail, openDatabaseOrFail } from "../migrate-database.ts";
import type { Database } from "../store/database.ts";
import { parseSince } from "../text/since.ts";
import type { CommandIo } from "./cli.ts";
import { validateWebhookUrl } from "../config/webhooks.ts";
import { listEndpoints, replayEvents, retryFailed } from "./operator.ts";
import { newSecret } from "./payload.ts";

interface DbFlags {
  databaseUrl?: string;
  dataDir?: string;
  dryRun?: boolean;
}

export async function printSecret(io: CommandIo): Promise<number> {
  io.stdout.write(`${newSecret()}\n`);
  return 0;
}

export async function list(opts: DbFlags & { json?: boolean }, io: CommandIo): Promise<number> {
  const endpoints = await withDatabase(opts, io, listEndpoints);
  if (opts.json) {
    const out = endpoints.map((e) => ({ ...e, url: redactUrl(e.url), disabledAt: e.disabledAt?.toISOString() ?? null }));
    io.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  }
  if (endpoints.length === 0) io.stdout.write("no webhook endpoints yet (they are stored by the first run with --webhook or WEBHOOK_URLS)\n");
  for (const e of endpoints) {
    const state = e.disabledAt ? `disabled since ${e.disabledAt.toISOString()}: ${safe(e.disabledReason ?? "", 200)}` : "enabled";
    io.stdout.write(`${redactUrl(e.url)}  ${state}\n  events ${e.events.join(", ")}\n  pending ${e.pending}, delivered ${e.delivered}, failed ${e.failed}\n`);
  }
  return 0;
}

export async function retry(opts: DbFlags, io: CommandIo): Promise<number> {
  const r = await withDatabase(opts, io, (db) => retryFailed(db, { dryRun: opts.dryRun }));
  const verb = opts.dryRun ? "would queue" : "queued";
  io.stdout.write(`${verb} ${r.deliveries} failed deliveries again; ${opts.dryRun ? "would enable" : "enabled"} ${r.endpoints} disabled endpoints\n`);
  return 0;
}

export async function replay(opts: DbFlags & { since: string; endpoint?: string }, io: CommandIo): Promise<number> {
  const since = parseSince(opts.since);
  // A filter naming a stored endpoint, not a destination: any scheme the endpoint was stored with.
  const endpoint = opts.endpoint === undefined ? undefined : validateWebhookUrl(opts.endpoint, true);
  const n = await withDatabase(opts, io, (db) => replayEvents(db, since, { dryRun: opts.dryRun, endpoint }));
  io.stdout.write(`${opts.dryRun ? "would queue" : "queued"} ${n} deliveries of the events stored since ${since.toISOString()}\n`);
  return 0;
}

async function withDatabase<T>(opts: DbFlags, io: CommandIo, fn: (db: Database) => Promise<T>): Promise<T> {
  const databaseUrl = opts.databaseUrl ?? (io.env.DATABASE_URL?.trim() || undefined);
  const dataDir = opts.dataDir ?? (io.env.PGLITE_DATA_DIR?.trim() || defaultDataDir);
  const db = await openDatabaseOrFail({ databaseUrl, dataDir });
  try {
    if (!opts.dryRun) await migrateOrFail(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}
