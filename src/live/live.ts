// A live process's parts wired together, as a programmatic API: the shared session, the follower, the actions
// the HTTP API and dashboard call, and any background services (e.g. the webhook dispatcher) that run beside
// the follower. Every part registers its own stop with `common.shutdown`; startLive itself has no side effect
// beyond what it starts.
import type { SessionOptions, SyncReport, SyncSession } from "../sync/session.ts";
import type { Common } from "../internal/common.ts";
import type { HoleFiller } from "../sync/types.ts";
import { createLiveActions, type LiveActions, type LiveActionsOptions } from "./actions.ts";
import { Follower, type FollowerState } from "./follower.ts";
import { SessionKeeper } from "./session-keeper.ts";

/** Something that runs beside the follower for the process's life (started once the session is open). */
export interface LiveService {
  name: string;
  start(context: { session: () => SyncSession | null; common: Common }): Promise<void> | void;
  stop(): Promise<void> | void;
}

export interface LiveOptions {
  /** How to open the session (flags and environment, as for syncTokens); the follower manages the lock. */
  session: SessionOptions;
  common: Common;
  /** "watch" exits 75 when another process holds the lock at start; "serve" waits as a standby. */
  mode: "watch" | "serve";
  pollIntervalMs?: number;
  onBatch?: (report: SyncReport, state: FollowerState) => void;
  /** Fills the holes in the trades from history (--datastore); the follower closes it when it stops. */
  holes?: HoleFiller;
  services?: LiveService[];
  /** Limits of the sync-token calls (queue, concurrency, timeout). */
  actions?: Pick<LiveActionsOptions, "concurrency" | "maxQueue" | "readTimeoutMs" | "readyLagLedgers">;
}

export interface Live {
  keeper: SessionKeeper;
  follower: Follower;
  actions: LiveActions;
  /** Settles when the follower stops: after shutdown began, or with a LockedError (watch only). */
  done: Promise<void>;
}

/** Opens the session (an outage is waited out; bad configuration rejects), then starts following. */
export async function startLive(options: LiveOptions): Promise<Live> {
  const { common } = options;
  const keeper = new SessionKeeper({ session: { ...options.session, observer: common.metrics.observer }, logger: common.logger, shutdown: common.shutdown, onRenew: () => common.metrics.sessionRenewals.inc() });
  await keeper.start();
  const follower = new Follower({
    keeper,
    common,
    trigger: options.mode,
    standby: options.mode === "serve",
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    ...(options.holes ? { holes: options.holes } : {}),
  });
  const actions = createLiveActions({ ...options.actions, keeper, follower, metrics: common.metrics, logger: common.logger });
  for (const service of options.services ?? []) {
    await service.start({ session: () => keeper.current, common });
    common.shutdown.register(service.name, () => service.stop());
  }
  const done = follower.run();
  done.catch(() => {}); // the caller awaits it; this keeps an early LockedError from being "unhandled" meanwhile
  return { keeper, follower, actions, done };
}
