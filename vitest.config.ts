import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

// Three projects: `unit` needs no database, no build and no child process (pnpm test:unit, under a minute);
// `integration` drives the CLI, HTTP and the stores against the simulator with real PostgreSQL and PGlite;
// `e2e` runs several real processes, a packed tarball or a browser. `pnpm test` runs all three.
const UNIT = [
  "test/contract/codec.test.ts",
  "test/contract/codec-fuzz.test.ts",
  "test/server/dashboard-unit.test.ts",
  "test/docs/docs-links.test.ts",
  "test/config/env-example.test.ts",
  "test/history/history-decode.test.ts",
  "test/server/hostile-fuzz.test.ts",
  "test/live/live-clock.test.ts",
  "test/server/openapi.test.ts",
  "test/internal/redact.test.ts",
  "test/rpc/rpc-client.test.ts",
  "test/internal/secrets-redact.test.ts",
  "test/simulator/*.test.ts",
  "test/internal/since.test.ts",
  "test/internal/visible-text.test.ts",
  "test/contract/xdr-reader.test.ts",
];
const E2E = [
  "test/server/dashboard-browser.test.ts",
  "test/package/package.test.ts",
  "test/live/live-failover.test.ts",
  "test/live/live-replicas.test.ts",
  "test/live/live-renewal.test.ts",
  "test/server/stream-replicas.test.ts",
  "test/webhooks/webhooks-failover.test.ts",
];
const shared = {
  testTimeout: 60_000,
  // Hooks build simulators and first-open embedded databases (initdb in WASM), slow on a busy machine.
  hookTimeout: 180_000,
  pool: "forks" as const,
};
// graphql ships CommonJS (main) and ESM (module) without an exports map: Node and the build load main, vite the
// module, and two copies of graphql fail each other's instanceof checks. The tests load main, as Node does.
const resolve = { alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") }] };
const withServices = { ...shared, globalSetup: ["test/support/global-setup.ts"] };

export default defineConfig({
  test: {
    // Most files wait on child processes, PostgreSQL and the simulator rather than compute: two at once keep both
    // cores busy (vitest's default on 2 cores is one).
    maxWorkers: 2,
    projects: [
      { resolve, test: { ...shared, name: "unit", include: UNIT } },
      { resolve, test: { ...withServices, name: "integration", include: ["test/**/*.test.ts"], exclude: [...UNIT, ...E2E, "**/node_modules/**"] } },
      { resolve, test: { ...withServices, name: "e2e", include: E2E } },
    ],
  },
});
