// Runs `prisma generate`. The Prisma CLI insists on locating a schema-engine binary before every
// command, and where it cannot download one generate fails although it never executes it; pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file satisfies the check.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js");
const env: NodeJS.ProcessEnv = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const result = spawnSync(process.execPath, [cli, "generate"], { stdio: ["ignore", "inherit", "inherit"], env });
process.exit(result.status ?? 1);
