// A TCP proxy the test controls, in front of the simulator for one process: `block()` cuts that process off from
// the RPC (every connection is reset at once) while the others still reach it.
import net from "node:net";

export interface TcpProxy {
  url: string;
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const to = new URL(target);
  let blocked = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (blocked) return void client.resetAndDestroy();
    const upstream = net.connect(Number(to.port), to.hostname);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        open.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `${to.protocol}//127.0.0.1:${port}${to.pathname === "/" ? "" : to.pathname}`,
    block() {
      blocked = true;
      for (const s of open) s.resetAndDestroy();
    },
    unblock() {
      blocked = false;
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}
