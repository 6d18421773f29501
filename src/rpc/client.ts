// JSON-RPC 2.0 over Node's fetch (undici keeps connections alive). Written here rather than using the SDK's
// rpc.Server because that retries nothing and hides HTTP status and Retry-After; the SDK stays in charge of XDR.
import { redactSecrets, urlSecrets } from "../redact.ts";
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
  /** Cancels waits and requests in flight; the request then rejects with the signal's reason. */
  signal?: AbortSignal;
}

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
    this.#secrets = [...urlSecrets(options.url), ...Object.values(extra)];
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#options = options;
  }

  async request<T>(method: string, params?: unknown): Promise<T> {
    const o = this.#options;
    const onRetry = o.onRetry;
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
          signal: o.signal,
        },
        (e): e is RpcError => e instanceof RpcError,
        onRetry && ((error, attempt, delayMs) => onRetry({ method, attempt, error, delayMs })),
      );
    } catch (e) {
      if (e instanceof RpcError && e.transient && attempts > 1) {
        throw new RpcError(`${e.message} (gave up after ${attempts} attempts)`, {
          transient: true,
          ...(e.httpStatus === undefined ? {} : { httpStatus: e.httpStatus }),
          ...(e.rpcCode === undefined ? {} : { rpcCode: e.rpcCode }),
          ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
          cause: e,
        });
      }
      throw e;
    }
  }

  async #send<T>(method: string, params: unknown): Promise<T> {
    this.requestCounts[method] = (this.requestCounts[method] ?? 0) + 1;
    const id = ++this.#nextId;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = this.#options.signal ? AbortSignal.any([this.#options.signal, timeout]) : timeout;
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
    if (!response.ok) throw this.#httpError(method, response, text);
    return this.#parseBody<T>(method, id, text);
  }

  #transportError(method: string, e: unknown, timeout: AbortSignal): unknown {
    const user = this.#options.signal;
    if (user?.aborted) return user.reason;
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

  #parseBody<T>(method: string, id: number, text: string): T {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new RpcError(this.#line(method, `malformed response body (${(e as Error).message})`), { transient: true });
    }
    if (typeof body !== "object" || body === null || (body as { id?: unknown }).id !== id) {
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
