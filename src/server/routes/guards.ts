// The checks in front of the REST routes: rate limits, bearer tokens, and the JSON body's media type, size and
// syntax. Each refusal throws an ApiError, answered in the one error shape by the server's onError.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { LiveActions } from "../../live/actions.ts";
import type { Common } from "../../internal/common.ts";
import type { AuthThrottle } from "../auth-throttle.ts";
import { bearerMatches, type ApiTokens } from "../auth.ts";
import { ApiError } from "../http-errors.ts";
import type { RateLimiter } from "../rate-limit.ts";

/** What the route modules need from the server. */
export interface RouteDeps {
  common: Common;
  actions: LiveActions;
  tokens: ApiTokens;
  /** POST /api/sync-token's per-client limit; null: none. */
  syncLimiter: RateLimiter | null;
  adminThrottle: AuthThrottle;
  maxBodyBytes: number;
  /** The client's key for limits (its address, or X-Forwarded-For's behind trusted proxies). */
  clientKey: (c: Parameters<MiddlewareHandler>[0]) => string;
  /** The per-client limit of public reads. */
  readLimit: MiddlewareHandler;
}

const UNAUTHORIZED = "missing or wrong bearer token (Authorization: Bearer ...)";
const ADMIN_DISABLED = "the admin endpoint is disabled: set SYNC_ADMIN_TOKEN to enable it";

export function unauthorized(c: Parameters<MiddlewareHandler>[0]): ApiError {
  c.header("WWW-Authenticate", 'Bearer realm="sync-tokens"');
  return new ApiError(401, "unauthorized", UNAUTHORIZED);
}

/** A per-client limiter as middleware: 429 with Retry-After past it. */
export function limit(limiter: RateLimiter | null, key: RouteDeps["clientKey"], what: string): MiddlewareHandler {
  return async (c, next) => {
    const wait = limiter?.take(key(c)) ?? 0;
    if (wait > 0) throw new ApiError(429, "rate_limited", `too many ${what} from this client: try again in ${wait} s`, wait);
    await next();
  };
}

/** The admin token's gate: 404 while there is none, 401 without it, 429 after too many wrong ones (throttled per client). */
export function adminOnly(deps: RouteDeps, what: string): MiddlewareHandler {
  return async (c, next) => {
    const expected = deps.tokens.adminToken;
    if (expected === null) throw new ApiError(404, "not_found", ADMIN_DISABLED);
    const from = deps.clientKey(c);
    const blocked = deps.adminThrottle.retryAfter(from);
    if (blocked > 0) throw tooManyAdminFailures(blocked);
    if (!bearerMatches(c.req.header("Authorization"), expected)) {
      const wait = deps.adminThrottle.failed(from, what);
      throw wait > 0 ? tooManyAdminFailures(wait) : unauthorized(c);
    }
    await next();
  };
}

function tooManyAdminFailures(wait: number): ApiError {
  return new ApiError(429, "rate_limited", `too many wrong admin tokens from this client: try again in ${wait} s`, wait);
}

/**
 * A JSON body's checks before the schema's: the size (413), the media type (415) and the syntax (400).
 * `optional`: an empty body passes whatever its type (the schema then sees {}).
 */
export function jsonBody(maxBytes: number, options: { optional?: boolean } = {}): MiddlewareHandler[] {
  const oversized = () => {
    throw new ApiError(413, "payload_too_large", `request body is larger than ${maxBytes} bytes`);
  };
  return [
    bodyLimit({ maxSize: maxBytes, onError: oversized }),
    async (c, next) => {
      const text = await c.req.text();
      if (options.optional && text.trim() === "") {
        // The schema's validator reads the body as JSON only under a JSON type.
        if (/json/i.test(c.req.header("Content-Type") ?? "")) c.req.raw.headers.delete("Content-Type");
        return next();
      }
      const type = c.req.header("Content-Type") ?? "";
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        throw new ApiError(415, "unsupported_media_type", `content type must be application/json, got ${type === "" ? "none" : JSON.stringify(type.slice(0, 80))}`);
      }
      if (Buffer.byteLength(text) > maxBytes) oversized();
      try {
        JSON.parse(text);
      } catch (error) {
        throw new ApiError(400, "bad_request", `request body is not valid JSON: ${(error as Error).message.split("\n")[0]}`);
      }
      await next();
    },
  ];
}
