// Locations inside the package, resolved from this file so that the tool works from any
// working directory (cron jobs usually start in / or $HOME).
import { fileURLToPath } from "node:url";
import path from "node:path";

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const migrationsDir = path.join(packageRoot, "prisma", "migrations");

/**
 * The embedded database's folder when neither --data-dir nor PGLITE_DATA_DIR says: `.data/pglite` in a checkout;
 * for an installed package (under node_modules, which an upgrade or `npm ci` wipes),
 * `$XDG_DATA_HOME/sync-tokens/pglite`, else `.data/pglite` in the working directory.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, root: string = packageRoot): string {
  if (!root.split(path.sep).includes("node_modules")) return path.join(root, ".data", "pglite");
  const xdg = env.XDG_DATA_HOME?.trim();
  // The XDG spec ignores a relative XDG_DATA_HOME.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "sync-tokens", "pglite");
  return path.resolve(".data", "pglite");
}
