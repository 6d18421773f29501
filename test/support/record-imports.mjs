// Loaded with `node --import` (through NODE_OPTIONS): writes every module URL the process resolved, one a line, to
// the file named by RECORD_IMPORTS_FILE when the process exits. Tells which libraries a command loaded.
import fs from "node:fs";
import { registerHooks } from "node:module";

const file = process.env.RECORD_IMPORTS_FILE;
if (file) {
  const seen = new Set();
  registerHooks({
    resolve(specifier, context, next) {
      const result = next(specifier, context);
      seen.add(result.url);
      return result;
    },
  });
  process.on("exit", () => fs.writeFileSync(file, [...seen].join("\n")));
}
