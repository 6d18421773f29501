// `pnpm bench [name] [flags]`: runs the benchmark scripts/bench/<name>.ts, or every one when no name is given.
// A benchmark is a file there exporting `run(flags: BenchFlags)` (flags.ts), whose first comment line says what it
// measures (`pnpm bench --help` lists them) and whose `export const options = { "flag": default }` adds its own flags.
import fs from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { SHARED_FLAGS, whole, type BenchFlags } from "./bench/flags.ts";

interface Benchmark {
  run(flags: BenchFlags): Promise<void>;
  options?: Record<string, string | boolean>;
}

const dir = path.join(import.meta.dirname, "bench");
/** The order `pnpm bench` runs them in; others follow by name. */
const ORDER = ["compare", "scale", "startup", "launchpad", "fidelity", "backfill", "live", "webhooks", "failover"];

/** Every benchmark file: name and the first line of its header comment. */
function benchmarks(): { name: string; summary: string }[] {
  const found = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({ name: f.slice(0, -3), text: fs.readFileSync(path.join(dir, f), "utf8") }))
    .filter((b) => /^export (async )?function run\(/m.test(b.text))
    .map((b) => ({ name: b.name, summary: (/^\/\/ (.*)$/m.exec(b.text)?.[1] ?? "").replace(/^`pnpm bench[^`]*`: /, "") }));
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  return found.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

async function load(name: string): Promise<Benchmark> {
  return (await import(path.join(dir, `${name}.ts`))) as Benchmark;
}

const wholeArg = (name: string) => (value: string) => {
  try {
    return whole(name, value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

const all = benchmarks();
const names = all.map((b) => b.name);
const first = process.argv[2];
const named = first !== undefined && !first.startsWith("-") ? first : undefined;
if (named !== undefined && !names.includes(named)) {
  console.error(`bench: no benchmark "${named}" (scripts/bench/${named}.ts exporting run); there are: ${names.join(", ")}`);
  process.exit(64);
}
const selected = named ? [named] : names;
const modules = new Map<string, Benchmark>();
for (const n of selected) modules.set(n, await load(n));

const program = new Command(named ? `bench ${named}` : "bench")
  .description(named ? (all.find((b) => b.name === named)?.summary ?? "") : "runs one benchmark, or all of them in turn")
  .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 64))
  .allowExcessArguments(false);
if (!named) program.argument("[name]", `one of: ${names.join(", ")}`);
for (const [flag, value, description] of SHARED_FLAGS) program.addOption(new Option(`--${flag} <${value}>`, description).argParser(wholeArg(flag)));
program.option("--database-url <url>", "a PostgreSQL server to create the databases on (default: a throwaway cluster)");
program.option("--out <file>", "where the JSON goes (default: under bench-results/)");
program.addOption(new Option("--only <names>", "the benchmarks named, comma-separated (the old way of naming one; use `pnpm bench <name>`)").hideHelp());
// Own flags: of the one named, or of all (a value given applies to each that takes it; each keeps its own default).
const ownFlags = new Map<string, string | boolean>();
for (const m of modules.values()) for (const [k, v] of Object.entries(m.options ?? {})) if (!ownFlags.has(k)) ownFlags.set(k, v);
for (const [k, v] of ownFlags) {
  const owners = [...modules].filter(([, m]) => m.options && k in m.options).map(([n]) => n);
  const of = named ? "" : ` (${owners.join(", ")})`;
  if (typeof v === "boolean") program.addOption(new Option(`--${k}`, `switch${of}`));
  else program.addOption(new Option(`--${k} <value>`, `default ${JSON.stringify(v)}${of}`));
}
if (!named) program.addHelpText("after", `\nBenchmarks (pnpm bench <name> --help for one's own flags):\n${all.map((b) => `  ${b.name.padEnd(10)} ${b.summary}`).join("\n")}`);
program.parse(named ? process.argv.slice(3) : process.argv.slice(2), { from: "user" });

const opts = program.opts<Record<string, unknown>>();
const only = typeof opts.only === "string" ? opts.only.split(",").map((n) => n.trim()).filter(Boolean) : undefined;
const bad = only?.find((n) => !names.includes(n));
if (bad !== undefined) {
  console.error(`bench: --only ${JSON.stringify(opts.only)}: no benchmark "${bad}"; there are: ${names.join(", ")}`);
  process.exit(64);
}
const toRun = only ?? selected;
for (const n of toRun) if (!modules.has(n)) modules.set(n, await load(n));

/** Each own flag's value for `m`: given on the command line, else `m`'s default. */
function ownValues(m: Benchmark): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [k, fallback] of Object.entries(m.options ?? {})) {
    const key = new Option(`--${k}`).attributeName();
    const given = program.getOptionValueSource(key) === "cli" ? opts[key] : undefined;
    // commander's --no-x sets x to false.
    out[k] = given === undefined ? fallback : k.startsWith("no-") ? given === false : (given as string | boolean);
  }
  return out;
}

for (const n of toRun) {
  const m = modules.get(n)!;
  if (toRun.length > 1) console.error(`\n=== bench ${n}`);
  const flags: BenchFlags = { own: ownValues(m) };
  for (const [k] of SHARED_FLAGS) if (opts[k] !== undefined) (flags as unknown as Record<string, number>)[k] = opts[k] as number;
  if (typeof opts.databaseUrl === "string") flags.databaseUrl = opts.databaseUrl;
  if (typeof opts.out === "string") flags.out = toRun.length > 1 ? path.join(opts.out, `${n}.json`) : opts.out;
  await m.run(flags);
}
process.exit(0);
