// The webhook dispatcher as a service of `watch` and `serve` (src/live/live.ts): started once the session is open,
// when an endpoint is configured, and stopped (attempts in flight finished) before the session closes.
import type { LiveService } from "../live/live.ts";
import type { RunningDispatcher } from "./dispatcher.ts";

export function webhookService(): LiveService {
  let dispatcher: RunningDispatcher | null = null;
  let forget = () => {};
  return {
    name: "webhook dispatcher",
    async start({ session, common }) {
      const opened = session();
      const webhooks = opened?.config.webhooks;
      if (!opened || !webhooks || opened.config.dryRun) return;
      const { startDispatcher } = await import("./dispatcher.ts");
      dispatcher = await startDispatcher({
        db: () => session()?.db ?? null,
        logger: opened.logger,
        redact: opened.redact,
        webhooks,
        onOutcome: (outcome) => common.metrics.webhookDeliveries.inc({ outcome }),
      });
      const running = dispatcher;
      common.metrics.setWebhookBacklog(() => running.pending());
      forget = () => common.metrics.setWebhookBacklog(null);
      common.logger.info(`webhooks: delivering to ${webhooks.urls.length} endpoint(s)`);
    },
    async stop() {
      await dispatcher?.stop();
      forget();
    },
  };
}
