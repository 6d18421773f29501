// How the REST routes answer: JSON whose bytes never read as HTML, errors in one shape
// ({"error": {"code", "message"}}), and the error answers each route declares in /openapi.json.
import type { Hook } from "@hono/zod-openapi";
import type { Context, Env, TypedResponse } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { JSONParsed } from "hono/utils/types";
import { errorBody, type ErrorCode } from "../http-errors.ts";
import { ErrorBody } from "./schemas.ts";

/** JSON text with <, >, & and U+2028/U+2029 as \u escapes: the same value, but no byte of it reads as HTML. */
export function escapeJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A JSON answer, escaped as escapeJson does. */
export function json<T, S extends ContentfulStatusCode>(c: Context, status: S, value: T): Response & TypedResponse<JSONParsed<T>, S, "json"> {
  const body = escapeJson(JSON.stringify(value));
  return c.body(body, status, { "Content-Type": "application/json; charset=utf-8" }) as unknown as Response & TypedResponse<JSONParsed<T>, S, "json">;
}

export function fail<S extends ContentfulStatusCode>(c: Context, status: S, code: ErrorCode, message: string, retryAfterSeconds?: number) {
  if (retryAfterSeconds !== undefined) c.header("Retry-After", String(retryAfterSeconds));
  return json(c, status, errorBody(code, message));
}

const DESCRIPTIONS = {
  400: "Bad request: a parameter, the body or a cursor is not valid (`bad_request`)",
  401: "Missing or wrong bearer token (`unauthorized`)",
  404: "Not found (`not_found`)",
  409: "Only the lock holder can do this (`not_leader`)",
  413: "Request body over the limit, 4 KB by default (`payload_too_large`)",
  415: "Content type other than application/json (`unsupported_media_type`)",
  421: "The Host header is not one of SYNC_ALLOWED_HOSTS (`misdirected`)",
  429: "Too many requests from this client; Retry-After says when to retry (`rate_limited`)",
  500: "Unexpected failure; the message carries an id the server's log has (`internal`)",
  502: "The chain's answer could not be read (`read_failed`)",
  503: "The RPC or the database is unavailable, or too many requests wait; Retry-After says when to retry (`unavailable`)",
} as const;
export type ErrorStatus = keyof typeof DESCRIPTIONS;

const RETRY_AFTER = { "Retry-After": { description: "seconds to wait", schema: { type: "integer" as const } } };

/** The error answers of a route, for its createRoute() `responses`; every route may also answer 421 and 500. */
export function errors<const S extends ErrorStatus>(...statuses: S[]): Record<S | 421 | 500, { description: string; content: { "application/json": { schema: typeof ErrorBody } } }> {
  const out: Record<number, unknown> = {};
  for (const status of [...statuses, 421, 500] as ErrorStatus[]) {
    out[status] = {
      description: DESCRIPTIONS[status],
      ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      content: { "application/json": { schema: ErrorBody } },
    };
  }
  return out as never;
}

/** A request the schemas refuse: 400 with the first issue's message, which names the value. */
export const refuseInvalid: Hook<unknown, Env, string, Response | undefined> = (result, c) => {
  if (result.success) return undefined;
  return fail(c, 400, "bad_request", firstIssue(result.error.issues));
};

/** The first issue's message, prefixed with its path unless the message already names it. */
export function firstIssue(issues: readonly { code: string; path: PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  const where = issue && issue.code !== "custom" && issue.path.length > 0 && !issue.message.startsWith(String(issue.path.at(-1))) ? `${issue.path.map(String).join(".")}: ` : "";
  return `${where}${issue?.message ?? "the request is not valid"}`;
}
