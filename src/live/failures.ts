// Which failures a long-running process waits out (an RPC outage, a 429, a database restart) and which ones
// no wait can fix (bad configuration, another network, a contract that is not a SAC Factory).
import { ConfigError } from "../config/config.ts";
import { InterruptedError, LockedError } from "../internal/errors.ts";
import { RpcError, RpcUnavailableError } from "../rpc/client.ts";
import { DatabaseError } from "../store/database.ts";

/** Connection-level failures of PostgreSQL and the network under it. */
const CONNECTION_CODES = /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|57P0[1-3]|08\w{3}|53300)$/;

/** True when waiting and trying again may succeed. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ConfigError || error instanceof InterruptedError || error instanceof LockedError) return false;
  for (const e of causes(error)) {
    if (e instanceof RpcError) return e.transient;
    if (e instanceof DatabaseError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_CODES.test(code)) return true;
    if (/Connection terminated|terminating connection|the database system is (starting up|shutting down)|Can't reach database server/i.test(e.message)) return true;
  }
  return false;
}

/** True when the session's RPC client gave the RPC up for dead: only a new session talks to it again. */
export function spentRpc(error: unknown): boolean {
  return causes(error).some((e) => e instanceof RpcUnavailableError);
}

/** True when the failure is the database connection going away (a restart, a terminated backend). */
export function lostDatabase(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    return (typeof code === "string" && /^(57P0[1-3]|ECONNREFUSED|ECONNRESET)$/.test(code)) || /Connection terminated|terminating connection/i.test(e.message);
  });
}

function causes(error: unknown): Error[] {
  const out: Error[] = [];
  for (let e: unknown = error; e instanceof Error && out.length < 8; e = e.cause) out.push(e);
  return out;
}
