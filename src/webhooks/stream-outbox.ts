// The outbox as the event stream's source (GET /api/stream, src/server/stream/): a serve process records every
// event in `webhook_events` even when no webhook endpoint is configured, and prunes what it recorded after the
// outbox's retention, since no dispatcher does then. With endpoints configured, the webhooks feature records
// (with their deliveries) and its dispatcher prunes; these two stand aside.
import type { LiveService } from "../live/live.ts";
import { messageOf } from "../internal/errors.ts";
import type { SessionFeature, SessionParts } from "../sync/types.ts";

/** Records events with no delivery queued, when the session has no webhook endpoints (outside a dry run). */
const streamOutboxFeature: SessionFeature = {
  async recorder({ db, config, logger }: SessionParts) {
    if (config.webhooks) return undefined; // the webhooks feature records, with deliveries
    const { openOutbox } = await import("./outbox.ts");
    return openOutbox(db, config.contractId, { urls: [], events: [], notifyInitial: false }, logger);
  },
};

/** The options with the stream's recorder added (once), ahead of any webhooks feature, which it defers to. */
export function withStreamOutbox<T extends { features?: readonly SessionFeature[] | undefined }>(options: T): T {
  const features = options.features ?? [];
  return features.includes(streamOutboxFeature) ? options : { ...options, features: [streamOutboxFeature, ...features] };
}

const HOUR_MS = 3_600_000;

/** Prunes the stream's events past `retentionMs` at start and hourly, when no webhook dispatcher does. */
export function streamOutboxPruner(retentionMs: number | null, everyMs = HOUR_MS): LiveService {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  return {
    name: "event stream pruner",
    async start({ session, common }) {
      if (retentionMs === null || session()?.config.webhooks) return;
      const { pruneDelivered } = await import("./retention.ts");
      const prune = () => {
        const db = session()?.db;
        if (!db) return;
        running = pruneDelivered(db, retentionMs, { deadline: Date.now() + 60_000 })
          .then((n) => (n > 0 ? common.logger.info(`event stream: pruned ${n} event(s) past the outbox's retention`) : undefined))
          .catch((error: unknown) => common.logger.warn(`event stream: pruning the outbox failed: ${messageOf(error)}`));
      };
      prune();
      timer = setInterval(prune, everyMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
