// Plays a restart after SIGKILL that got the same pid (a container's pid 1): writes the embedded database's lock
// file as the killed previous incarnation with this very pid left it (STALE_LOCK_TEXT, "{pid}" standing for this
// process's pid), then runs the sync-tokens bin in this process with the remaining arguments.
import fs from "node:fs";
import path from "node:path";

const bin = path.resolve(import.meta.dirname, "../../scripts/sync-tokens.mjs");
fs.mkdirSync(path.dirname(process.env.STALE_LOCK_FILE), { recursive: true });
fs.writeFileSync(process.env.STALE_LOCK_FILE, process.env.STALE_LOCK_TEXT.replaceAll("{pid}", String(process.pid)));
process.argv = [process.argv[0], bin, ...process.argv.slice(2)];
await import(bin);
