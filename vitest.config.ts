import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

// Three projects: `unit` needs no database, no build and no child process (pnpm test:unit, under a minute);
// `integration` drives the CLI, HTTP and the stores against the simulator with real PostgreSQL and PGlite;
// `e2e` runs several real processes, a packed tarball or a browser. `pnpm test` runs all three.
const UNIT = [
  "test/codec.test.ts",
  "test/codec-fuzz.test.ts",
  "test/dashboard-unit.test.ts",
  "test/docs-links.test.ts",
  "test/env-example.test.ts",
  "test/history-decode.test.ts",
  "test/hostile-fuzz.test.ts",
  "test/live-clock.test.ts",
  "test/openapi.test.ts",
  "test/redact.test.ts",
  "test/rpc-client.test.ts",
  "test/secrets-redact.test.ts",
  "test/simnet*.test.ts",
  "test/since.test.ts",
  "test/visible-text.test.ts",
  "test/xdr-reader.test.ts",
];
const E2E = [
  "test/dashboard-browser.test.ts",
  "test/package.test.ts",
  "test/live-failover.test.ts",
  "test/live-replicas.test.ts",
  "test/live-renewal.test.ts",
  "test/stream-replicas.test.ts",
  "test/webhooks-failover.test.ts",
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
