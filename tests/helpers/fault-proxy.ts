import net from "node:net";

export type FaultProxy = {
  port: number;
  /** Stops forwarding bytes (connections stay open and hang), like a frozen server. */
  freeze(): void;
  /** Cuts every connection and refuses new ones, like a server that is gone. */
  drop(): void;
  /** Back to forwarding. */
  restore(): void;
  close(): Promise<void>;
};

/**
 * A TCP proxy on loopback in front of a real server, used to inject database
 * outages without stopping the machine's shared PostgreSQL.
 */
export async function startFaultProxy(
  targetPort: number,
  targetHost = "127.0.0.1",
): Promise<FaultProxy> {
  let mode: "up" | "frozen" | "down" = "up";
  type Pair = { client: net.Socket; upstream: net.Socket; held: Array<[net.Socket, Buffer]> };
  const pairs = new Set<Pair>();
  const waiting = new Set<net.Socket>();

  const wire = (client: net.Socket) => {
    const upstream = net.connect(targetPort, targetHost);
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    const forget = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", forget).on("close", forget);
    upstream.on("error", forget).on("close", forget);
    // While frozen, bytes are held (as a stopped server's socket buffers do) and sent on restore.
    client.on("data", (chunk: Buffer) => {
      if (mode === "up") upstream.write(chunk);
      else pair.held.push([upstream, chunk]);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (mode === "up") client.write(chunk);
      else pair.held.push([client, chunk]);
    });
  };

  const server = net.createServer((client) => {
    if (mode === "down") {
      client.destroy();
      return;
    }
    if (mode === "frozen") {
      // Accepted but never answered, as a stopped (SIGSTOP) server's kernel does.
      waiting.add(client);
      client.on("error", () => undefined).on("close", () => waiting.delete(client));
      return;
    }
    wire(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    freeze() {
      mode = "frozen";
    },
    drop() {
      mode = "down";
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      for (const client of waiting) client.destroy();
    },
    restore() {
      mode = "up";
      for (const pair of pairs) for (const [to, chunk] of pair.held.splice(0)) to.write(chunk);
      for (const client of waiting) {
        waiting.delete(client);
        client.removeAllListeners("close");
        wire(client);
      }
    },
    close: () =>
      new Promise((resolve) => {
        mode = "down";
        for (const { client, upstream } of pairs) {
          client.destroy();
          upstream.destroy();
        }
        for (const client of waiting) client.destroy();
        server.close(() => resolve());
      }),
  };
}
