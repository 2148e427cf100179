import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";

/**
 * The lab distributor's HTTP side, run as its own process inside the distributor's
 * network namespace (`ip netns exec … node lab-boot-http.ts HOST PORT DIR`):
 * - GET /<file> serves a file of DIR (boot.ipxe, vmlinuz, initrd.gz, authorized_keys);
 * - POST /api/localnodes?ip=…&artifactId=…&pingable=… records a node calling home.
 * Every request and call-home is printed on stdout as one JSON line for the test to read.
 * It stands in for the provisioner server so the distributor's pieces can be tested alone.
 */

const [host = "", portText = "", dir = ""] = process.argv.slice(2);
const port = Number(portText);
if (!host || !Number.isInteger(port) || port <= 0 || !dir) {
  process.stderr.write("usage: lab-boot-http.ts HOST PORT DIR\n");
  process.exit(2);
}

const FILE = /^\/([A-Za-z0-9_-][A-Za-z0-9._-]*)$/;
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", `http://${host}`);
  emit({
    event: "request",
    method: req.method,
    path: url.pathname,
    from: req.socket.remoteAddress,
  });
  if (req.method === "POST" && url.pathname === "/api/localnodes") {
    emit({
      event: "callhome",
      ip: url.searchParams.get("ip"),
      artifactId: url.searchParams.get("artifactId"),
      pingable: url.searchParams.get("pingable"),
      from: req.socket.remoteAddress,
    });
    req.resume();
    res.writeHead(200, { "content-type": "text/plain" }).end("registered\n");
    return;
  }
  const name = FILE.exec(url.pathname)?.[1];
  if (req.method !== "GET" || !name) {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    return;
  }
  const path = join(dir, name);
  try {
    const info = await stat(path);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": info.size });
    createReadStream(path).pipe(res);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  }
});

server.listen(port, host, () => emit({ event: "listening", host, port }));
const shutdown = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
