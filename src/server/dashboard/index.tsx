/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// (The pragma, in every .tsx file, makes the JSX compile alike whatever tsconfig the loader finds: the bin may run
// from any working directory.)
// The admin dashboard (`sync-tokens serve` mounts it at "/"): a Hono sub-app of server-rendered pages over the
// same actions and read model as the HTTP API. Every route carries its own middleware (security headers, session,
// CSRF) instead of a "*" middleware, which would also catch the API's routes once mounted at "/".
import type { Context, Hono as HonoApp, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import type { JSX } from "hono/jsx/jsx-runtime";
import { AddressError, validateAddress } from "../../internal/addresses.ts";
import { messageOf } from "../../internal/errors.ts";
import { sharedFor } from "../../internal/shared-for.ts";
import type { LiveActions, LiveStatus } from "../../live/actions.ts";
import type { DailyActivity } from "../../store/activity-queries.ts";
import { QueryError, TOKEN_SORTS, TOKEN_STATUSES, type SortOrder, type TokenListQuery, type TokenSort } from "../../store/token-queries.ts";
import type { Logger } from "../../internal/logger.ts";
import { ASSET_PATHS, SCRIPT, STYLESHEET } from "./assets.ts";
import { AuthThrottle } from "../auth-throttle.ts";
import { clientKey } from "../client-address.ts";
import { httpFailure, type FailureStatus } from "../http-errors.ts";
import { CSRF_FIELD, DashboardAuth, type AdminSession, type SessionOptions } from "./auth.ts";
import { formatInteger } from "./format.ts";
import type { RpcRequestRate } from "./rpc-rate.ts";
import { ACTION_PATHS, ActionsPage, DisabledPage, LoginPage, type ActionResult } from "./views/actions.tsx";
import { OVERVIEW_LIVE_PATH, OverviewBody, OverviewPage, type FollowerHealth, type OverviewModel } from "./views/overview.tsx";
import { TokenPage } from "./views/token.tsx";
import { TokensPage, type TokensView } from "./views/tokens.tsx";
import { Notice, Page } from "./views/layout.tsx";

/**
 * The optional webhook action, present only when webhooks are configured: the shape of src/webhooks'
 * `retryFailed(db)` (branch webhooks), bound to the session's database.
 */
export interface DashboardWebhooks {
  /** Failed deliveries become pending again and disabled endpoints enabled; returns how many of each. */
  retryFailed(): Promise<{ deliveries: number; endpoints: number }>;
}

export interface DashboardDeps {
  /** SYNC_ADMIN_TOKEN (src/server/auth.ts parses it); null turns the dashboard off. */
  adminToken: string | null;
  actions: Pick<LiveActions, "syncToken" | "scanCreator" | "fullResync" | "status" | "queries">;
  /** Launches and graduations per day (ActivityQueries over the session's database). */
  activity(days: number): Promise<DailyActivity>;
  /** RPC requests per minute by method; the chart is left out without it. */
  rpcRequests?: RpcRequestRate;
  webhooks?: DashboardWebhooks;
  logger: Logger;
  /** How often the overview refreshes itself (default 2,000 ms). */
  refreshMs?: number;
  /** How long a full resync's page waits for its result before saying it still runs (default 20 s). */
  fullResyncWaitMs?: number;
  /** Idle expiry and the cookie's Secure policy. */
  session?: SessionOptions;
  /** Failed admin credentials per client; share one with the API's admin bearer (default: the dashboard's own). */
  adminThrottle?: AuthThrottle;
  /** Proxies in front whose X-Forwarded-For is trusted, for the client's address (default 0). */
  trustProxyHops?: number;
}

type Env = { Variables: { session: AdminSession } };

const CHART_DAYS = 30;
const NEWEST_TOKENS = 10;
const RUNS_SHOWN = 20;
const ACTIVITY_TTL_MS = 30_000;
const OVERVIEW_TTL_MS = 1_000;
const FORM_LIMIT_BYTES = 16 * 1024;

export function createDashboard(deps: DashboardDeps): HonoApp<Env> {
  const app = new Hono<Env>();
  const refreshMs = deps.refreshMs ?? 2000;

  // Nothing but this origin's own stylesheet, script and fetches; no framing, no plugins, no inline code.
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    strictTransportSecurity: false,
  });

  app.get(ASSET_PATHS.css, headers, (c) => c.body(STYLESHEET, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "no-cache" }));
  app.get(ASSET_PATHS.js, headers, (c) => c.body(SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }));

  if (deps.adminToken === null) {
    const off = (status: 200 | 404) => (c: Context) => html(c, <DisabledPage />, status);
    app.get("/", headers, off(200));
    for (const path of ["/login", "/tokens", "/tokens/*", "/actions", "/actions/*", "/_dashboard/live/*", "/logout"]) app.all(path, headers, off(404));
    return app;
  }

  const auth = new DashboardAuth(deps.adminToken, deps.session);
  const throttle = deps.adminThrottle ?? new AuthThrottle(deps.logger);
  const client = (c: Context) => clientKey(c, deps.trustProxyHops ?? 0);

  /** Pages redirect to the login form; fragments and actions answer 401. */
  const page: MiddlewareHandler<Env> = async (c, next) => {
    const session = await auth.session(c);
    if (!session) return c.redirect(`/login?next=${encodeURIComponent(localPath(c.req.path + new URL(c.req.url).search))}`, 303);
    c.set("session", session);
    await next();
  };
  const api: MiddlewareHandler<Env> = async (c, next) => {
    const session = await auth.session(c);
    if (!session) return html(c, <LoginRequired />, 401);
    c.set("session", session);
    await next();
  };
  /** A form posted from another site: refused whatever cookie it carries. */
  const sameOrigin: MiddlewareHandler<Env> = async (c, next) => {
    if (!fromThisOrigin(c)) return html(c, <Refused message="This form was posted from another site." />, 403);
    await next();
  };
  /** A state-changing form: a session (401 without), this origin, and the session's CSRF token (403). */
  const action: MiddlewareHandler<Env>[] = [
    bodyLimit({ maxSize: FORM_LIMIT_BYTES, onError: (c) => c.text("form too large", 413) }),
    api,
    sameOrigin,
    async (c, next) => {
      const form = await c.req.parseBody();
      if (!auth.checkCsrf(c.get("session"), form[CSRF_FIELD])) {
        return html(c, <Refused message="The form's security token is missing or stale: reload the page and try again." />, 403);
      }
      await next();
    },
  ];

  // ---- login ----
  app.get("/login", headers, async (c) => {
    if (await auth.session(c)) return c.redirect(localPath(c.req.query("next")), 303);
    return html(c, <LoginPage next={localPath(c.req.query("next"))} />);
  });
  app.post("/login", headers, bodyLimit({ maxSize: FORM_LIMIT_BYTES, onError: (c) => c.text("form too large", 413) }), sameOrigin, async (c) => {
    const form = await c.req.parseBody();
    const next = localPath(form.next);
    const from = client(c);
    const tooMany = (wait: number) => {
      c.header("Retry-After", String(wait));
      return html(c, <LoginPage next={next} error={`Too many wrong tokens from this address: try again in ${wait} s.`} />, 429);
    };
    const blocked = throttle.retryAfter(from);
    if (blocked > 0) return tooMany(blocked);
    if (typeof form.token !== "string" || !auth.checkToken(form.token)) {
      const wait = throttle.failed(from, "dashboard: a login");
      return wait > 0 ? tooMany(wait) : html(c, <LoginPage next={next} error="That is not the admin token." />, 401);
    }
    await auth.startSession(c);
    deps.logger.info(`dashboard: admin logged in from ${from}`);
    return c.redirect(next, 303);
  });
  app.post("/logout", headers, ...action, (c) => {
    auth.endSession(c, c.get("session"));
    deps.logger.info(`dashboard: admin logged out from ${client(c)}`);
    return c.redirect("/login", 303);
  });

  // ---- overview ----
  // The per-day charts aggregate the whole tokens table: recomputed at most every 30 s, not on every refresh.
  const dailyActivity = sharedFor(ACTIVITY_TTL_MS, () => deps.activity(CHART_DAYS));
  // Every open overview refreshes itself: within a second they share one build of the model.
  const overview = sharedFor(OVERVIEW_TTL_MS, async (): Promise<OverviewModel> => {
    const status = await deps.actions.status();
    const [runs, newest, activity, rpc] = await Promise.all([
      // The status lists up to 10 runs: fewer means there are no more; otherwise read the 20 shown.
      status.lastRuns.length < 10 ? status.lastRuns : deps.actions.queries().status({ contractTokens: null, runs: RUNS_SHOWN }).then((s) => s.lastRuns),
      deps.actions.queries().list({ limit: NEWEST_TOKENS }),
      dailyActivity(),
      deps.rpcRequests?.minutes() ?? null,
    ]);
    return {
      contractId: status.contractId,
      network: status.network,
      rpcUrl: status.rpcUrl,
      database: status.database,
      latestLedger: status.latestLedger,
      lag: status.lag.ledgers === null ? null : { ledgers: status.lag.ledgers, seconds: status.lag.seconds ?? 0 },
      follower: followerHealth(status),
      store: {
        cursor: status.cursor,
        storedTokens: status.storedTokens,
        contractTokens: status.contractTokens,
        missingIds: status.missingIds,
        missingCount: status.missingCount,
        lastRuns: runs.slice(0, RUNS_SHOWN),
      },
      newest: newest.tokens,
      activity,
      rpcRequests: rpc,
      generatedAt: new Date(),
    };
  });
  app.get("/", headers, page, async (c) => {
    try {
      return html(c, <OverviewPage model={await overview()} csrfToken={c.get("session").csrfToken} refreshMs={refreshMs} />);
    } catch (error) {
      return failurePage(c, "Overview", error);
    }
  });
  app.get(OVERVIEW_LIVE_PATH, headers, api, async (c) => {
    try {
      return html(c, <OverviewBody model={await overview()} />);
    } catch (error) {
      return html(c, <Notice kind="error">{publicMessage(error)}</Notice>, statusOf(error));
    }
  });

  // ---- tokens ----
  app.get("/tokens", headers, page, async (c) => {
    const view = await tokensView(deps.actions.queries, c.req.query());
    return html(c, <TokensPage view={view} csrfToken={c.get("session").csrfToken} />, view.error ? 400 : 200);
  });
  const tokenPage = async (c: Context<Env>, address: string, result?: ActionResult, status: number = 200) => {
    const token = await deps.actions.queries().get(address);
    if (!token) {
      return html(
        c,
        <Page title="Token not found" section="tokens" csrfToken={c.get("session").csrfToken}>
          {result && <Notice kind="error">{result.title}</Notice>}
          <p>
            No token <code>{address}</code> is stored. <a href="/actions">Sync it by address</a> if the factory launched it.
          </p>
        </Page>,
        404,
      );
    }
    return html(c, <TokenPage token={token} csrfToken={c.get("session").csrfToken} result={result} />, status);
  };
  app.get("/tokens/:address", headers, page, async (c) => {
    const address = tokenAddress(c.req.param("address"));
    if (address instanceof Error) return html(c, <Refused message={address.message} />, 400);
    try {
      return await tokenPage(c, address);
    } catch (error) {
      return failurePage(c, "Token", error);
    }
  });
  app.post("/tokens/:address/sync", headers, ...action, async (c) => {
    const address = tokenAddress(c.req.param("address"));
    if (address instanceof Error) return html(c, <Refused message={address.message} />, 400);
    const { result, status } = await run(() => syncTokenResult(deps, address));
    return tokenPage(c, address, result, status);
  });

  // ---- actions ----
  const actionsPage = (c: Context<Env>, result?: ActionResult, status: number = 200, values?: { token?: string; creator?: string }) =>
    html(c, <ActionsPage csrfToken={c.get("session").csrfToken} result={result} webhooks={deps.webhooks !== undefined} values={values} />, status);
  app.get("/actions", headers, page, (c) => actionsPage(c));
  app.post(ACTION_PATHS.syncToken, headers, ...action, async (c) => {
    const raw = String((await c.req.parseBody()).address ?? "");
    const { result, status } = await run(() => syncTokenResult(deps, raw));
    return actionsPage(c, result, status, { token: raw });
  });
  app.post(ACTION_PATHS.scanCreator, headers, ...action, async (c) => {
    const raw = String((await c.req.parseBody()).address ?? "");
    const { result, status } = await run(async () => {
      const scan = await deps.actions.scanCreator(raw);
      const ok = scan.failed.length === 0;
      return {
        ok,
        title: `Scanned creator ${scan.creator}: ${scan.tokens} ${scan.tokens === 1 ? "token" : "tokens"} on its list`,
        facts: [
          ["Stored or updated", String(scan.synced)],
          ["Unchanged", String(scan.unchanged)],
          ["Failed", String(scan.failed.length)],
          ...scan.failed.slice(0, 20).map((f): [string, string] => [f.address, f.error]),
        ],
        link: { href: `/tokens?q=${encodeURIComponent(scan.creator)}`, label: "Show this creator's tokens" },
      };
    });
    return actionsPage(c, result, status, { creator: raw });
  });
  app.post(ACTION_PATHS.fullResync, headers, ...action, async (c) => {
    const { result, status } = await run(() => fullResyncResult(deps));
    return actionsPage(c, result, status);
  });
  if (deps.webhooks) {
    const webhooks = deps.webhooks;
    app.post(ACTION_PATHS.retryWebhooks, headers, ...action, async (c) => {
      const { result, status } = await run(async () => {
        const { deliveries, endpoints } = await webhooks.retryFailed();
        return {
          ok: true,
          title: `${formatInteger(deliveries)} failed webhook ${deliveries === 1 ? "delivery" : "deliveries"} scheduled again`,
          facts: [["Endpoints enabled again", formatInteger(endpoints)]],
        };
      });
      return actionsPage(c, result, status);
    });
  }

  /** Runs an action; an expected failure becomes a failed result with its status, anything else a 500 logged here. */
  async function run(fn: () => Promise<ActionResult>): Promise<{ result: ActionResult; status: 200 | 500 | FailureStatus }> {
    try {
      return { result: await fn(), status: 200 };
    } catch (error) {
      const failure = httpFailure(error);
      if (failure) return { result: { ok: false, title: failure.message }, status: failure.status };
      deps.logger.warn(`dashboard: an action failed: ${messageOf(error)}`);
      return { result: { ok: false, title: "The action failed unexpectedly; the server's log has the details." }, status: 500 };
    }
  }

  function failurePage(c: Context<Env>, title: string, error: unknown) {
    if (!httpFailure(error)) deps.logger.warn(`dashboard: ${c.req.path} failed: ${messageOf(error)}`);
    return html(
      c,
      <Page title={title} section="overview" csrfToken={c.get("session").csrfToken}>
        <Notice kind="error">{publicMessage(error)}</Notice>
      </Page>,
      statusOf(error),
    );
  }

  return app;
}

async function syncTokenResult(deps: DashboardDeps, address: string): Promise<ActionResult> {
  const row = await deps.actions.syncToken(address);
  return {
    ok: true,
    title: `Synced token ${row.address}`,
    facts: [
      ["Name", row.name],
      ["Symbol", row.symbol],
      ["Status", row.status.toLowerCase()],
      ["Stored as of ledger", String(row.lastSyncedLedger)],
      ["Last changed", row.lastSyncedAt],
    ],
    link: { href: `/tokens/${encodeURIComponent(row.address)}`, label: "Open the token" },
  };
}

/** Waits a while for the resync's report; a longer one goes on, and its run shows up on the overview. */
async function fullResyncResult(deps: DashboardDeps): Promise<ActionResult> {
  const { done } = await deps.actions.fullResync();
  const waitMs = deps.fullResyncWaitMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"running">((resolve) => (timer = setTimeout(() => resolve("running"), waitMs)));
  done.catch((error: unknown) => deps.logger.warn(`dashboard: the full resync failed: ${messageOf(error)}`));
  try {
    const report = await Promise.race([done, timeout]);
    if (report === "running") {
      return { ok: true, title: "The full resync is running; its run appears under Last runs on the overview when it ends.", link: { href: "/", label: "Overview" } };
    }
    const ok = report.failed.length === 0 && report.missingIds.length === 0;
    return {
      ok,
      title: `Full resync finished in ${formatInteger(report.durationMs)} ms`,
      facts: [
        ["Tokens found", String(report.discovered.total)],
        ["Stored or updated", String(report.synced)],
        ["Unchanged", String(report.unchanged)],
        ["Failed", String(report.failed.length)],
        ["Missing on-chain ids", report.missingIds.length === 0 ? "none" : report.missingIds.slice(0, 50).join(", ")],
      ],
      link: { href: "/", label: "Overview" },
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Live while within two ledgers of the RPC; stopped when the cursor has not moved for a dozen ledger closes. */
export function followerHealth(s: LiveStatus, now = Date.now()): { state: FollowerHealth; detail: string } {
  const role =
    s.role === "leader"
      ? "This process follows the chain."
      : s.role === "standby"
        ? "Another process follows the chain; this one serves and stands by."
        : "The follower is starting.";
  const error = s.lastError ? ` Last error: ${s.lastError}` : "";
  if (s.latestLedger === null || s.cursor === null || s.lag.ledgers === null) {
    return { state: "stopped", detail: `${role} The RPC's latest ledger or the cursor is not known yet.${error}` };
  }
  if (s.lag.ledgers <= 2) return { state: "live", detail: `${role}${error}` };
  const idleMs = now - Date.parse(s.cursor.updatedAt);
  if (idleMs > Math.max(60_000, 12 * s.ledgerCloseSeconds * 1000)) {
    return { state: "stopped", detail: `${role} The cursor has not moved for ${Math.round(idleMs / 1000)} s.${error}` };
  }
  return { state: "behind", detail: `${role} Catching up.${error}` };
}

/** Builds the tokens table's view: a full address searches exactly (token, then creator); text searches names. */
async function tokensView(queries: DashboardDeps["actions"]["queries"], params: Record<string, string>): Promise<TokensView> {
  const q = (params.q ?? "").trim();
  const status = (params.status ?? "").trim().toLowerCase();
  const sort = (TOKEN_SORTS as readonly string[]).includes(params.sort ?? "") ? (params.sort as TokenSort) : "created";
  const order: SortOrder = params.order === "asc" ? "asc" : "desc";
  const page = Math.max(1, Math.min(1_000_000, Number.parseInt(params.page ?? "1", 10) || 1));
  const view: TokensView = { q, status, sort, order, page, tokens: [], nextCursor: null, matched: null, error: null };
  try {
    const query: TokenListQuery = { sort, order, limit: 50 };
    if (params.cursor) query.cursor = params.cursor;
    if (status) {
      const upper = status.toUpperCase();
      if (!(TOKEN_STATUSES as readonly string[]).includes(upper)) throw new QueryError(`status ${JSON.stringify(status)} is not valid`);
      query.status = upper as TokenListQuery["status"];
    }
    if (/^[GC][A-Z2-7]{55}$/.test(q)) {
      const address = validateAddress(q, "search address", ["account", "contract"]);
      const token = q.startsWith("C") ? await queries().get(address) : null;
      if (token) {
        view.tokens = [token];
        view.matched = `address is ${address}`;
        return view;
      }
      query.creator = address;
      view.matched = `creator is ${address}`;
    } else if (q) {
      query.q = q;
    }
    const result = await queries().list(query);
    view.tokens = result.tokens;
    view.nextCursor = result.nextCursor;
  } catch (error) {
    const message = error instanceof AddressError ? error.message : httpFailure(error)?.message;
    if (message === undefined) throw error;
    view.error = message;
  }
  return view;
}

function tokenAddress(raw: string): string | Error {
  try {
    return validateAddress(raw, "token address", ["contract"]);
  } catch (error) {
    return error as Error;
  }
}

/**
 * Whether a form post came from a page of this origin: the browser's Sec-Fetch-Site when it sends one (it holds
 * behind a TLS-terminating proxy too), else the Origin header. A client that sends neither is no browser, and the
 * CSRF token still applies to it.
 */
function fromThisOrigin(c: Context): boolean {
  const site = c.req.header("Sec-Fetch-Site");
  if (site !== undefined) return site === "same-origin" || site === "none";
  const origin = c.req.header("Origin");
  return origin === undefined || origin === new URL(c.req.url).origin;
}

/**
 * A path of this site to go back to after logging in; anything else becomes "/". Browsers drop tabs and newlines
 * from a Location and read "\\" as "/", so "/\t/evil.example" would leave the site: controls, backslashes and
 * their percent-encodings are refused outright, and what is left must resolve to this origin and stay a path.
 */
export function localPath(raw: unknown): string {
  if (typeof raw !== "string" || raw.length > 2000 || !raw.startsWith("/")) return "/";
  const unsafe = /[\u0000-\u001f\u007f-\u009f\\]|%(?:[01][0-9a-f]|7f|5c|c2%[89][0-9a-f])/i;
  if (unsafe.test(raw)) return "/";
  const origin = "http://dashboard.invalid";
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return "/";
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  return url.origin === origin && path.startsWith("/") && !path.startsWith("//") ? path : "/";
}

function statusOf(error: unknown): 500 | FailureStatus {
  return httpFailure(error)?.status ?? 500;
}

function publicMessage(error: unknown): string {
  return httpFailure(error)?.message ?? "The page could not be built; the server's log has the details.";
}

function html(c: Context, node: JSX.Element, status: number = 200): Response {
  const body = String(node);
  return c.html(body.startsWith("<html") ? `<!doctype html>${body}` : body, status as 200);
}

const LoginRequired = () => (
  <Page title="Log in first" section="login">
    <p>
      This needs an admin session: <a href="/login">log in</a>.
    </p>
  </Page>
);

const Refused = ({ message }: { message: string }) => (
  <Page title="Refused" section="login">
    <Notice kind="error">{message}</Notice>
    <p>
      <a href="/">Back to the dashboard</a>
    </p>
  </Page>
);
