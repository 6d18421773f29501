// The one place a domain error becomes an HTTP status: the API's routes and the dashboard's pages and actions
// answer alike. Anything not listed is unexpected: the caller logs it and answers 500 without its text.
import { InvalidArgumentError, LiveError, NotLeaderError, ReadFailedError, UnavailableError, UnknownTokenError } from "../live/errors.ts";
import { QueryError } from "../store/token-queries.ts";

export type FailureStatus = 400 | 401 | 404 | 409 | 413 | 415 | 421 | 429 | 502 | 503;

/**
 * The stable machine codes of failures, the same across REST (`error.code`), GraphQL (`extensions.code`) and
 * SSE. Clients branch on these, never on the message; a code once published is never renamed.
 */
export const ERROR_CODES = [
  "bad_request",
  "unauthorized",
  "not_found",
  "not_leader",
  "misdirected",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "read_failed",
  "unavailable",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected failure as the client sees it: the status, its code, the one-line message, and Retry-After when known. */
export interface HttpFailure {
  status: FailureStatus;
  code: ErrorCode;
  message: string;
  retryAfterSeconds?: number;
}

/** A refusal decided at the edge (auth, limits, content type): thrown by a route, answered as it says. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: FailureStatus,
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The body of every REST error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export const errorBody = (code: ErrorCode, message: string): ErrorBody => ({ error: { code, message } });

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
  if (error instanceof ApiError) {
    const { status, code, message, retryAfterSeconds } = error;
    return retryAfterSeconds === undefined ? { status, code, message } : { status, code, message, retryAfterSeconds };
  }
  const match = STATUSES.find(([type]) => error instanceof type);
  if (match === undefined) return null;
  const [, status, code] = match;
  const { message } = error as Error;
  const retryAfterSeconds = error instanceof LiveError ? error.retryAfterSeconds : undefined;
  return retryAfterSeconds === undefined ? { status, code, message } : { status, code, message, retryAfterSeconds };
}
