// The one place a domain error becomes an HTTP status: the API's routes and the dashboard's pages and actions
// answer alike. Anything not listed is unexpected: the caller logs it and answers 500 without its text.
import { InvalidArgumentError, LiveError, NotLeaderError, ReadFailedError, UnavailableError, UnknownTokenError } from "../live/errors.ts";
import { QueryError } from "../store/token-queries.ts";

export type FailureStatus = 400 | 404 | 409 | 502 | 503;

/**
 * The stable machine codes of failures, the same across REST (`error.code`), GraphQL (`extensions.code`) and
 * SSE. Clients branch on these, never on the message; a code once published is never renamed.
 */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "not_found"
  | "not_leader"
  | "misdirected"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "read_failed"
  | "unavailable"
  | "internal";

/** An expected failure as the client sees it: the status, its code, the one-line message, and Retry-After when known. */
export interface HttpFailure {
  status: FailureStatus;
  code: ErrorCode;
  message: string;
  retryAfterSeconds?: number;
}

const STATUSES: [abstract new (...args: never[]) => Error, FailureStatus, ErrorCode][] = [
  [InvalidArgumentError, 400, "bad_request"],
  [QueryError, 400, "bad_request"],
  [UnknownTokenError, 404, "not_found"],
  [NotLeaderError, 409, "not_leader"],
  [ReadFailedError, 502, "read_failed"],
  [UnavailableError, 503, "unavailable"],
];

/** The answer for an expected failure, or null for an unexpected one. */
export function httpFailure(error: unknown): HttpFailure | null {
  const match = STATUSES.find(([type]) => error instanceof type);
  if (match === undefined) return null;
  const [, status, code] = match;
  const { message } = error as Error;
  const retryAfterSeconds = error instanceof LiveError ? error.retryAfterSeconds : undefined;
  return retryAfterSeconds === undefined ? { status, code, message } : { status, code, message, retryAfterSeconds };
}
