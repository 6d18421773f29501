// The one place a domain error becomes an HTTP status: the API's routes and the dashboard's pages and actions
// answer alike. Anything not listed is unexpected: the caller logs it and answers 500 without its text.
import { InvalidArgumentError, LiveError, NotLeaderError, ReadFailedError, UnavailableError, UnknownTokenError } from "../live/errors.ts";
import { QueryError } from "../store/token-queries.ts";

export type FailureStatus = 400 | 404 | 409 | 502 | 503;

/** An expected failure as the client sees it: the status, the one-line message, and Retry-After when known. */
export interface HttpFailure {
  status: FailureStatus;
  message: string;
  retryAfterSeconds?: number;
}

const STATUSES: [abstract new (...args: never[]) => Error, FailureStatus][] = [
  [InvalidArgumentError, 400],
  [QueryError, 400],
  [UnknownTokenError, 404],
  [NotLeaderError, 409],
  [ReadFailedError, 502],
  [UnavailableError, 503],
];

/** The answer for an expected failure, or null for an unexpected one. */
export function httpFailure(error: unknown): HttpFailure | null {
  const status = STATUSES.find(([type]) => error instanceof type)?.[1];
  if (status === undefined) return null;
  const { message } = error as Error;
  const retryAfterSeconds = error instanceof LiveError ? error.retryAfterSeconds : undefined;
  return retryAfterSeconds === undefined ? { status, message } : { status, message, retryAfterSeconds };
}
