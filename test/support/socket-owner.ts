// Which process sent a request to a test server on 127.0.0.1: Linux's /proc maps the client's local port to a
// socket inode, and each process's fd/ folder links the sockets it holds. Lets a receiver act on the requests
// of one of several processes that share its URL (the webhook failover test kills the leader on its first).
import fs from "node:fs";

/** True when process `pid` holds the TCP socket whose local end is 127.0.0.1:`port` (IPv4 or mapped IPv6). */
export function ownsSocket(pid: number, port: number): boolean {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = fs.readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; the inode is the tenth field.
      if (f[1]?.endsWith(`:${hexPort}`) && f[9] && f[9] !== "0") inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return inodes.has(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      return false;
    }
  });
}
