import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { type FaultProxy, startFaultProxy } from "./helpers/fault-proxy.ts";
import { gql, gqlData } from "./helpers/gql.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.ts";
import { until } from "./helpers/until.ts";
import { wsClient } from "./helpers/ws-client.ts";

// The real server against the machine's PostgreSQL through a TCP proxy that
// freezes or cuts the connections: the outage is real to the server, and the
// shared PostgreSQL keeps running for the other tests.
const token = `test-${randomBytes(16).toString("hex")}`;
let database: TestDatabase;
let proxy: FaultProxy;
let server: RunningServer;
let dataDir: string;
const logs: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  proxy = await startFaultProxy(5432);
  const url = new URL(database.url);
  url.port = String(proxy.port);
  dataDir = await mkdtemp(path.join(tmpdir(), "outage-"));
  const config = loadConfig({
    DATABASE_URL: url.toString(),
    DATA_DIR: dataDir,
    ADMIN_TOKEN: token,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
  });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  server = await startServer(config, createLogger("info", sink));
});

afterAll(async () => {
  proxy?.restore();
  await server?.stop();
  await proxy?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

describe.each([
  { name: "frozen", cut: () => proxy.freeze() },
  { name: "gone", cut: () => proxy.drop() },
])("while the database is $name", ({ name, cut }) => {
  it("answers 503/UNAVAILABLE within 5 s, keeps serving cached boot scripts, and recovers without a restart", async () => {
    const site = `outage-${name}.example`;
    const created = await gqlData<{ createMainscript: { id: string } }>(
      server.url,
      `mutation($t: String!) { createMainscript(input: { text: $t }) { id } }`,
      { t: `#!ipxe\necho cached-${name}\n` },
      token,
    );
    const scriptUrl = `${server.url}/api/mainscripts/${created.createMainscript.id}`;
    expect(await (await fetch(scriptUrl)).text()).toBe(`#!ipxe\necho cached-${name}\n`);
    await gqlData(
      server.url,
      `mutation($a: String!) { upsertSite(input: { artifactId: $a, openEnrollment: true }) { artifactId } }`,
      { a: site },
      token,
    );
    const errorsBefore = logs.filter((l) => l.includes('"level":50')).length;

    cut();
    // The first requests meet the outage before any probe has noticed it.
    const [query, health, register] = await Promise.all([
      timed(() => gql(server.url, `{ mainscripts { totalCount } }`, {}, token)),
      timed(() => fetch(`${server.url}/healthz`)),
      timed(() =>
        fetch(`${server.url}/api/localnodes?ip=10.55.0.1&artifactId=${site}`, { method: "POST" }),
      ),
    ]);
    expect(query.ms).toBeLessThan(5000);
    expect(query.value.status).toBe(503);
    expect(query.value.errors?.map((e) => [e.message, e.extensions])).toEqual([
      ["the database is unreachable right now; retry in a few seconds", { code: "UNAVAILABLE" }],
    ]);
    expect(health.ms).toBeLessThan(5000);
    expect(health.value.status).toBe(503);
    expect(health.value.headers.get("retry-after")).toBe("5");
    expect(register.ms).toBeLessThan(5000);
    expect(register.value.status).toBe(503);
    // Later requests are refused at once; the cached boot script is still served.
    const again = await timed(() => gql(server.url, `{ sites { totalCount } }`, {}, token));
    expect(again.value.status).toBe(503);
    expect(again.ms).toBeLessThan(1000);
    const cached = await fetch(scriptUrl);
    expect(cached.status).toBe(200);
    expect(await cached.text()).toBe(`#!ipxe\necho cached-${name}\n`);

    proxy.restore();
    await until(
      "healthz 200",
      async () => (await fetch(`${server.url}/healthz`)).status === 200,
      20_000,
    );
    const listening = wsClient(server.url, token);
    try {
      const seen: string[] = [];
      const announced = new Promise<void>((resolve, reject) => {
        listening.subscribe<{ localnodeRegistered: { ip: string } }>(
          {
            query: `subscription($a: String!) { localnodeRegistered(artifactId: $a) { ip } }`,
            variables: { a: site },
          },
          {
            next: (value) => {
              const ip = value.data?.localnodeRegistered.ip;
              if (ip) seen.push(ip);
              // A registration refused with 503 while frozen may still land once the database thaws.
              if (ip === "10.55.0.2") resolve();
            },
            error: reject,
            complete: () => undefined,
          },
        );
      });
      // Registrations, events through LISTEN/NOTIFY and the job queue all work again.
      await until(
        "a registration to be accepted and announced",
        async () => {
          const r = await fetch(`${server.url}/api/localnodes?ip=10.55.0.2&artifactId=${site}`, {
            method: "POST",
          });
          return r.status === 200 && seen.includes("10.55.0.2");
        },
        20_000,
      );
      await announced;
      expect(seen).toContain("10.55.0.2");
    } finally {
      await listening.dispose();
    }
    const build = await gqlData<{ createIpxe: { id: string } }>(
      server.url,
      `mutation { createIpxe(input: { script: "#!ipxe\\nshell", platform: "bin-x86_64-efi", driver: "ipxe", extension: "efi" }) { id } }`,
      {},
      token,
    );
    await until(
      "the build to finish",
      async () => {
        const r = await gql<{ build: { status: string } }>(
          server.url,
          `query($id: ID!) { build(id: $id) { status } }`,
          { id: build.createIpxe.id },
          token,
        );
        return r.data?.build.status === "DONE";
      },
      20_000,
    );
    // An outage is expected weather, not a fault: nothing at error level.
    expect(logs.filter((l) => l.includes('"level":50')).slice(errorsBefore)).toEqual([]);
    expect(logs.join("")).toContain("database unreachable");
  }, 90_000);
});
