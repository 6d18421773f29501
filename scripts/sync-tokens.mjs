#!/usr/bin/env node
// The `sync-tokens` bin: runs the CLI compiled to dist/ by `pnpm install` (or `pnpm build`) with plain Node.

// A closed pipe (`sync-tokens --json | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
let cli;
try {
  cli = await import("../dist/cli.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("/dist/cli.js")) throw error;
  process.stderr.write("sync-tokens: error: dist/ is missing: run `pnpm install` or `pnpm build` in the package's folder\n");
  process.exit(1);
}
process.exitCode = await cli.main(process.argv);
