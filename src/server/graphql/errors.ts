// GraphQL errors carry the stable codes of ./http-errors.ts in `extensions.code`. Expected failures keep their
// one-line message; anything else is masked to "internal error (error <id>)" with the detail in the log under
// the same id, as the REST API answers. Parse and validation errors (the client's query) become bad_request.
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { errorId } from "../../internal/error-id.ts";
import type { Logger } from "../../internal/logger.ts";
import { ERROR_CODES, httpFailure, type ErrorCode } from "../http-errors.ts";

/** A refusal the resolver or the HTTP layer decides; `status`/`headers` set the HTTP answer when it is the only error. */
export function refusal(code: ErrorCode, message: string, status?: number, headers?: Record<string, string>): GraphQLError {
  const http = status === undefined ? {} : { http: { status, ...(headers ? { headers } : {}) } };
  return new GraphQLError(message, { extensions: { code, ...http } });
}

/** The body of a request refused before GraphQL runs (413, 415, 429): the GraphQL answer's shape. */
export function refusalBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}

/** yoga's maskedErrors.maskError: every error leaves with a stable code and no internal text. */
export function maskErrorWith(logger: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    // A refusal of ours, or graphql-js's and yoga's own (stableCodes gives those their code).
    if (error instanceof GraphQLError && (original === undefined || original === null || original instanceof GraphQLError)) return error;
    const failure = httpFailure(original);
    if (failure) {
      const retry = failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds };
      return rebuild(error, failure.message, { code: failure.code, ...retry });
    }
    const id = errorId();
    const path = error instanceof GraphQLError && error.path ? ` at ${error.path.join(".")}` : "";
    const detail = original instanceof Error ? original.message : String(original);
    logger.warn(`[error ${id}] GraphQL${path} failed: ${detail.split("\n")[0]}`);
    return rebuild(error, `internal error (error ${id})`, { code: "internal" });
  };
}

/**
 * Errors that never reached a resolver (the query did not parse or validate, a limit refused it, yoga refused the
 * request) carry graphql-js's or yoga's own codes: each leaves as bad_request, the client's fault.
 */
export function stableCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !("errors" in result) || !result.errors?.length) return;
      if (result.errors.every((e) => isOurCode(e.extensions?.code))) return;
      const errors = result.errors.map((e) =>
        isOurCode(e.extensions?.code) ? e : new GraphQLError(e.message, { nodes: e.nodes, positions: e.positions, path: e.path, extensions: { ...e.extensions, code: "bad_request" } }),
      );
      setResult({ ...result, errors });
    },
  };
}

function isOurCode(code: unknown): boolean {
  return typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code);
}

/** Keeps where the error arose; yoga reads (and strips) extensions.http for the answer's status and headers. */
function rebuild(error: unknown, message: string, extensions: Record<string, unknown>): GraphQLError {
  const at = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path, positions: error.positions } : {};
  return new GraphQLError(message, { ...at, extensions });
}
