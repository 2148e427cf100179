import net from "node:net";

export type TcpBalancer = { url: string; close(): Promise<void> };

/**
 * A round-robin TCP load balancer on loopback, as operators put in front of
 * replicas: each connection goes to the next backend that accepts it, so a
 * killed replica is skipped and clients reconnect to another one.
 */
export async function startTcpBalancer(backends: number[]): Promise<TcpBalancer> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const connect = (client: net.Socket, tries: number) => {
    if (tries >= backends.length) {
      client.destroy();
      return;
    }
    const port = backends[next++ % backends.length] as number;
    const upstream = net.connect(port, "127.0.0.1");
    sockets.add(upstream);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
      client.once("close", () => upstream.destroy());
    });
    upstream.on("error", () => undefined);
    upstream.once("close", () => {
      sockets.delete(upstream);
      if (connected || client.destroyed) client.destroy();
      else connect(client, tries + 1);
    });
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    client.on("error", () => undefined);
    connect(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
