// The flags of a benchmark run alone (`pnpm bench --only NAME --flag value ...`): each a string with its default
// (undefined: none), `--only NAME` left out, an unknown flag refused.
import { parseArgs } from "node:util";

export function benchFlags<K extends string>(defaults: Record<K, string | undefined>) {
  const options = Object.fromEntries(
    Object.entries<string | undefined>(defaults).map(([name, value]) => [name, value === undefined ? { type: "string" as const } : { type: "string" as const, default: value }]),
  );
  const args = process.argv.slice(2).filter((a, i, all) => !(a === "--only" || all[i - 1] === "--only"));
  const flags = parseArgs({ args, options, strict: true }).values as Record<K, string | undefined>;
  /** A flag's number, at least 0. */
  const num = (name: K): number => {
    const n = Number(flags[name]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} ${JSON.stringify(flags[name])}: expected a number >= 0`);
    return n;
  };
  return { flags, num };
}
