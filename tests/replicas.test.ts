import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { LOCALNODE_REGISTERED } from "../src/resolvers/localnodes.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { until } from "./helpers/until.ts";
import { collect, subscribed, wsClient } from "./helpers/ws-client.ts";

// Two `serve` replicas on one database: events travel through LISTEN/NOTIFY.
let a: TestServer;
let b: RunningServer;
beforeAll(async () => {
  a = await startTestServer();
  b = await startServer(
    loadConfig({
      DATABASE_URL: a.database.url,
      DATA_DIR: a.dataDir,
      ADMIN_TOKEN: a.token,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      WORKERS: "false",
    }),
    createLogger("warn"),
  );
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

describe("several serve replicas", () => {
  it("closing and opening a site's enrollment holds on every replica at once", async () => {
    const register = (url: string, ip: string) =>
      fetch(`${url}/api/localnodes?ip=${ip}&artifactId=enroll.example`, { method: "POST" }).then(
        (r) => r.status,
      );
    const upsert = (open: boolean) =>
      a.gql(
        `mutation($open: Boolean!) { upsertSite(input: { artifactId: "enroll.example", openEnrollment: $open }) { openEnrollment } }`,
        { open },
      );
    await upsert(true);
    // Both replicas now hold the open site in their caches.
    expect(await register(a.url, "10.99.9.1")).toBe(200);
    expect(await register(b.url, "10.99.9.2")).toBe(200);
    await upsert(false);
    expect(await register(a.url, "10.99.9.3")).toBe(401);
    await until(
      "the other replica to agree",
      async () => (await register(b.url, "10.99.9.4")) === 401,
      1000,
    );
    await upsert(true);
    expect(await register(a.url, "10.99.9.5")).toBe(200);
    await until(
      "the other replica to agree",
      async () => (await register(b.url, "10.99.9.6")) === 200,
      1000,
    );
  });

  it("an edit through one replica is what the other serves to booting hosts", async () => {
    const created = await a.gql<{ createMainscript: { id: string } }>(
      `mutation { createMainscript(input: { text: "v1" }) { id } }`,
    );
    const id = created.data?.createMainscript.id;
    expect(await (await fetch(`${b.url}/api/mainscripts/${id}`)).text()).toBe("v1"); // now cached on b
    await a.gql(`mutation($id: ID!) { updateMainscript(input: { id: $id, text: "v2" }) { id } }`, {
      id,
    });
    await until(
      "the other replica to agree",
      async () => (await (await fetch(`${b.url}/api/mainscripts/${id}`)).text()) === "v2",
      5000,
    );
  });

  it("registrations on one replica reach subscribers of the other, in order", async () => {
    const client = wsClient(b.url, a.token);
    try {
      const listening = b.deps.bus.listenerCount(LOCALNODE_REGISTERED);
      const sub = collect<{ localnodeRegistered: { ip: string } }>(
        client,
        `subscription { localnodeRegistered(artifactId: "replica.example") { ip } }`,
        {},
        30,
      );
      await subscribed(b.deps.bus, LOCALNODE_REGISTERED, listening);
      await a.gql(
        `mutation { upsertSite(input: { artifactId: "replica.example", openEnrollment: true }) { artifactId } }`,
      );
      const ips = Array.from({ length: 30 }, (_, i) => `10.99.1.${i + 1}`);
      for (const ip of ips)
        await fetch(`${a.url}/api/localnodes?ip=${ip}&artifactId=replica.example`, {
          method: "POST",
        });
      const events = await sub.done;
      expect(events.map((e) => e.localnodeRegistered.ip)).toEqual(ips);
    } finally {
      await client.dispose();
    }
  });
});
