// JSON-RPC 2.0 over Node's fetch (undici keeps connections alive). Written here rather than using the SDK's
// rpc.Server because that retries nothing and hides HTTP status and Retry-After; the SDK stays in charge of XDR.
import { InterruptedError } from "../internal/errors.ts";
import { redactSecrets, urlSecrets } from "../internal/redact.ts";
import { parseRetryAfter, withRetry } from "./retry.ts";

export interface RpcClientOptions {
  url: string;
  /** Per HTTP request, body included. */
  timeoutMs?: number;
  /** Retries after the first attempt, for transient failures only. */
  retries?: number;
  /** Bound on the whole request, retries and waits included. */
  maxRetryTimeMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  headers?: Record<string, string>;
  onRetry?: (e: { method: string; attempt: number; error: RpcError; delayMs: number }) => void;
  /** Called once per HTTP request sent (retries included) with how it ended: for metrics. */
  onResponse?: (e: { method: string; outcome: RpcOutcome; durationMs: number }) => void;
  /**
   * Cancels waits and requests in flight; the request then rejects with the signal's reason when that is an
   * Error, else with an InterruptedError naming it.
   */
  signal?: AbortSignal;
}

/** How one HTTP request ended: a result, a JSON-RPC error, an HTTP error status, no answer, or a garbled one. */
export type RpcOutcome = "ok" | "rpc_error" | "http_error" | "network_error" | "timeout" | "malformed";

/** Any failure to get a JSON-RPC result. `transient` failures were retried (and ran out of budget); others were not. */
export class RpcError extends Error {
  override name = "RpcError";
  readonly transient: boolean;
  readonly httpStatus?: number;
  readonly rpcCode?: number;
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    info: { transient: boolean; httpStatus?: number; rpcCode?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    this.transient = info.transient;
    if (info.httpStatus !== undefined) this.httpStatus = info.httpStatus;
    if (info.rpcCode !== undefined) this.rpcCode = info.rpcCode;
    if (info.retryAfterMs !== undefined) this.retryAfterMs = info.retryAfterMs;
  }
}

/**
 * The RPC failed a request on every attempt for the whole retry budget while no other request got an answer
 * either: it is down (or refusing us), not just unlucky. The client is then spent: every request in flight or
 * waiting to retry, and every later one, rejects at once with this same error, so that a run stops instead of
 * spending a full retry budget on each remaining request. Transient, so that no caller takes it for a final
 * answer about the data it asked for (a cursor must not move past what it failed to read).
 */
export class RpcUnavailableError extends RpcError {
  override name = "RpcUnavailableError";
}

// -32001/-32003: stellar-rpc is overloaded or busy. -32603: internal error, e.g. core briefly unreachable.
const TRANSIENT_RPC_CODES = new Set([-32001, -32003, -32603]);

export class RpcClient {
  /** Every HTTP request sent, per JSON-RPC method, retries included. */
  readonly requestCounts: Record<string, number> = {};

  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #secrets: string[];
  readonly #timeoutMs: number;
  readonly #options: RpcClientOptions;
  #nextId = 0;
  /** Aborted, with an RpcUnavailableError as reason, once the RPC is found to be down. */
  readonly #down = new AbortController();
  /** performance.now() of the last response that was not a transient failure. */
  #lastAnswerAt = Number.NEGATIVE_INFINITY;

  constructor(options: RpcClientOptions) {
    const url = new URL(options.url); // fail fast on a malformed URL, before any request is counted
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new RpcError(`RPC URL must be http or https, got ${url.protocol}`, { transient: false });
    }
    // fetch refuses URLs carrying credentials, so user-info travels as HTTP Basic auth instead.
    const credentials: Record<string, string> = {};
    if (url.username !== "" || url.password !== "") {
      const userPass = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      credentials.authorization = `Basic ${Buffer.from(userPass).toString("base64")}`;
      url.username = "";
      url.password = "";
    }
    const extra = { ...credentials, ...options.headers };
    this.#url = url.toString();
    this.#headers = { "content-type": "application/json", accept: "application/json", ...extra };
    // The bare Basic token too: base64 of user:password is the password in all but name.
    const basic = credentials.authorization?.slice("Basic ".length);
    this.#secrets = [...urlSecrets(options.url), ...Object.values(extra), ...(basic ? [basic] : [])];
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#options = options;
  }

  /** What this client masks in its messages: the URL's credentials and the headers derived from them. */
  get secrets(): readonly string[] {
    return this.#secrets;
  }

  async request<T>(method: string, params?: unknown): Promise<T> {
    const o = this.#options;
    const onRetry = o.onRetry;
    const down = this.#down.signal;
    if (o.signal?.aborted) throw cancelled(o.signal);
    if (down.aborted) throw down.reason;
    const startedAt = performance.now();
    let attempts = 0;
    try {
      return await withRetry(
        (n) => {
          attempts = n;
          return this.#send<T>(method, params);
        },
        {
          retries: o.retries ?? 8,
          maxRetryTimeMs: o.maxRetryTimeMs ?? 120_000,
          minBackoffMs: o.minBackoffMs ?? 250,
          maxBackoffMs: o.maxBackoffMs ?? 10_000,
          signal: o.signal ? AbortSignal.any([o.signal, down]) : down,
        },
        (e): e is RpcError => e instanceof RpcError,
        onRetry && ((error, attempt, delayMs) => onRetry({ method, attempt, error, delayMs })),
      );
    } catch (e) {
      if (o.signal?.aborted) throw cancelled(o.signal);
      if (down.aborted) throw down.reason;
      if (e instanceof RpcError && e.transient) {
        const info = {
          transient: true,
          ...(e.httpStatus === undefined ? {} : { httpStatus: e.httpStatus }),
          ...(e.rpcCode === undefined ? {} : { rpcCode: e.rpcCode }),
          ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
          cause: e,
        };
        const gaveUp = attempts > 1 ? ` (gave up after ${attempts} attempts)` : "";
        if (this.#lastAnswerAt < startedAt) {
          // Nothing answered while this request tried for its whole budget: the RPC is down.
          const down = new RpcUnavailableError(`${e.message}${gaveUp}`, info);
          this.#down.abort(down);
          throw down;
        }
        if (attempts > 1) throw new RpcError(`${e.message}${gaveUp}`, info);
      }
      throw e;
    }
  }

  async #send<T>(method: string, params: unknown): Promise<T> {
    const onResponse = this.#options.onResponse;
    if (!onResponse) return this.#sendOnce<T>(method, params);
    const startedAt = performance.now();
    try {
      const result = await this.#sendOnce<T>(method, params);
      onResponse({ method, outcome: "ok", durationMs: performance.now() - startedAt });
      return result;
    } catch (e) {
      onResponse({ method, outcome: outcomeOf(e), durationMs: performance.now() - startedAt });
      throw e;
    }
  }

  async #sendOnce<T>(method: string, params: unknown): Promise<T> {
    this.requestCounts[method] = (this.requestCounts[method] ?? 0) + 1;
    const id = ++this.#nextId;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const user = this.#options.signal;
    const signal = AbortSignal.any(user ? [user, this.#down.signal, timeout] : [this.#down.signal, timeout]);
    const body = JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });

    let response: Response;
    let text: string;
    try {
      response = await fetch(this.#url, { method: "POST", headers: this.#headers, body, signal });
      // Always read the body: a connection goes back to the keep-alive pool only once it is drained.
      text = await response.text();
    } catch (e) {
      throw this.#transportError(method, e, timeout);
    }
    let result: T;
    try {
      if (!response.ok) throw this.#httpError(method, response, text);
      result = this.#parseBody<T>(method, id, text, response.headers.get("content-type"));
    } catch (e) {
      // A definite answer, even a refusal, shows the RPC is up; a transient failure shows nothing.
      if (e instanceof RpcError && !e.transient) this.#lastAnswerAt = performance.now();
      throw e;
    }
    this.#lastAnswerAt = performance.now();
    return result;
  }

  #transportError(method: string, e: unknown, timeout: AbortSignal): unknown {
    const user = this.#options.signal;
    if (user?.aborted) return cancelled(user);
    if (this.#down.signal.aborted) return this.#down.signal.reason;
    if (timeout.aborted) {
      return new RpcError(`${method}: no complete response within ${this.#timeoutMs} ms`, { transient: true, cause: e });
    }
    return new RpcError(this.#line(method, `network error: ${describeNetworkError(e)}`), { transient: true, cause: e });
  }

  #httpError(method: string, response: Response, text: string): RpcError {
    const status = response.status;
    const transient = status === 408 || status === 429 || status >= 500;
    const retryAfterMs = transient ? parseRetryAfter(response.headers.get("retry-after")) : undefined;
    const wait = retryAfterMs === undefined ? "" : ` (Retry-After ${retryAfterMs} ms)`;
    const snippet = text.trim() === "" ? "" : `: ${text}`;
    return new RpcError(this.#line(method, `HTTP ${status} ${response.statusText}${wait}${snippet}`), {
      transient,
      httpStatus: status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  /**
   * A body cut short or garbled is transient (a flaky link or proxy); a complete answer that is not JSON-RPC at
   * all (a web page, JSON without "jsonrpc") is final: the URL does not point at a Stellar RPC.
   */
  #parseBody<T>(method: string, id: number, text: string, contentType: string | null): T {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      const notJson = contentType !== null && !/json/i.test(contentType);
      const what = notJson ? `not a JSON-RPC response (${contentType.split(";")[0]} body)` : `malformed response body (${(e as Error).message})`;
      throw new RpcError(this.#line(method, what), { transient: !notJson });
    }
    if (typeof body !== "object" || body === null || !("jsonrpc" in body)) {
      throw new RpcError(this.#line(method, "not a JSON-RPC response (no \"jsonrpc\" member)"), { transient: false });
    }
    if ((body as { id?: unknown }).id !== id) {
      throw new RpcError(this.#line(method, "malformed response body (not the JSON-RPC response to this request)"), {
        transient: true,
      });
    }
    const { error, result } = body as { error?: unknown; result?: unknown };
    if (error !== undefined && error !== null) {
      const code = (error as { code?: unknown }).code;
      const message = (error as { message?: unknown }).message;
      const rpcCode = typeof code === "number" ? code : undefined;
      const what = `JSON-RPC error ${rpcCode ?? "?"}: ${typeof message === "string" ? message : "(no message)"}`;
      throw new RpcError(this.#line(method, what), {
        transient: rpcCode !== undefined && TRANSIENT_RPC_CODES.has(rpcCode),
        ...(rpcCode === undefined ? {} : { rpcCode }),
      });
    }
    if (result === undefined) {
      throw new RpcError(this.#line(method, "malformed response body (neither result nor error)"), { transient: true });
    }
    return result as T;
  }

  /** One short log-safe line: method first, secrets masked, whitespace collapsed, length bounded. */
  #line(method: string, what: string): string {
    const line = redactSecrets(what, this.#secrets).replace(/\s+/g, " ").trim();
    return `${method}: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`;
  }
}

/**
 * What a request rejects with once the caller's signal aborted: the signal's reason when it is an Error, else
 * an InterruptedError naming it (the CLI aborts with the signal's name, "SIGINT" or "SIGTERM"). Never a bare
 * string: callers tell an interruption from a failure by its class.
 */
function cancelled(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new InterruptedError(typeof reason === "string" ? reason : "signal");
}

function outcomeOf(e: unknown): RpcOutcome {
  if (!(e instanceof RpcError)) return "network_error";
  if (e.rpcCode !== undefined) return "rpc_error";
  if (e.httpStatus !== undefined) return "http_error";
  if (/no complete response within/.test(e.message)) return "timeout";
  return /network error/.test(e.message) ? "network_error" : "malformed";
}

/** undici reports "fetch failed" / "terminated" and puts the useful part (ECONNRESET, other side closed) in `cause`. */
function describeNetworkError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur instanceof Error && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    parts.push(typeof code === "string" ? `${cur.message} [${code}]` : cur.message);
    cur = cur.cause;
  }
  return parts.length === 0 ? String(e) : parts.join(": ");
}
