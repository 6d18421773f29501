// What a live action (src/live/actions.ts) or the follower's resync can fail with, in the domain's own terms.
// The front ends map each to an answer once (src/server/http-errors.ts); the core knows no HTTP status.
import { AddressError, validateAddress } from "../internal/addresses.ts";

/** A failure of a live action, with a one-line message safe to show the caller. */
export abstract class LiveError extends Error {
  constructor(
    message: string,
    /** Seconds after which the same call may succeed, when that is known. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The caller's argument is unusable: not a string, or not a valid address of the expected kind. */
export class InvalidArgumentError extends LiveError {
  override name = "InvalidArgumentError";
}

/** A caller's address checked with StrKey; a bad one is an InvalidArgumentError naming it. */
export function validArgument(raw: unknown, label: string, kinds: ("account" | "contract")[]): string {
  if (typeof raw !== "string") throw new InvalidArgumentError(`${label} must be a string holding ${kinds.includes("account") ? "a G... or C..." : "a C..."} address`);
  try {
    return validateAddress(raw, label, kinds);
  } catch (error) {
    throw new InvalidArgumentError((error as AddressError).message);
  }
}

/** The factory does not know the token. */
export class UnknownTokenError extends LiveError {
  override name = "UnknownTokenError";
}

/** This process does not follow the chain (another process holds the contract's lock): ask the leader. */
export class NotLeaderError extends LiveError {
  override name = "NotLeaderError";
}

/** The RPC answered, but what was asked could not be read from it. */
export class ReadFailedError extends LiveError {
  override name = "ReadFailedError";
}

/** The RPC or the database is unavailable, too many calls wait, or the process is shutting down: try again. */
export class UnavailableError extends LiveError {
  override name = "UnavailableError";
}
