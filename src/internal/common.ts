// What every long-running part takes explicitly: where to log, what to measure into, and where to register
// its graceful shutdown.
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { ShutdownRegistry } from "./shutdown.ts";

export interface Common {
  logger: Logger;
  metrics: Metrics;
  shutdown: ShutdownRegistry;
}
