// The manual (README.md) and its pages (docs/*.md) link to each other by file and heading. A moved file or a renamed
// heading breaks a link silently on GitHub, so every relative link and #anchor is resolved here.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const pages = ["README.md", ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** Markdown outside fenced code blocks (a `# comment` in a shell block is no heading). */
function prose(text: string): string[] {
  let fenced = false;
  return text.split("\n").filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    return !fenced && !/^\s*(```|~~~)/.test(line);
  });
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of prose(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Relative link targets of a page: `[text](target)`, without external URLs. */
function linksOf(text: string): string[] {
  const links: string[] = [];
  for (const line of prose(text)) {
    const inline = line.replace(/`[^`]*`/g, "");
    for (const m of inline.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target);
    }
  }
  return links;
}

describe("documentation links", () => {
  it("counts GitHub's anchors the way GitHub does", () => {
    expect([...anchorsOf("# Live: `watch` and `serve`\n## What is public, what is not\n## A\n## A\n```sh\n# no\n```")]).toEqual([
      "live-watch-and-serve",
      "what-is-public-what-is-not",
      "a",
      "a-1",
    ]);
  });

  for (const page of pages) {
    it(`every relative link and anchor of ${page} resolves`, () => {
      const text = fs.readFileSync(path.join(root, page), "utf8");
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        const [file, anchor] = link.split("#", 2) as [string, string | undefined];
        const target = file === "" ? path.join(root, page) : path.resolve(path.dirname(path.join(root, page)), file);
        if (!fs.existsSync(target)) {
          broken.push(`${link}: no file ${path.relative(root, target)}`);
          continue;
        }
        if (anchor !== undefined && !anchorsOf(fs.readFileSync(target, "utf8")).has(anchor)) {
          broken.push(`${link}: no heading #${anchor} in ${path.relative(root, target)}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
