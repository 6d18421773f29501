// Bearer tokens of the HTTP API: SYNC_API_TOKEN (optional, guards POST /api/sync-token) and SYNC_ADMIN_TOKEN
// (enables and guards the admin endpoints). Values are secrets: errors name the variable, never the value, and
// comparison takes the same time whatever the guess.
import crypto from "node:crypto";

export class AuthConfigError extends Error {
  override name = "AuthConfigError";
}

export interface ApiTokens {
  /** null: POST /api/sync-token is public. */
  apiToken: string | null;
  /** null: the admin endpoints are disabled. */
  adminToken: string | null;
}

/** At least 128 bits of a random token in any common encoding. */
export const MIN_TOKEN_LENGTH = 16;

export function parseApiTokens(env: NodeJS.ProcessEnv): ApiTokens {
  const tokens = { apiToken: parseToken(env, "SYNC_API_TOKEN"), adminToken: parseToken(env, "SYNC_ADMIN_TOKEN") };
  // The API token sits in front ends and scripts; were it the admin token, each of them could act as the admin.
  if (tokens.apiToken !== null && tokens.apiToken === tokens.adminToken) {
    throw new AuthConfigError("SYNC_API_TOKEN equals SYNC_ADMIN_TOKEN: give the admin its own token (e.g. `openssl rand -hex 32`)");
  }
  return tokens;
}

function parseToken(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return null;
  const value = raw.trim();
  if (/[^\x21-\x7e]/.test(value)) {
    throw new AuthConfigError(`${name} holds whitespace or non-ASCII characters: a bearer token must be printable ASCII without spaces`);
  }
  if (value.length < MIN_TOKEN_LENGTH) {
    throw new AuthConfigError(`${name} is ${value.length} characters long: use at least ${MIN_TOKEN_LENGTH} (e.g. \`openssl rand -hex 32\`)`);
  }
  return value;
}

/** True when the Authorization header carries `Bearer <expected>`; constant time in the guess. */
export function bearerMatches(header: string | undefined | null, expected: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  const given = match?.[1] ?? "";
  // Digests have one length, so timingSafeEqual never leaks the token's length either.
  const a = crypto.createHash("sha256").update(given).digest();
  const b = crypto.createHash("sha256").update(expected).digest();
  return crypto.timingSafeEqual(a, b) && match !== null;
}
