// Builds dist/ from the current sources (the tests run the real bin, which runs dist/), and gives every test file
// a PostgreSQL server: DATABASE_URL when set (CI starts a throwaway cluster and passes it), otherwise a throwaway
// cluster started here and removed afterwards. Chromium for the dashboard's browser tests is installed when missing
// (as root), like PostgreSQL.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { buildDist } from "../../scripts/build.ts";

const script = path.resolve(import.meta.dirname, "../../scripts/throwaway-postgres.sh");
const ensureChromium = path.resolve(import.meta.dirname, "../../scripts/ensure-chromium.sh");

export default async function setup(): Promise<() => void> {
  // The integration and e2e projects both name this setup: the first to run does it for the whole run.
  if (process.env.SYNC_TOKENS_TEST_SETUP) return () => {};
  process.env.SYNC_TOKENS_TEST_SETUP = "1";
  // Type errors do not stop the build: the tests run what was written, and `pnpm typecheck` reports the errors.
  const build = await buildDist();
  if (!build.ok) console.warn(`dist/ was built with errors:\n${build.output}`);
  try {
    execFileSync("bash", [ensureChromium], { stdio: ["ignore", "inherit", "inherit"] });
  } catch {
    // Said on stderr already; the browser tests fail with the same reason, the rest run.
  }
  if (process.env.DATABASE_URL) {
    process.env.TEST_PG_URL = process.env.DATABASE_URL;
    return () => {};
  }
  const [dir, url] = execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
    .trim()
    .split(" ");
  process.env.TEST_PG_URL = url;
  return () => {
    execFileSync("bash", [script, "stop", dir!], { stdio: "inherit" });
  };
}
