// What the dashboard's pages and actions show, built from the live actions: an action's result, the follower's
// health, the tokens table. Rendering stays in views/; routes in index.tsx.
import { AddressError, validateAddress } from "../../internal/addresses.ts";
import { messageOf } from "../../internal/errors.ts";
import type { LiveStatus } from "../../live/actions.ts";
import { QueryError, TOKEN_SORTS, TOKEN_STATUSES, type SortOrder, type TokenListQuery, type TokenSort } from "../../store/token-queries.ts";
import { httpFailure } from "../http-errors.ts";
import { formatInteger } from "./format.ts";
import type { DashboardDeps } from "./deps.ts";
import type { ActionResult } from "./views/actions.tsx";
import type { FollowerHealth } from "./views/overview.tsx";
import type { TokensView } from "./views/tokens.tsx";

export async function syncTokenResult(deps: DashboardDeps, address: string): Promise<ActionResult> {
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
export async function fullResyncResult(deps: DashboardDeps): Promise<ActionResult> {
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
export async function tokensView(queries: DashboardDeps["actions"]["queries"], params: Record<string, string>): Promise<TokensView> {
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
