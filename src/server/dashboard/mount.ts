// Wires the dashboard to a live process (src/live/live.ts): its actions and read model, launches and graduations
// from the session's database, and RPC requests sampled from the process's metrics. The sampler is the only
// resource, and it registers its own stop. `sync-tokens serve` mounts the result with createServer's `mounts`.
import type { Hono } from "hono";
import { UnavailableError } from "../../live/errors.ts";
import type { Live } from "../../live/live.ts";
import { SessionUnavailableError } from "../../live/session-keeper.ts";
import type { Common } from "../../internal/common.ts";
import { ActivityQueries } from "../../store/activity-queries.ts";
import type { AuthThrottle } from "../auth-throttle.ts";
import type { SessionOptions } from "./auth.ts";
import { createDashboard, type DashboardWebhooks } from "./index.tsx";
import { RpcRequestRate, type RequestCounts } from "./rpc-rate.ts";

export interface DashboardMountOptions {
  live: Pick<Live, "actions" | "keeper">;
  common: Common;
  /** SYNC_ADMIN_TOKEN; null serves the page that says how to turn the dashboard on. */
  adminToken: string | null;
  /** Hook for the webhooks module: pass its retry call to show the "retry failed deliveries" action. */
  webhooks?: DashboardWebhooks;
  refreshMs?: number;
  session?: SessionOptions;
  adminThrottle?: AuthThrottle;
  trustProxyHops?: number;
}

export function dashboardMount(options: DashboardMountOptions): { path: string; app: Hono } {
  const { live, common } = options;
  const rpcRequests = new RpcRequestRate(async () => requestsByMethod(await common.metrics.rpcRequests.get()));
  common.shutdown.register("dashboard RPC sampler", rpcRequests.start());
  const app = createDashboard({
    adminToken: options.adminToken,
    actions: live.actions,
    async activity(days) {
      let session;
      try {
        session = live.keeper.get();
      } catch (error) {
        if (error instanceof SessionUnavailableError) throw new UnavailableError(error.message, 5);
        throw error;
      }
      return new ActivityQueries(session.db, session.config.contractId).daily(days);
    },
    rpcRequests,
    logger: common.logger,
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
    ...(options.session ? { session: options.session } : {}),
    ...(options.adminThrottle ? { adminThrottle: options.adminThrottle } : {}),
    ...(options.trustProxyHops === undefined ? {} : { trustProxyHops: options.trustProxyHops }),
  });
  return { path: "/", app: app as unknown as Hono };
}

/** prom-client's counter values (method x outcome) summed per method. */
function requestsByMethod(metric: { values: { labels: Partial<Record<string, string | number>>; value: number }[] }): RequestCounts {
  const out: Record<string, number> = {};
  for (const { labels, value } of metric.values) {
    const method = String(labels.method ?? "unknown");
    out[method] = (out[method] ?? 0) + value;
  }
  return out;
}
