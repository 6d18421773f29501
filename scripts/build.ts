// Builds dist/ from src/: `pnpm build`, run by `pnpm install` (prepare), before
// `pnpm pack` (--clean), and by the tests and the benchmark before they spawn the bin, so they never run a stale
// dist/. Takes about a second.
//
// - JavaScript: esbuild bundles the entry points (dist/cli.js for the bin, dist/index.js for the API) with the
//   Stellar SDK inside, split into chunks at every dynamic import, so that a command loads only what it runs. The
//   SDK is bundled because its ESM build is 1,359 modules: one bundle of what the sync uses loads in a third of the
//   time and holds about 30 MB less. Every other dependency stays in node_modules (PGlite loads its
//   WebAssembly from its own folder). dist/meta.json says which sources went into which file.
// - Declarations of the API: tsc, into dist/types, type-checking on the way.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as esbuild from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const dist = path.join(root, "dist");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const BUNDLED = ["@stellar/stellar-sdk"];

export interface BuildResult {
  ok: boolean;
  /** tsc's and esbuild's diagnostics, empty when the build is clean. */
  output: string;
}

/** Builds dist/. Type errors do not stop the bundle: `ok` is false and `output` says what is wrong. */
export async function buildDist(options: { clean?: boolean } = {}): Promise<BuildResult> {
  if (options.clean) fs.rmSync(dist, { recursive: true, force: true });
  // Chunk names change with their content: the previous bundle's files go first (dist/types stays, for tsc -b).
  fs.mkdirSync(dist, { recursive: true });
  for (const f of fs.readdirSync(dist, { withFileTypes: true })) if (f.isFile()) fs.rmSync(path.join(dist, f.name));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const external = Object.keys(pkg.dependencies)
    .filter((d) => !BUNDLED.includes(d))
    .flatMap((d) => [d, `${d}/*`]);
  const bundle = await esbuild.build({
    absWorkingDir: root,
    // visible-text: the display helper alone (no dependency), for front ends that cannot load the Node API.
    // client: the REST API's typed client (openapi-fetch) and the stream's subscription, for front ends.
    entryPoints: { cli: "src/bin/main.ts", index: "src/index.ts", "visible-text": "src/internal/text/visible.ts", client: "src/client/index.ts" },
    outdir: "dist",
    // Top level, next to the entries: src/paths.ts finds the package root as the parent of its file's folder.
    chunkNames: "[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    external,
    metafile: true,
    logLevel: "silent",
  });
  fs.writeFileSync(path.join(dist, "meta.json"), JSON.stringify(bundle.metafile));
  const types = spawnSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { cwd: root, encoding: "utf8" });
  if (types.error) throw types.error;
  const warnings = await esbuild.formatMessages(bundle.warnings, { kind: "warning" });
  return { ok: types.status === 0, output: [...warnings, types.stdout, types.stderr].join("").trim() };
}

if (process.argv[1] === import.meta.filename) {
  const result = await buildDist({ clean: process.argv.includes("--clean") });
  if (result.output) console.error(result.output);
  process.exitCode = result.ok ? 0 : 1;
}
