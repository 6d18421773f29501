// What the dashboard is built from: the live actions and queries it calls, its settings, and the optional webhook
// action. Apart from index.tsx so that the page models (models.ts) can name them without importing the routes.
import type { LiveActions } from "../../live/actions.ts";
import type { DailyActivity } from "../../store/activity-queries.ts";
import type { Logger } from "../../internal/logger.ts";
import type { AuthThrottle } from "../auth-throttle.ts";
import type { SessionOptions } from "./auth.ts";
import type { RpcRequestRate } from "./rpc-rate.ts";

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
