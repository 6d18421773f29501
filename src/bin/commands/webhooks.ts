// `sync-tokens webhooks secret|list|retry|replay`, over the webhooks' operator API. Each loads what it uses when
// it runs. Flags the program also has (--json, --dry-run, --database-url) are read with optsWithGlobals.
import { parseSince } from "../../internal/text/since.ts";
import type { Command } from "commander";
import { redactUrl } from "../../internal/redact.ts";
import { safe } from "../../internal/text/terminal.ts";
import type { Database } from "../../store/database.ts";
import { EXIT, guard } from "../exit.ts";
import { databaseFlags, databaseOptions, type Flags } from "../flags.ts";
import type { Io } from "../io.ts";
import type { CommandContext } from "./context.ts";

export function defineWebhooks(program: Command, { io, exitWith }: CommandContext): void {
  const webhooks = program.command("webhooks").description("webhook secret, endpoints and deliveries");
  const run = (work: (flags: Flags, io: Io) => Promise<number>) => (_flags: Flags, command: Command) =>
    exitWith(guard(io, () => work(command.optsWithGlobals(), io)));
  webhooks.command("secret").description("print a new signing secret for WEBHOOK_SECRET").action(run(printSecret));
  databaseFlags(webhooks.command("list").description("endpoints and their pending, delivered and failed deliveries"))
    .option("--json", "print JSON")
    .action(run(list));
  databaseFlags(webhooks.command("retry").description("queue failed deliveries again and enable endpoints disabled by 410 Gone"))
    .option("--dry-run", "count what would be queued, change nothing")
    .action(run(retry));
  databaseFlags(webhooks.command("replay").description("send the events stored since a time again"))
    .requiredOption("--since <time>", "a date (2026-12-01), an ISO 8601 time (2026-12-01T10:00:00Z) or an age (90m, 6h, 2d)")
    .option("--endpoint <url>", "only to this endpoint (default: every enabled endpoint)")
    .option("--dry-run", "count what would be queued, change nothing")
    .action(run(replay));
}

async function printSecret(_flags: Flags, io: Io): Promise<number> {
  const { newSecret } = await import("../../webhooks/payload.ts");
  io.stdout.write(`${newSecret()}\n`);
  return EXIT.ok;
}

async function list(flags: Flags, io: Io): Promise<number> {
  const { listEndpoints } = await import("../../webhooks/operator.ts");
  const endpoints = await withDatabase(flags, io, listEndpoints);
  if (flags.json === true) {
    const out = endpoints.map((e) => ({ ...e, url: redactUrl(e.url), disabledAt: e.disabledAt?.toISOString() ?? null }));
    io.stdout.write(`${JSON.stringify(out)}\n`);
    return EXIT.ok;
  }
  if (endpoints.length === 0) io.stdout.write("no webhook endpoints yet (they are stored by the first run with --webhook or WEBHOOK_URLS)\n");
  for (const e of endpoints) {
    const state = e.disabledAt ? `disabled since ${e.disabledAt.toISOString()}: ${safe(e.disabledReason ?? "", 200)}` : "enabled";
    io.stdout.write(`${redactUrl(e.url)}  ${state}\n  events ${e.events.join(", ")}\n  pending ${e.pending}, delivered ${e.delivered}, failed ${e.failed}\n`);
  }
  return EXIT.ok;
}

async function retry(flags: Flags, io: Io): Promise<number> {
  const { retryFailed } = await import("../../webhooks/operator.ts");
  const dryRun = flags.dryRun === true;
  const r = await withDatabase(flags, io, (db) => retryFailed(db, { dryRun }));
  io.stdout.write(`${dryRun ? "would queue" : "queued"} ${r.deliveries} failed deliveries again; ${dryRun ? "would enable" : "enabled"} ${r.endpoints} disabled endpoints\n`);
  return EXIT.ok;
}

async function replay(flags: Flags, io: Io): Promise<number> {
  const [{ replayEvents }, { validateWebhookUrl }] = await Promise.all([import("../../webhooks/operator.ts"), import("../../config/webhooks.ts")]);
  const since = parseSince(flags.since as string);
  const dryRun = flags.dryRun === true;
  // A filter naming a stored endpoint, not a destination: any scheme the endpoint was stored with.
  const endpoint = flags.endpoint === undefined ? undefined : validateWebhookUrl(flags.endpoint as string, true);
  const n = await withDatabase(flags, io, (db) => replayEvents(db, since, { dryRun, endpoint }));
  io.stdout.write(`${dryRun ? "would queue" : "queued"} ${n} deliveries of the events stored since ${since.toISOString()}\n`);
  return EXIT.ok;
}

async function withDatabase<T>(flags: Flags, io: Io, fn: (db: Database) => Promise<T>): Promise<T> {
  const { migrateOrFail, openDatabaseOrFail } = await import("../../store/migrate-database.ts");
  const db = await openDatabaseOrFail(databaseOptions(flags, io));
  try {
    if (flags.dryRun !== true) await migrateOrFail(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}
