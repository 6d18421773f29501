// A PostgreSQL cluster of a test's own (initdb + pg_ctl, through scripts/throwaway-postgres.sh), so that the test
// can stop and start the server under a running process: the suite's shared server must stay up for the others.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { postgresDatabase, type TestDatabase } from "./databases.ts";

const script = path.resolve(import.meta.dirname, "../../scripts/throwaway-postgres.sh");

export interface OwnPostgres {
  db: TestDatabase;
  /** Stops the server (fast shutdown: every connection is ended) and waits until it is down. */
  stop(): void;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): void;
  /** Stops it for good and removes its folder. */
  close(): Promise<void>;
}

export function startOwnPostgres(): OwnPostgres {
  const [dir, url] = execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split(" ") as [string, string];
  const port = new URL(url).port;
  // The server runs as the postgres user when we are root (as the script starts it).
  const ctl = (...args: string[]) => {
    const command = [pgCtl(), "-D", `${dir}/data`, ...args];
    if (process.getuid?.() === 0) execFileSync(runuser(), ["-u", "postgres", "--", ...command], { stdio: "ignore" });
    else execFileSync(command[0]!, command.slice(1), { stdio: "ignore" });
  };
  const close = async () => void execFileSync("bash", [script, "stop", dir], { stdio: "ignore" });
  return {
    db: postgresDatabase(url, `${dir}/unused`, close),
    stop: () => ctl("-m", "fast", "-w", "stop"),
    start: () => ctl("-l", `${dir}/server.log`, "-w", "-t", "60", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"),
    close,
  };
}

/** runuser is in /usr/sbin, which a minimal environment (env -i) leaves off PATH. */
function runuser(): string {
  return ["/usr/sbin/runuser", "/sbin/runuser"].find((p) => fs.existsSync(p)) ?? "runuser";
}

function pgCtl(): string {
  const dirs = ["/usr/lib/postgresql/15/bin", ...fs.readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`)];
  return `${dirs.find((d) => fs.existsSync(`${d}/pg_ctl`))}/pg_ctl`;
}
