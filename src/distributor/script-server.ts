import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { networkInterfaces } from "node:os";
import path from "node:path";

export const SCRIPT_PORT = 8098;

/** The interface's first IPv4 address, which hosts on that LAN can reach. */
export function ipv4Of(device: string): string | undefined {
  return networkInterfaces()[device]?.find((a) => a.family === "IPv4" && !a.internal)?.address;
}

export type ScriptServer = { url: string; close(): Promise<void> };

/**
 * Serves the BIOS build's iPXE script from the distributor itself, so BIOS
 * hosts still get it while the server is unreachable. Only that one file.
 */
export async function startScriptServer(
  address: string,
  dir: string,
  port = SCRIPT_PORT,
): Promise<ScriptServer> {
  const file = path.join(dir, "autoexec.ipxe");
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/autoexec.ipxe") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    readFile(file).then(
      (body) =>
        res
          .writeHead(200, { "content-type": "text/plain", "content-length": body.length })
          .end(body),
      () => res.writeHead(404, { "content-type": "text/plain" }).end("no script yet\n"),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  return {
    url: `http://${address}:${port}/autoexec.ipxe`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
