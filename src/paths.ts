// Locations inside the package, resolved from this file so that the tool works from any
// working directory (cron jobs usually start in / or $HOME).
import { fileURLToPath } from "node:url";
import path from "node:path";

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const migrationsDir = path.join(packageRoot, "prisma", "migrations");
export const defaultDataDir = path.join(packageRoot, ".data", "pglite");
