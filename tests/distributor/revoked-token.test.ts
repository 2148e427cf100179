import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { binPath } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";
import { until } from "../helpers/until.ts";

let server: TestServer;
let dir: string;
let agent: ResultPromise | undefined;
beforeAll(async () => {
  server = await startTestServer({ WORKERS: "false" });
  dir = await mkdtemp(path.join(tmpdir(), "revoked-"));
});
afterAll(async () => {
  agent?.kill("SIGKILL");
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const createToken = async () =>
  (
    await server.gql<{ createDistributorToken: { token: string } }>(
      `mutation { createDistributorToken(input: { artifactId: "revoked.example", name: "lab" }) { token } }`,
    )
  ).data?.createDistributorToken.token ?? "";

describe("a distributor whose token is replaced while connected (point 11)", () => {
  it("logs one JSON line saying so, nothing else, and stops cleanly", async () => {
    // The server runs in this process: graphql-ws prints what it cannot handle with console.error.
    const serverConsole = vi.spyOn(console, "error");
    let stdout = "";
    let stderr = "";
    const child = execa(
      process.execPath,
      [
        binPath,
        "distributor",
        "--server",
        server.url,
        "--token",
        await createToken(),
        "--data-dir",
        dir,
      ],
      { reject: false, env: { PROVISIONER_HEARTBEAT_SECONDS: "1", LOG_LEVEL: "info" } },
    );
    agent = child;
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await until(
      "the agent to register",
      () => stdout.includes('"msg":"registered"'),
      30_000,
      () => stdout + stderr,
    );
    // Same site and name: the old token stops working (how a token is rotated or revoked).
    await createToken();
    await until(
      "the agent to be refused",
      () => stdout.includes("the server refused this distributor's token"),
      30_000,
      () => stdout + stderr,
    );
    child.kill("SIGTERM");
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(serverConsole.mock.calls).toEqual([]);
    expect(server.logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 50)).toEqual([]);
    expect(stderr).toBe("");
    const lines = stdout.split("\n").filter(Boolean);
    expect(lines.filter((line) => !line.startsWith("{"))).toEqual([]);
    const refused = lines
      .map((line) => JSON.parse(line) as { level: number; problem?: string; code?: number })
      .find((entry) => entry.code === 4403);
    expect(refused).toMatchObject({
      level: 40,
      problem:
        "the server refused this distributor's token (revoked or replaced); create a new one with createDistributorToken",
    });
  }, 90_000);
});
