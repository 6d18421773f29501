#!/usr/bin/env node
// The `sync-tokens` bin: loads the TypeScript sources through tsx and runs the CLI.
import { register } from "tsx/esm/api";

// A closed pipe (`sync-tokens --json | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv);
