// The flags every benchmark shares, parsed once by scripts/bench.ts; a benchmark gives unset ones its own defaults.

export interface BenchFlags {
  tokens?: number;
  creators?: number;
  /** Milliseconds added to every RPC response by the simulator. */
  latency?: number;
  seed?: number;
  repeat?: number;
  seconds?: number;
  calls?: number;
  concurrency?: number;
  /** A PostgreSQL server to create the benchmark's databases on; default: a throwaway cluster. */
  databaseUrl?: string;
  /** Where the JSON goes; default: a file of the benchmark's under bench-results/. */
  out?: string;
  /** The benchmark's own flags (its `options`), by their names as typed, with their defaults. */
  own: Record<string, string | boolean>;
}

/** Shared flags: name, value name (none for a switch), description. */
export const SHARED_FLAGS: [string, string, string][] = [
  ["tokens", "n", "tokens in the simulated launchpad"],
  ["creators", "n", "creators of those tokens"],
  ["latency", "ms", "added to every RPC response"],
  ["seed", "n", "the scenario's seed"],
  ["repeat", "n", "runs of each measurement (medians are reported)"],
  ["seconds", "n", "how long a timed load lasts"],
  ["calls", "n", "sequential calls of a timed request"],
  ["concurrency", "n", "requests (or deliveries) in flight"],
];

/** `value` as a whole number of at least `min`, or a one-line error naming the flag and the value. */
export function whole(name: string, value: string | number | boolean | undefined, min = 0): number {
  const n = Number(value);
  if (typeof value === "boolean" || !Number.isInteger(n) || n < min) throw new Error(`--${name} ${JSON.stringify(value)}: expected a whole number >= ${min}`);
  return n;
}

/** The benchmark's own flag `name` as text (its default when not given). */
export function ownText(flags: BenchFlags, name: string): string {
  const v = flags.own[name];
  if (typeof v !== "string") throw new Error(`--${name}: expected a value`);
  return v;
}

type Shared = "tokens" | "creators" | "latency" | "seed" | "repeat" | "seconds" | "calls" | "concurrency";

/**
 * Every flag as text, for a benchmark that reads them so: the shared ones (given, else `defaults`), `database-url`,
 * `out`, then its own (an empty default reads as unset).
 */
export function flagText(flags: BenchFlags, defaults: Partial<Record<Shared, number>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { "database-url": flags.databaseUrl, out: flags.out };
  for (const [name, fallback] of Object.entries(defaults)) out[name] = String(flags[name as Shared] ?? fallback);
  for (const [name, value] of Object.entries(flags.own)) out[name] = value === "" ? undefined : String(value);
  return out;
}

/** A flag read by flagText as a number, at least 0, or a one-line error naming it. */
export function flagNumber(flags: Record<string, string | undefined>, name: string): number {
  const n = Number(flags[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} ${JSON.stringify(flags[name])}: expected a number >= 0`);
  return n;
}
