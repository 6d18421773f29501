// Compiles src/ (with the generated Prisma client) to dist/: `pnpm build`, run by `pnpm install` (prepare), before
// `pnpm pack` (--clean: no file of a deleted source is shipped), and by the tests and the benchmark before they
// spawn the bin, so that they never run a stale dist/. Incremental: a build with nothing changed takes 0.3 s.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

export interface BuildResult {
  ok: boolean;
  /** tsc's diagnostics, empty when the build is clean. */
  output: string;
}

/** Builds dist/. Type errors do not stop the emit: `ok` is false and `output` says what is wrong. */
export function buildDist(options: { clean?: boolean } = {}): BuildResult {
  if (options.clean) fs.rmSync(path.join(root, "dist"), { recursive: true, force: true });
  const r = spawnSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { cwd: root, encoding: "utf8" });
  if (r.error) throw r.error;
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

if (process.argv[1] === import.meta.filename) {
  const result = buildDist({ clean: process.argv.includes("--clean") });
  if (result.output) console.error(result.output);
  process.exitCode = result.ok ? 0 : 1;
}
