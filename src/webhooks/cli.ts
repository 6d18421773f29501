// The webhook flags of the sync command and the `webhooks` subcommands. Only commander definitions live here;
// the subcommands' work is loaded when one runs (./commands.ts).
import { Option, type Command } from "commander";
import type { WebhookOptions } from "../config/webhooks.ts";

export function addWebhookOptions(command: Command): Command {
  return command
    .addOption(new Option("--webhook <url>", "POST signed events to this URL; repeatable [WEBHOOK_URLS, comma separated]").argParser(collect))
    .option("--webhook-events <types>", "token.added, token.updated, token.graduated (comma separated) [WEBHOOK_EVENTS, default all]")
    .option("--webhook-timeout <seconds>", "deliver for at most this long before exiting [WEBHOOK_TIMEOUT, default 10]")
    .option("--notify-initial", "announce every token of the first sync into an empty database (token.added)");
}

/** The sync command's parsed flags as WebhookOptions; the secret comes from WEBHOOK_SECRET only. */
export function webhookOptions(opts: Record<string, unknown>): WebhookOptions {
  return {
    urls: opts.webhook as string[] | undefined,
    events: opts.webhookEvents as string | undefined,
    timeout: opts.webhookTimeout as string | undefined,
    notifyInitial: opts.notifyInitial === true ? true : undefined,
  };
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/**
 * `sync-tokens webhooks secret|list|retry|replay`; `run` maps the work's outcome to the exit status. Options the
 * main command also has (--json, --dry-run, --database-url) are parsed by it wherever they stand: hence optsWithGlobals.
 */
export function addWebhookCommands(program: Command, io: CommandIo, run: (work: () => Promise<number>) => Promise<void>): void {
  const webhooks = program.command("webhooks").description("webhook secret, endpoints and deliveries");
  const load = () => import("./commands.ts");
  const db = (c: Command) =>
    c
      .option("--database-url <url>", "PostgreSQL URL [DATABASE_URL; unset: the embedded database]")
      .option("--data-dir <dir>", "folder of the embedded database [PGLITE_DATA_DIR]");
  webhooks
    .command("secret")
    .description("print a new signing secret for WEBHOOK_SECRET")
    .action(() => run(async () => (await load()).printSecret(io)));
  db(webhooks.command("list").description("endpoints and their pending, delivered and failed deliveries"))
    .option("--json", "print JSON")
    .action((_opts, cmd: Command) => run(async () => (await load()).list(cmd.optsWithGlobals(), io)));
  db(webhooks.command("retry").description("queue failed deliveries again and enable endpoints disabled by 410 Gone"))
    .option("--dry-run", "count what would be queued, change nothing")
    .action((_opts, cmd: Command) => run(async () => (await load()).retry(cmd.optsWithGlobals(), io)));
  db(webhooks.command("replay").description("send the events stored since a time again"))
    .requiredOption("--since <time>", "ISO 8601 time (2026-12-01T10:00:00Z) or an age (90m, 6h, 2d)")
    .option("--endpoint <url>", "only to this endpoint (default: every enabled endpoint)")
    .option("--dry-run", "count what would be queued, change nothing")
    .action((_opts, cmd: Command) => run(async () => (await load()).replay(cmd.optsWithGlobals(), io)));
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
