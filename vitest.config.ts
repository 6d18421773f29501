import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    // Hooks build simulators and first-open embedded databases (initdb in WASM), slow on a busy machine.
    hookTimeout: 180_000,
    pool: "forks",
    // Most files wait on child processes, PostgreSQL and the simulator rather than compute: two at once keep both
    // cores busy (vitest's default on 2 cores is one).
    maxWorkers: 2,
  },
});
