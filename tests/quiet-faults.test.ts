import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { request } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builds } from "../src/db/schema.ts";
import { provisioner } from "./helpers/cli.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { until } from "./helpers/until.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ WORKERS: "false" });
});
afterAll(() => server?.stop());

describe("routine faults stay out of the error log (point 11)", () => {
  it("an artifact download the client aborts is not an error", async () => {
    // A finished build whose 64 MiB file is in the store: large enough that the client
    // can hang up while the server is still sending.
    const file = path.join(server.dataDir, "big.iso");
    await writeFile(file, randomBytes(64 * 1024 * 1024));
    const stored = await server.deps.store.put(file);
    const [row] = await server.deps.db
      .insert(builds)
      .values({
        kind: "isos",
        status: "DONE",
        progress: 100,
        input: {},
        files: [{ name: "big.iso", ...stored }],
      })
      .returning();
    const url = new URL(`${server.url}/artifacts/isos/${row?.artifactId}/big.iso`);
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(url, (res) => {
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          // Hang up after the first megabyte.
          if (bytes > 1024 * 1024) {
            req.destroy();
            resolve(bytes);
          }
        });
        res.on("error", () => undefined);
      });
      req.on("error", (error) => {
        if (!req.destroyed) reject(error);
      });
      req.end();
    });
    expect(received).toBeLessThan(64 * 1024 * 1024);
    // The server sees the close on its next write; wait for its request to finish.
    await until(
      "the aborted download to be observed",
      async () =>
        (await (await fetch(`${server.url}/metrics`)).text()).includes(
          'route="/artifacts/:kind/:artifactId/:file"',
        ),
      10_000,
    );
    const errors = server.logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("configuration errors are one message, no stack (point 11)", () => {
  it("worker without DATABASE_URL", async () => {
    const r = await provisioner(["worker"], {
      env: { DATABASE_URL: "", PATH: process.env.PATH ?? "" },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      "provisioner: invalid configuration:\n  DATABASE_URL: provisioner worker needs the database its server uses",
    );
  });

  it("distributor with a bad server URL, token and interface", async () => {
    const r = await provisioner(
      ["distributor", "--server", "ftp://x", "--token", "nope", "--interface", ".."],
      { env: { PATH: process.env.PATH ?? "" } },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      [
        "provisioner: invalid distributor configuration:",
        "  --server must be the provisioner's http(s) URL",
        "  --token must be a distributor token from createDistributorToken",
        `  --interface must be a network interface name: 1 to 15 letters, digits, '_', '.' or '-', not "." or "..", got ".."`,
      ].join("\n"),
    );
  });
});
