// Webhook settings: flags override the environment. Validated with the rest of the configuration, before any
// network or database work; the secret never appears in an error message.
import { ConfigError } from "../internal/errors.ts";
import { isTrue, nonEmpty, splitList } from "./env-values.ts";
import { validateHttpUrl } from "./http-url.ts";
import { urlSecrets } from "../internal/redact.ts";

export const EVENT_TYPES = ["token.added", "token.updated", "token.graduated", "trade"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Without --webhook-events: every event but `trade`, which a busy launchpad sends thousands of a day (opt in). */
export const DEFAULT_EVENT_TYPES: EventType[] = ["token.added", "token.updated", "token.graduated"];

/** What a caller may pass (the CLI fills it from flags); the environment fills the gaps. */
export interface WebhookOptions {
  urls?: string[];
  /** Event types, a list or one comma-separated string. */
  events?: string | string[];
  secret?: string;
  /** How long a cron run delivers before it exits: seconds as a number or "10", "10s", "500ms". */
  timeout?: number | string;
  notifyInitial?: boolean;
  /** Days a delivered event is kept (whole, 0 keeps every event); WEBHOOK_RETENTION_DAYS, default 30. */
  retentionDays?: number | string;
}

export interface WebhookConfig {
  urls: string[];
  events: EventType[];
  /** `whsec_` + base64. */
  secret: string;
  drainTimeoutMs: number;
  notifyInitial: boolean;
  /** Delivered events older than this are deleted by the process that delivers; null keeps them all. */
  retentionMs: number | null;
  /** Strings to mask wherever text leaves the process: the secret and credentials in the URLs. */
  secrets: string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETENTION_DAYS = 30;
const MAX_RETENTION_DAYS = 36_500;
const DAY_MS = 86_400_000;

/**
 * null when no endpoint is configured (whatever else is set). Endpoints are https unless on this machine or
 * `allowHttp` (ALLOW_HTTP): a receiver's URL often holds its secret (Discord, Slack), and the payloads are signed,
 * not encrypted.
 */
export function resolveWebhookConfig(
  options: WebhookOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  allowHttp = isTrue(env.ALLOW_HTTP),
): WebhookConfig | null {
  const rawUrls = options.urls && options.urls.length > 0 ? options.urls : splitList(env.WEBHOOK_URLS);
  const events = parseEvents(options.events ?? nonEmpty(env.WEBHOOK_EVENTS));
  const drainTimeoutMs = parseTimeout(options.timeout ?? nonEmpty(env.WEBHOOK_TIMEOUT));
  const retentionMs = parseRetention(options.retentionDays ?? nonEmpty(env.WEBHOOK_RETENTION_DAYS));
  if (rawUrls.length === 0) return null;
  const urls = [...new Set(rawUrls.map((url) => validateWebhookUrl(url, allowHttp)))];
  const secret = (options.secret ?? nonEmpty(env.WEBHOOK_SECRET))?.trim();
  if (!secret) throw new ConfigError("webhooks need a signing secret: set WEBHOOK_SECRET (`sync-tokens webhooks secret` prints a new one)");
  validateSecret(secret);
  return {
    urls,
    events,
    secret,
    drainTimeoutMs,
    notifyInitial: options.notifyInitial ?? false,
    retentionMs,
    secrets: [secret, secret.slice("whsec_".length), ...urls.flatMap(urlSecrets)],
  };
}

/** The URL normalised; refused when it is no http(s) URL, or plain http to another machine without `allowHttp`. */
export function validateWebhookUrl(raw: string, allowHttp: boolean): string {
  return new URL(validateHttpUrl(raw.trim(), allowHttp, "webhook URL")).toString();
}

/** Standard Webhooks secrets: `whsec_` and the base64 of 24 to 64 random bytes. */
function validateSecret(secret: string): void {
  const body = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : undefined;
  const bytes = body !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0 ? Buffer.from(body, "base64").length : 0;
  if (bytes < 24 || bytes > 64) {
    throw new ConfigError(
      "WEBHOOK_SECRET is not valid: expected whsec_ followed by the base64 of 24 to 64 bytes (`sync-tokens webhooks secret` prints one)",
    );
  }
}

function parseEvents(value: string | string[] | undefined): EventType[] {
  if (value === undefined) return [...DEFAULT_EVENT_TYPES];
  const items = (Array.isArray(value) ? value : [value]).flatMap(splitList);
  if (items.length === 0) return [...DEFAULT_EVENT_TYPES];
  for (const item of items) {
    if (!(EVENT_TYPES as readonly string[]).includes(item)) {
      throw new ConfigError(`webhook event ${JSON.stringify(item.slice(0, 60))} is unknown: expected ${EVENT_TYPES.join(", ")}`);
    }
  }
  return EVENT_TYPES.filter((t) => items.includes(t));
}

function parseTimeout(value: number | string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const m = typeof value === "number" ? [String(value), String(value), "s"] : /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(value);
  const ms = m ? Number(m[1]) * (m[2] === "ms" ? 1 : 1000) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > 3_600_000) {
    throw new ConfigError(`webhook timeout ${JSON.stringify(String(value).slice(0, 40))} is not valid: expected seconds from 0 to 3600 (e.g. 10, 2.5s, 500ms)`);
  }
  return Math.round(ms);
}

/**
 * How long the outbox keeps delivered events (WEBHOOK_RETENTION_DAYS, default 30 days; null keeps them all),
 * also when no endpoint is configured: the event stream resumes from the outbox within it.
 */
export function outboxRetentionMs(env: NodeJS.ProcessEnv = process.env): number | null {
  return parseRetention(nonEmpty(env.WEBHOOK_RETENTION_DAYS));
}

function parseRetention(value: number | string | undefined): number | null {
  if (value === undefined) return DEFAULT_RETENTION_DAYS * DAY_MS;
  const text = String(value).trim();
  const days = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(days >= 0 && days <= MAX_RETENTION_DAYS)) {
    throw new ConfigError(
      `webhook retention ${JSON.stringify(text.slice(0, 40))} is not valid: expected whole days from 0 to ${MAX_RETENTION_DAYS} (0 keeps every event)`,
    );
  }
  return days === 0 ? null : days * DAY_MS;
}

