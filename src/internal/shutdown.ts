// Graceful shutdown for long-running commands: every resource registers how it stops, at the moment it starts,
// and shutdown() stops them in reverse order (the HTTP server before the follower, the follower before the
// database it writes to). Each step is bounded, so one stuck resource cannot keep the process alive.
import type { Logger } from "./logger.ts";

export interface ShutdownStep {
  name: string;
  stop: () => Promise<void> | void;
}

export class ShutdownRegistry {
  readonly #steps: ShutdownStep[] = [];
  readonly #controller = new AbortController();
  #done: Promise<void> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly stepTimeoutMs = 30_000,
  ) {}

  /** Aborted (with the reason given to shutdown()) as soon as shutdown begins. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get closing(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Registers a resource's stop; returns a function that unregisters it (the resource closed on its own). */
  register(name: string, stop: ShutdownStep["stop"]): () => void {
    const step = { name, stop };
    this.#steps.push(step);
    return () => {
      const i = this.#steps.indexOf(step);
      if (i >= 0) this.#steps.splice(i, 1);
    };
  }

  /** Stops everything registered, newest first; safe to call again (returns the same promise). */
  shutdown(reason: string = "shutdown"): Promise<void> {
    this.#done ??= this.#run(reason);
    return this.#done;
  }

  async #run(reason: string): Promise<void> {
    this.#controller.abort(reason);
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), this.stepTimeoutMs);
      });
      try {
        const outcome = await Promise.race([Promise.resolve().then(step.stop), timeout]);
        if (outcome === "timeout") this.logger.warn(`shutdown: ${step.name} did not stop within ${this.stepTimeoutMs} ms; going on`);
      } catch (error) {
        this.logger.warn(`shutdown: stopping ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
