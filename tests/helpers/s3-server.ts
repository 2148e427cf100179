import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

/**
 * A real S3-compatible server for tests: npm `s3rver` as a child process on 127.0.0.1 with a
 * temporary directory, behind a small recording proxy (also on 127.0.0.1) so tests can see
 * which S3 requests a client made, e.g. that a second put of the same file sends no PUT.
 * Clients talk to the proxy; it forwards every byte and header unchanged (the Host header
 * included, which the request signature covers).
 */

const S3RVER_BIN = fileURLToPath(
  new URL("../../node_modules/s3rver/bin/s3rver.js", import.meta.url),
);
const START_TIMEOUT_MS = 15_000;

/** s3rver accepts this one key pair (its built-in dummy account). */
export const S3RVER_ACCESS_KEY = "S3RVER";
export const S3RVER_SECRET_KEY = "S3RVER";

export type S3Request = { method: string; path: string; status: number };

export type S3Server = {
  /** http://127.0.0.1:<proxy port>: what clients use. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** s3rver's data directory. */
  directory: string;
  /** Every request that went through, in order of completion. */
  requests: S3Request[];
  stop(): Promise<void>;
};

export async function startS3Server(): Promise<S3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), "s3rver-"));
  const controller = new AbortController();
  const child = execa(
    process.execPath,
    [S3RVER_BIN, "--directory", directory, "--address", "127.0.0.1", "--port", "0", "--silent"],
    {
      cancelSignal: controller.signal,
      forceKillAfterDelay: 2000,
      reject: false,
      buffer: false,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  let output = "";
  const upstreamPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`s3rver did not start in ${START_TIMEOUT_MS} ms: ${output}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /S3rver listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (${result.exitCode}) before listening: ${output}`));
    });
  }).catch(async (error: unknown) => {
    controller.abort();
    await child;
    await rm(directory, { recursive: true, force: true });
    throw error;
  });

  const requests: S3Request[] = [];
  const agent = new Agent({ keepAlive: true });
  const proxy = createServer((req, res) => {
    const upstream = request(
      {
        host: "127.0.0.1",
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (upstreamRes) => {
        requests.push({
          method: req.method ?? "",
          path: req.url ?? "",
          status: upstreamRes.statusCode ?? 0,
        });
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`s3 proxy: ${error.message}\n`);
    });
    req.pipe(upstream);
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  const { port } = proxy.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKey: S3RVER_ACCESS_KEY,
    secretKey: S3RVER_SECRET_KEY,
    directory,
    requests,
    async stop() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      agent.destroy();
      controller.abort();
      await child;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
