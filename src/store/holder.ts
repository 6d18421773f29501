// Who this process is, as a lease holder and on its PostgreSQL connections: apart from lease.ts so that the
// database module can name its connections without importing the lease.
import os from "node:os";
import crypto from "node:crypto";

let holderId: string | undefined;

/**
 * This process's name as a lease holder: host, pid and a random suffix (pids repeat across containers). It is
 * also the application_name of its PostgreSQL connections, so that a successor can find and end them all.
 */
export function leaseHolder(): string {
  holderId ??= `${os.hostname().slice(0, 32)}/${process.pid}/${crypto.randomBytes(3).toString("hex")}`;
  return holderId;
}

/** The application_name of this process's connections (PostgreSQL keeps 63 bytes). */
export function applicationName(holder = leaseHolder()): string {
  return `sync-tokens ${holder}`.slice(0, 63);
}
