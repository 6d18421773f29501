#!/usr/bin/env node
// The `sync-tokens` bin: runs the CLI compiled to dist/ by `pnpm install` (or `pnpm build`) with plain Node.
import module from "node:module";

// V8's code cache on disk (NODE_COMPILE_CACHE, default in the OS temp folder): a cron run then skips compiling the
// bundled SDK and drivers, a third of its start-up. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
module.enableCompileCache?.();

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
