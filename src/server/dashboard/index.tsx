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
import { messageOf } from "../../internal/errors.ts";
import { sharedFor } from "../../internal/shared-for.ts";
import { ASSET_PATHS, SCRIPT, STYLESHEET } from "./assets.ts";
import { AuthThrottle } from "../auth-throttle.ts";
import { clientKey } from "../client-address.ts";
import { httpFailure, type FailureStatus } from "../http-errors.ts";
import { CSRF_FIELD, DashboardAuth, type AdminSession } from "./auth.ts";
import { formatInteger } from "./format.ts";
import { ACTION_PATHS, ActionsPage, DisabledPage, LoginPage, type ActionResult } from "./views/actions.tsx";
import { OVERVIEW_LIVE_PATH, OverviewBody, OverviewPage, type OverviewModel } from "./views/overview.tsx";
import { marketModel } from "./views/market.tsx";
import { TokenPage } from "./views/token.tsx";
import { TokensPage } from "./views/tokens.tsx";
import { Notice, Page } from "./views/layout.tsx";
import type { DashboardDeps } from "./deps.ts";
import { followerHealth, fullResyncResult, syncTokenResult, tokensView } from "./models.ts";
import { fromThisOrigin, localPath, tokenAddress } from "./request.ts";

export type { DashboardDeps, DashboardWebhooks } from "./deps.ts";

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
        tradeHistory: status.tradeHistory,
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
    const market = await marketModel(deps.actions.queries().market, address);
    return html(c, <TokenPage token={token} csrfToken={c.get("session").csrfToken} result={result} market={market} />, status);
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
