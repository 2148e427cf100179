import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the provisioner's plain-text boot endpoints. It listens on 127.0.0.1
 * (guests reach it as 10.0.2.2 through QEMU user networking) and serves a mainscript that
 * chains to /marker/<id>; a test arms a fresh id per boot and waits for that request,
 * which proves the whole chain ran (iPXE started, ran its embedded script, got DHCP,
 * fetched the mainscript and executed it).
 */

export const GUEST_HOST_ADDRESS = "10.0.2.2";

export type RecordedRequest = { method: string; url: string; userAgent: string; at: number };

export type BootServer = {
  port: number;
  requests: RecordedRequest[];
  /** The URL to put into an embedded iPXE script. */
  mainscriptUrl: string;
  /** Arms a marker id; the returned promise resolves when the guest requests it. */
  armMarker(id: string): Promise<RecordedRequest>;
  close(): Promise<void>;
};

export async function startBootServer(): Promise<BootServer> {
  const requests: RecordedRequest[] = [];
  let marker: { id: string; resolve: (r: RecordedRequest) => void } | undefined;
  let port = 0;

  const server = createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      userAgent: req.headers["user-agent"] ?? "",
      at: Date.now(),
    };
    requests.push(record);
    res.setHeader("content-type", "text/plain");
    if (record.url === "/api/mainscripts/1" && marker) {
      const url = `http://${GUEST_HOST_ADDRESS}:${port}/marker/${marker.id}`;
      res.end(`#!ipxe\necho mainscript reached\nchain ${url}\n`);
      return;
    }
    if (marker && record.url === `/marker/${marker.id}`) {
      // Keep iPXE busy so it does not fall back to another boot option while the test ends.
      res.end("#!ipxe\necho marker reached\nsleep 300\n");
      marker.resolve(record);
      marker = undefined;
      return;
    }
    res.statusCode = 404;
    res.end("not found\n");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;

  return {
    port,
    requests,
    mainscriptUrl: `http://${GUEST_HOST_ADDRESS}:${port}/api/mainscripts/1`,
    armMarker(id) {
      return new Promise((resolve) => {
        marker = { id, resolve };
      });
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
