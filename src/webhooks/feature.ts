// The webhooks as a feature of a sync session: the batches record their events in the outbox, and a one-shot run
// delivers what it queued (and what earlier runs left) before it returns. The sync layer calls these hooks and
// never imports this layer; whoever opens a session adds them with `withWebhooks`.
import type { SessionFeature, SessionParts, SyncReport } from "../sync/types.ts";

export const webhooksFeature: SessionFeature = {
  async recorder({ db, config, logger }: SessionParts) {
    if (!config.webhooks) return undefined; // the session asks for no recorder in a dry run
    const { openOutbox } = await import("./outbox.ts");
    return openOutbox(db, config.contractId, config.webhooks, logger);
  },
  async afterRun(session: SessionParts, report: SyncReport, signal?: AbortSignal) {
    const webhooks = session.config.webhooks;
    if (!webhooks || session.config.dryRun) return;
    const { deliverBeforeExit } = await import("./dispatcher.ts");
    report.webhooks = await deliverBeforeExit(session, webhooks, signal);
  },
};

/** The options with the webhooks feature added (once). */
export function withWebhooks<T extends { features?: readonly SessionFeature[] | undefined }>(options: T): T {
  const features = options.features ?? [];
  return features.includes(webhooksFeature) ? options : { ...options, features: [...features, webhooksFeature] };
}
