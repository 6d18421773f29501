// What `sync-tokens webhooks ...` does, over the operator API (./operator.ts).
import { ConfigError } from "../errors.ts";
import { defaultDataDir } from "../paths.ts";
import { redactUrl } from "../redact.ts";
import { safe } from "../report.ts";
import { migrateOrFail, openDatabaseOrFail } from "../migrate-database.ts";
import type { Database } from "../store/database.ts";
import type { CommandIo } from "./cli.ts";
import { validateWebhookUrl } from "./config.ts";
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

/** An ISO 8601 time, or an age such as 90m, 6h, 2d. */
export function parseSince(text: string, now = Date.now()): Date {
  const age = /^\s*(\d+)\s*(s|m|h|d)\s*$/.exec(text);
  if (age) return new Date(now - Number(age[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[age[2] as "s" | "m" | "h" | "d"]);
  const at = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new ConfigError(`--since ${JSON.stringify(text.slice(0, 60))} is not a time: expected ISO 8601 (2026-12-01T10:00:00Z) or an age (90m, 6h, 2d)`);
  }
  return new Date(at);
}

async function withDatabase<T>(opts: DbFlags, io: CommandIo, fn: (db: Database) => Promise<T>): Promise<T> {
  const databaseUrl = opts.databaseUrl ?? (io.env.DATABASE_URL?.trim() || undefined);
  const dataDir = opts.dataDir ?? (io.env.PGLITE_DATA_DIR?.trim() || defaultDataDir(io.env));
  const db = await openDatabaseOrFail({ databaseUrl, dataDir });
  try {
    if (!opts.dryRun) await migrateOrFail(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}
