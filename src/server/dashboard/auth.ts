// The dashboard's access control: a login with SYNC_ADMIN_TOKEN (compared in constant time) opens a signed,
// HttpOnly, SameSite=Strict session cookie; every form that acts carries a CSRF token bound to that session.
// Sessions are stateless (signed with a key derived from the admin token), so any number of `serve` replicas
// sharing the token accept each other's sessions, and changing the token logs everyone out.
import crypto from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

export const SESSION_COOKIE = "sync_tokens_session";
/** The form field that carries the CSRF token. */
export const CSRF_FIELD = "_csrf";
const SESSION_SECONDS = 12 * 60 * 60;

export interface AdminSession {
  /** Random per login: the CSRF token is derived from it. */
  id: string;
  expiresAt: number;
  csrfToken: string;
}

export class DashboardAuth {
  readonly #tokenDigest: Buffer;
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(adminToken: string, now: () => number = Date.now) {
    this.#tokenDigest = sha256(adminToken);
    // Never the token itself: a cookie signature must not be a way to test guesses of it offline cheaply.
    this.#key = crypto.createHmac("sha256", adminToken).update("sync-tokens dashboard session v1").digest();
    this.#now = now;
  }

  /** Constant-time: both sides are hashed to the same length first, so neither length nor content leaks. */
  checkToken(candidate: string): boolean {
    return crypto.timingSafeEqual(sha256(candidate), this.#tokenDigest);
  }

  async startSession(c: Context): Promise<void> {
    const expiresAt = Math.floor(this.#now() / 1000) + SESSION_SECONDS;
    const id = crypto.randomBytes(18).toString("base64url");
    await setSignedCookie(c, SESSION_COOKIE, `${expiresAt}.${id}`, this.#key, {
      httpOnly: true,
      sameSite: "Strict",
      // Behind a TLS-terminating proxy the request arrives as http: its X-Forwarded-Proto still earns the flag.
      secure: new URL(c.req.url).protocol === "https:" || c.req.header("X-Forwarded-Proto") === "https",
      path: "/",
      maxAge: SESSION_SECONDS,
    });
  }

  endSession(c: Context): void {
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
  }

  /** The request's valid, unexpired session, or null. */
  async session(c: Context): Promise<AdminSession | null> {
    const value = await getSignedCookie(c, this.#key, SESSION_COOKIE);
    if (typeof value !== "string") return null;
    const match = /^(\d+)\.([A-Za-z0-9_-]+)$/.exec(value);
    if (!match) return null;
    const expiresAt = Number(match[1]);
    if (expiresAt * 1000 <= this.#now()) return null;
    const id = match[2]!;
    return { id, expiresAt, csrfToken: this.#csrfToken(id) };
  }

  /** True when `submitted` is the CSRF token of `session`. */
  checkCsrf(session: AdminSession, submitted: unknown): boolean {
    if (typeof submitted !== "string") return false;
    return crypto.timingSafeEqual(sha256(submitted), sha256(session.csrfToken));
  }

  #csrfToken(sessionId: string): string {
    return crypto.createHmac("sha256", this.#key).update(`csrf.${sessionId}`).digest("base64url");
  }
}

function sha256(text: string): Buffer {
  return crypto.createHash("sha256").update(text, "utf8").digest();
}
