// `.env.example` is the list of every environment variable the code reads (issue 21): the sources are searched for
// the ways they read one (`env.NAME`, `process.env.NAME`, `env["NAME"]`, a helper called with `(env, "NAME")`),
// and each name found must have its line there; a line there must name a variable the code still reads.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultDataDir, packageRoot } from "../../src/paths.ts";

const READS = [/\benv\??\.([A-Z][A-Z0-9_]+)\b/g, /\benv\[\s*["'`]([A-Z][A-Z0-9_]+)["'`]\s*\]/g, /\(\s*(?:[\w.]+\.)?env\s*,\s*["'`]([A-Z][A-Z0-9_]+)["'`]/g];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Each variable the sources read, with the first file that reads it. */
function variablesRead(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(path.join(packageRoot, "src"))) {
    const text = fs.readFileSync(file, "utf8");
    for (const re of READS) for (const m of text.matchAll(re)) if (!found.has(m[1]!)) found.set(m[1]!, path.relative(packageRoot, file));
  }
  return found;
}

function variablesListed(): Set<string> {
  const text = fs.readFileSync(path.join(packageRoot, ".env.example"), "utf8");
  return new Set([...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
}

describe(".env.example", () => {
  it("lists every environment variable the sources read", () => {
    const read = variablesRead();
    expect(read.size).toBeGreaterThan(20); // the search finds the reads at all
    const listed = variablesListed();
    const missing = [...read].filter(([name]) => !listed.has(name)).map(([name, file]) => `${name} (read in ${file})`);
    expect(missing).toEqual([]);
  });

  it("lists no variable the sources no longer read", () => {
    const read = variablesRead();
    expect([...variablesListed()].filter((name) => !read.has(name))).toEqual([]);
  });
});

describe("the embedded database's default folder", () => {
  it("is .data/pglite in a checkout, whatever XDG_DATA_HOME says", () => {
    expect(defaultDataDir({ XDG_DATA_HOME: "/xdg" }, "/src/sync-tokens")).toBe(path.join("/src/sync-tokens", ".data", "pglite"));
  });

  it("is never inside node_modules for an installed package: $XDG_DATA_HOME/sync-tokens, else the working directory's .data", () => {
    for (const root of ["/app/node_modules/sync-tokens", "/app/node_modules/.pnpm/sync-tokens@0.1.0/node_modules/sync-tokens"]) {
      expect(defaultDataDir({ XDG_DATA_HOME: "/home/u/.local/share" }, root)).toBe(path.join("/home/u/.local/share", "sync-tokens", "pglite"));
      expect(defaultDataDir({}, root)).toBe(path.join(process.cwd(), ".data", "pglite"));
      // The XDG spec ignores a relative path.
      expect(defaultDataDir({ XDG_DATA_HOME: "relative" }, root)).toBe(path.join(process.cwd(), ".data", "pglite"));
    }
  });
});
