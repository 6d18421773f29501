// The package's version, read from its package.json (beside dist/ when installed, beside src/ in a checkout).
import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "../paths.ts";

let cached: string | undefined;

export function packageVersion(): string {
  cached ??= (JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
  return cached;
}
