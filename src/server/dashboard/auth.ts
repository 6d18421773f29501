// The dashboard's access control: a login with SYNC_ADMIN_TOKEN (compared in constant time) opens a signed,
// HttpOnly, SameSite=Strict session cookie; every form that acts carries a CSRF token bound to that session.
//
// A session ends at the first of: 12 h after login, `idleSeconds` without a request (each request moves that
// deadline; the cookie is re-signed at most every minute), logout, or a change of the admin token (the signing key
// derives from it). Logout revokes the session's id in this process's memory: with several `serve` processes
// behind one address, the others honour the cookie until it idles out (README, Dashboard: Sessions).
//
// The cookie is `__Host-sync_tokens_session` (Secure, Path=/, no Domain: no other site or subdomain can set or
// overwrite it) on https, behind a proxy that says X-Forwarded-Proto: https, on loopback hosts (browsers keep
// Secure cookies of http://localhost and 127.0.0.1), and always with `forceSecure`. On plain http to another host
// a Secure cookie would never come back, so there it is `sync_tokens_session` without Secure.
import { isLoopbackHost } from "../../config/http-url.ts";
import crypto from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

export const SESSION_COOKIE = "sync_tokens_session";
/** The form field that carries the CSRF token. */
export const CSRF_FIELD = "_csrf";
const SESSION_SECONDS = 12 * 60 * 60;
export const DEFAULT_IDLE_SECONDS = 30 * 60;
/** Revoked ids remembered at most; beyond it the oldest go (they were nearest their own end anyway). */
const MAX_REVOKED = 100_000;

export interface SessionOptions {
  /** Seconds a session lives without a request (default 30 min). */
  idleSeconds?: number;
  /** The `__Host-`, Secure cookie whatever the request looks like (a TLS-terminating proxy that sends no X-Forwarded-Proto). */
  forceSecure?: boolean;
  now?: () => number;
}

export interface AdminSession {
  /** Random per login: the CSRF token is derived from it. */
  id: string;
  expiresAt: number;
  csrfToken: string;
}

export class DashboardAuth {
  readonly #tokenDigest: Buffer;
  // A plain Uint8Array over an ArrayBuffer: the BufferSource hono's signed cookies take (a Buffer's may be shared).
  readonly #key: Uint8Array<ArrayBuffer>;
  readonly #now: () => number;
  readonly #idleSeconds: number;
  readonly #forceSecure: boolean;
  /** Logged-out session ids -> their absolute end (s): only until then could a copy of the cookie be used. */
  readonly #revoked = new Map<string, number>();

  constructor(adminToken: string, options: SessionOptions = {}) {
    this.#tokenDigest = sha256(adminToken);
    // Never the token itself: a cookie signature must not be a way to test guesses of it offline cheaply.
    this.#key = new Uint8Array(crypto.createHmac("sha256", adminToken).update("sync-tokens dashboard session v2").digest());
    this.#now = options.now ?? Date.now;
    this.#idleSeconds = options.idleSeconds ?? DEFAULT_IDLE_SECONDS;
    this.#forceSecure = options.forceSecure ?? false;
  }

  /** Constant-time: both sides are hashed to the same length first, so neither length nor content leaks. */
  checkToken(candidate: string): boolean {
    return crypto.timingSafeEqual(sha256(candidate), this.#tokenDigest);
  }

  async startSession(c: Context): Promise<void> {
    const id = crypto.randomBytes(18).toString("base64url");
    await this.#setCookie(c, this.#seconds() + SESSION_SECONDS, id);
  }

  /** Logout: the id is refused from now on, whichever copy of the cookie carries it. */
  endSession(c: Context, session: AdminSession): void {
    this.#revoked.set(session.id, session.expiresAt);
    const now = this.#seconds();
    for (const [id, end] of this.#revoked) {
      if (end > now && this.#revoked.size <= MAX_REVOKED) break;
      this.#revoked.delete(id); // insertion order is nearly end order: expired ones are at the front
    }
    const { name, prefix } = this.#cookie(c);
    deleteCookie(c, name, prefix ? { path: "/", secure: true, prefix } : { path: "/" });
  }

  /** The request's valid session, or null; moves its idle deadline (re-signing the cookie at most every minute). */
  async session(c: Context): Promise<AdminSession | null> {
    const { name, prefix } = this.#cookie(c);
    const value = await getSignedCookie(c, this.#key, name, prefix);
    if (typeof value !== "string") return null;
    const match = /^(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{24})$/.exec(value);
    if (!match) return null;
    const [expiresAt, seenAt, id] = [Number(match[1]), Number(match[2]), match[3]!];
    const now = this.#seconds();
    if (expiresAt <= now || seenAt + this.#idleSeconds <= now || this.#revoked.has(id)) return null;
    if (now - seenAt >= Math.min(60, Math.ceil(this.#idleSeconds / 4))) await this.#setCookie(c, expiresAt, id);
    return { id, expiresAt, csrfToken: this.#csrfToken(id) };
  }

  /** True when `submitted` is the CSRF token of `session`. */
  checkCsrf(session: AdminSession, submitted: unknown): boolean {
    if (typeof submitted !== "string") return false;
    return crypto.timingSafeEqual(sha256(submitted), sha256(session.csrfToken));
  }

  async #setCookie(c: Context, expiresAt: number, id: string): Promise<void> {
    const { name, prefix } = this.#cookie(c);
    const now = this.#seconds();
    await setSignedCookie(c, name, `${expiresAt}.${now}.${id}`, this.#key, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      // The browser forgets it when the server would refuse it anyway.
      maxAge: Math.max(1, Math.min(expiresAt - now, this.#idleSeconds)),
      ...(prefix ? { prefix, secure: true } : {}),
    });
  }

  /** The cookie's name for this request: `__Host-` (Secure) wherever the browser will send a Secure cookie back. */
  #cookie(c: Context): { name: string; prefix?: "host" } {
    const url = new URL(c.req.url);
    const secure =
      this.#forceSecure || url.protocol === "https:" || c.req.header("X-Forwarded-Proto")?.trim().toLowerCase() === "https" || isLoopbackHost(url.hostname);
    return secure ? { name: SESSION_COOKIE, prefix: "host" } : { name: SESSION_COOKIE };
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  #csrfToken(sessionId: string): string {
    return crypto.createHmac("sha256", this.#key).update(`csrf.${sessionId}`).digest("base64url");
  }
}

function sha256(text: string): Buffer {
  return crypto.createHash("sha256").update(text, "utf8").digest();
}
