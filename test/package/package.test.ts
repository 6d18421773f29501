// The compiled CLI as it ships: each command loads only what it uses (`--help` neither the Stellar SDK nor a database
// driver), and the tarball `pnpm pack` makes installs with npm into an empty folder and runs there with plain Node:
// `--help`, `db migrate`, a sync against the simulator, the programmatic API with its types, and the typed client.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimnet, type Simnet } from "../simnet/index.ts";
import { cliEnv, runCli, type CliOptions, type CliResult } from "../support/cli.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { expectedRow, tokenRows } from "../support/expect-rows.ts";

const root = path.resolve(import.meta.dirname, "../..");
const recorder = path.join(import.meta.dirname, "../support/record-imports.mjs");

const LIBRARIES = {
  sdk: "@stellar/stellar-sdk",
  prisma: "@prisma/client",
  pg: "pg",
  pglite: "@electric-sql/pglite",
  http: "hono",
  zstd: "fzstd",
  tsx: "tsx",
} as const;
type Library = keyof typeof LIBRARIES;

/** The sources and libraries in each file of dist/ (esbuild bundles the SDK into chunks of its own choosing). */
function bundleInputs(): Map<string, string[]> {
  const meta = JSON.parse(fs.readFileSync(path.join(root, "dist/meta.json"), "utf8")) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return new Map(Object.entries(meta.outputs).map(([file, o]) => [path.join(root, file), Object.keys(o.inputs)]));
}

/** Runs the bin with an import recorder; returns the result and which of LIBRARIES the process loaded. */
async function runRecorded(args: string[], options: CliOptions = {}): Promise<CliResult & { loaded: Set<Library>; urls: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sync-tokens-imports-"));
  const file = path.join(dir, "imports.txt");
  try {
    const r = await runCli(args, { ...options, env: { ...options.env, NODE_OPTIONS: `--import=${recorder}`, RECORD_IMPORTS_FILE: file } });
    const urls = fs.readFileSync(file, "utf8").split("\n");
    const bundles = bundleInputs();
    // A module from node_modules, or a file of dist/ holding some of the library.
    const paths = urls.flatMap((u) => (u.startsWith("file:") ? (bundles.get(fileURLToPath(u)) ?? [fileURLToPath(u)]) : []));
    const loaded = new Set<Library>();
    for (const [key, name] of Object.entries(LIBRARIES) as [Library, string][]) {
      if (paths.some((p) => p.includes(`node_modules/${name}/`))) loaded.add(key);
    }
    return { ...r, loaded, urls };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const migrations = fs
  .readdirSync(path.join(root, "prisma/migrations"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const expectedRows = (sim: Simnet) => [...sim.chain.tokens].sort((a, b) => a.id - b.id).map((t) => expectedRow(t, sim.contractId));

describe("the compiled CLI loads only what a command uses", () => {
  let sim: Simnet;
  let db: TestDatabase;

  beforeAll(async () => {
    sim = await startSimnet({ scenario: { seed: 21, tokens: 12, creators: 4 } });
    db = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  it("--help runs dist/ with plain Node and loads neither the Stellar SDK, Prisma, pg, PGlite, the HTTP stack nor tsx", async () => {
    const r = await runRecorded(["--help"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: sync-tokens/);
    expect(r.urls.some((u) => u.endsWith("/dist/cli.js"))).toBe(true); // the recorder works, and it is the build that ran
    expect([...r.loaded]).toEqual([]);
  });

  it("a sync into PostgreSQL loads the SDK and pg but not Prisma's client, PGlite, the HTTP stack or the backfill's zstd", async () => {
    const r = await runRecorded(["--json"], { env: cliEnv(sim, { databaseUrl: db.databaseUrl }) });
    expect(r.code, r.stderr).toBe(0);
    expect([...r.loaded].sort()).toEqual(["pg", "sdk"]);
    expect(await tokenRows(db)).toEqual(expectedRows(sim));
  });

  it("db migrate, with --database-url after the subcommand, migrates that database and loads neither the SDK, Prisma's client nor PGlite", async () => {
    const fresh = await createTestDatabase("postgres");
    try {
      const r = await runRecorded(["db", "migrate", "--database-url", fresh.databaseUrl!]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^applied ${migrations.join(", ")} to `));
      expect([...r.loaded].sort()).toEqual(["pg"]);
      expect(await fresh.sql("SELECT count(*)::int AS n FROM tokens")).toEqual([{ n: 0 }]);
    } finally {
      await fresh.drop();
    }
  });
});

describe("the packed tarball, installed with npm into an empty folder", () => {
  let sim: Simnet;
  let db: TestDatabase;
  let pglite: TestDatabase;
  let dir: string;
  let consumer: string;
  let installedBin: string;
  // Node 22 first on PATH, as on a machine that has it; npm sees none of pnpm's settings (npm_*), but the machine's
  // own (CA certificates, proxies) stay.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`;
  const run = (cmd: string, args: string[], cwd: string, timeout = 60_000): string =>
    execFileSync(cmd, args, { cwd, env, encoding: "utf8", timeout, stdio: ["ignore", "pipe", "pipe"] });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sync-tokens-pack-"));
    consumer = path.join(dir, "consumer");
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    // dist/ is fresh (the global setup built it). Scripts off: prepack's clean build would pull dist/ from under
    // the test files running alongside this one.
    const pnpm = process.env.npm_execpath;
    const packArgs = ["--config.ignore-scripts=true", "pack", "--pack-destination", dir];
    if (pnpm?.includes("pnpm")) run(process.execPath, [pnpm, ...packArgs], root);
    else run("pnpm", packArgs, root);
    const tarball = fs.readdirSync(dir).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new Error(`pnpm pack wrote no tarball to ${dir}`);
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", path.join(dir, tarball)], consumer, 300_000);
    installedBin = path.join(consumer, "node_modules/sync-tokens/scripts/sync-tokens.mjs");
    sim = await startSimnet({ scenario: { seed: 22, tokens: 15, creators: 5 } });
    [db, pglite] = await Promise.all([createTestDatabase("postgres"), createTestDatabase("pglite")]);
  }, 420_000);
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
    await pglite?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("holds the build, the migrations and the bin, and nothing of the sources", () => {
    const files = fs.readdirSync(path.join(consumer, "node_modules/sync-tokens"), { recursive: true, encoding: "utf8" });
    for (const f of ["dist/cli.js", "dist/index.js", "dist/types/index.d.ts", "prisma/migrations/migration_lock.toml", "scripts/sync-tokens.mjs"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(src|test)\/|\.tsbuildinfo$|^dist\/meta\.json$|^scripts\/(?!sync-tokens\.mjs$)/.test(f))).toEqual([]);
    // Installing pulled no development tool: the package runs without them.
    for (const tool of ["tsx", "typescript", "esbuild", "prisma", "vitest"]) expect(fs.existsSync(path.join(consumer, "node_modules", tool))).toBe(false);
  });

  it("sync-tokens --help runs through the bin link", () => {
    const out = run(path.join(consumer, "node_modules/.bin/sync-tokens"), ["--help"], consumer);
    expect(out).toMatch(/^Usage: sync-tokens/);
  });

  it("db migrate creates the tables where its flags say, in PostgreSQL and in a PGlite folder", async () => {
    for (const [args, label] of [
      [["--database-url", db.databaseUrl!], "postgres"],
      [["--data-dir", pglite.dataDir], "pglite"],
    ] as const) {
      const r = await runCli(["db", "migrate", ...args], { bin: installedBin });
      expect(r.code, `${label}: ${r.stderr}`).toBe(0);
      expect(r.stdout, label).toMatch(new RegExp(`^applied ${migrations.join(", ")} to `));
    }
    for (const target of [db, pglite]) expect(await target.sql("SELECT count(*)::int AS n FROM tokens")).toEqual([{ n: 0 }]);
  });

  it("db migrate with no folder given keeps the embedded database out of node_modules: $XDG_DATA_HOME/sync-tokens, else ./.data", () => {
    const xdg = path.join(dir, "xdg-data");
    const clean = Object.fromEntries(Object.entries(env).filter(([k]) => !/^(DATABASE_URL|PGLITE_DATA_DIR|XDG_DATA_HOME|SYNC_.*)$/.test(k)));
    const migrate = (extra: Record<string, string>) => {
      const r = spawnSync(process.execPath, [installedBin, "db", "migrate"], { cwd: consumer, env: { ...clean, ...extra }, encoding: "utf8", timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(migrate({ XDG_DATA_HOME: xdg })).toMatch(new RegExp(`^applied .* to .*${path.join(xdg, "sync-tokens", "pglite")}`));
    expect(fs.existsSync(path.join(xdg, "sync-tokens", "pglite"))).toBe(true);
    expect(migrate({})).toMatch(/^applied .* to /);
    expect(fs.existsSync(path.join(consumer, ".data", "pglite"))).toBe(true);
    expect(fs.existsSync(path.join(consumer, "node_modules", "sync-tokens", ".data"))).toBe(false);
  });

  it("a sync against the simulator stores every token exactly", async () => {
    const r = await runCli(["--json", "--database-url", db.databaseUrl!], { bin: installedBin, env: cliEnv(sim) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ synced: sim.chain.tokens.length, missingIds: [], failed: [] });
    expect(await tokenRows(db)).toEqual(expectedRows(sim));
  });

  it("serves the programmatic API by its name, the same as the sources', with nothing run on import", async () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", `const m = await import("sync-tokens"); console.log(Object.keys(m).sort().join(" "));`], {
      cwd: consumer,
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.stderr).toBe("");
    const api = await import("../../src/index.ts");
    expect(r.stdout.trim()).toBe(Object.keys(api).sort().join(" "));
  });

  it("serves the display helper alone at sync-tokens/visible-text, importing nothing else", () => {
    const script = `const m = await import("sync-tokens/visible-text"); console.log(JSON.stringify([Object.keys(m), m.visibleText("\\u202eTSU")]));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: consumer, env, encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([["visibleText"], "⟨RLO⟩TSU"]);
    // It and the chunks it imports load no Node module and no package: a browser bundle of it holds it alone.
    const distDir = path.join(consumer, "node_modules/sync-tokens/dist");
    const queue = ["visible-text.js"];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      const text = fs.readFileSync(path.join(distDir, file), "utf8");
      expect(text, file).not.toMatch(/\brequire\(|\bimport\(/);
      for (const [, specifier] of text.matchAll(/(?:from|import)\s*"([^"]+)"/g)) {
        expect(specifier, file).toMatch(/^\.\/chunk-[\w-]+\.js$/);
        queue.push(specifier!.slice(2));
      }
    }
  });

  it("serves the API's types: a consumer's TypeScript sees SyncReport, not any", () => {
    // The @ts-expect-error fails the check if the declarations did not resolve (everything would then be `any`).
    fs.writeFileSync(
      path.join(consumer, "use.ts"),
      [
        `import { syncTokens, ConfigError, type SyncReport } from "sync-tokens";`,
        `export const report: Promise<SyncReport> = syncTokens({ contractId: "C" });`,
        `export const error: Error = new ConfigError("x");`,
        `// @ts-expect-error: synced is a number`,
        `export const wrong: string = (await report).synced;`,
      ].join("\n"),
    );
    const compilerOptions = {
      module: "nodenext",
      target: "es2023",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      typeRoots: [path.join(root, "node_modules/@types")],
      types: ["node"],
    };
    fs.writeFileSync(path.join(consumer, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["use.ts"] }));
    const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", consumer], { encoding: "utf8", timeout: 120_000 });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 150_000);

  it("serves the typed client at sync-tokens/client: a browser front end's calls type-check, a wrong call does not compile", () => {
    const front = [
      `import { createClient, subscribeStream, ApiRequestError, type Token, type TokenPage } from "sync-tokens/client";`,
      `const api = createClient({ baseUrl: "https://sync.example.com", token: "t" });`,
      `export const stored: Promise<Token> = api.syncToken("C...");`,
      `export const page: Promise<TokenPage> = api.listTokens({ status: "bonding", sort: "market_cap", limit: 10 });`,
      `export const raw = api.POST("/api/sync-token", { body: { tokenAddress: "C..." } });`,
      `export const close: () => void = subscribeStream({ baseUrl: "https://sync.example.com", EventSource, types: ["token.added", "trade"] }, (type, data, id) => {`,
      `  if (type === "token.added") console.log(id, (data as { marketCap: string }).marketCap.length);`,
      `});`,
      `export const code = (e: unknown) => (e instanceof ApiRequestError && e.code === "rate_limited" ? e.status : 0);`,
      `export const cap: string = (await stored).marketCap;`,
    ];
    // Each line of `wrong` on its own: every one must be refused, each for its own reason.
    const wrong = [
      `api.syncToken(7);`,
      `api.listTokens({ sort: "cheapest" });`,
      `api.POST("/api/sync-token", { body: { token: "C..." } });`,
      `api.GET("/api/tokenz");`,
      `const n: number = (await api.syncToken("C...")).marketCap;`,
      `subscribeStream({ baseUrl: "x", EventSource, types: ["token.burned"] }, () => {});`,
    ];
    const compilerOptions = { module: "nodenext", target: "es2023", lib: ["es2023", "dom"], strict: true, noEmit: true, skipLibCheck: true, types: [] };
    /** One compiler run over the files given (name -> lines). */
    const tsc = (files: Record<string, string[]>) => {
      for (const [file, lines] of Object.entries(files)) fs.writeFileSync(path.join(consumer, file), lines.join("\n"));
      fs.writeFileSync(path.join(consumer, "tsconfig.client.json"), JSON.stringify({ compilerOptions, files: Object.keys(files) }));
      return spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(consumer, "tsconfig.client.json")], { encoding: "utf8", timeout: 120_000 });
    };
    const good = tsc({ "front.ts": front });
    expect(good.stdout + good.stderr).toBe("");
    expect(good.status).toBe(0);
    // Each wrong line in a file of its own, all compiled in one run: each file must fail on its line 3 alone.
    const bad = tsc(Object.fromEntries(wrong.map((line, i) => [`wrong-${i}.ts`, [front[0]!, front[1]!, line]])));
    expect(bad.status).not.toBe(0);
    for (const [i, line] of wrong.entries()) {
      expect(bad.stdout, line).toMatch(new RegExp(`wrong-${i}\\.ts\\(3,\\d+\\): error TS\\d+`));
      expect(bad.stdout, line).not.toMatch(new RegExp(`wrong-${i}\\.ts\\([12],`));
    }
  }, 300_000);
});
