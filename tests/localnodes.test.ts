import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { collect, wsClient } from "./helpers/ws-client.ts";

let server: TestServer;
let labToken: string;
beforeAll(async () => {
  server = await startTestServer({ BODY_LIMIT_BYTES: "4096" });
  await server.gql(
    `mutation { upsertSite(input: { artifactId: "open.example", openEnrollment: true }) { artifactId } }`,
  );
  const closed = await server.gql<{ upsertSite: { enrollmentToken: string } }>(
    `mutation { upsertSite(input: { artifactId: "lab.example" }) { enrollmentToken } }`,
  );
  labToken = closed.data?.upsertSite.enrollmentToken ?? "";
});
afterAll(() => server?.stop());

type Node = {
  id: number;
  ip: string;
  artifactId: string;
  pingable: boolean;
  registeredAt: string;
  lastSeenAt: string;
};

const post = (query: string, init: RequestInit = {}) =>
  fetch(`${server.url}/api/localnodes?${query}`, { method: "POST", ...init });

describe("POST /api/localnodes", () => {
  it("registers from the query string (the seed's call) and refreshes on repeat", async () => {
    const first = await post("ip=10.99.0.21&artifactId=open.example&pingable=true");
    expect(first.status).toBe(200);
    const a = (await first.json()) as Node;
    expect(a).toMatchObject({ ip: "10.99.0.21", artifactId: "open.example", pingable: true });
    await sleep(20);
    const again = (await (
      await post("ip=10.99.0.21&artifactId=open.example&pingable=false")
    ).json()) as Node;
    expect(again.id).toBe(a.id);
    expect(again.pingable).toBe(false);
    expect(Date.parse(again.lastSeenAt)).toBeGreaterThan(Date.parse(a.lastSeenAt));
    expect(again.registeredAt).toBe(a.registeredAt);
    const list = await server.gql<{ localnodes: { totalCount: number } }>(
      `{ localnodes(artifactId: "open.example") { totalCount } }`,
    );
    expect(list.data?.localnodes.totalCount).toBe(1);
  });

  it("accepts JSON and form bodies", async () => {
    const json = await fetch(`${server.url}/api/localnodes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ip: "fd00::5", artifactId: "open.example", pingable: true }),
    });
    expect(json.status).toBe(200);
    const form = await fetch(`${server.url}/api/localnodes`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "ip=10.99.0.22&artifactId=open.example",
    });
    expect(((await form.json()) as Node).pingable).toBe(false);
  });

  it("needs the enrollment token for a closed site and answers 401 without it", async () => {
    const none = await post("ip=10.99.0.30&artifactId=lab.example&pingable=true");
    expect(none.status).toBe(401);
    expect(await none.text()).toBe("site lab.example needs its enrollment token (token=…)\n");
    expect((await post(`ip=10.99.0.30&artifactId=lab.example&token=wrong`)).status).toBe(401);
    expect((await post("ip=10.99.0.30&artifactId=unknown.example")).status).toBe(401);
    const ok = await post(`ip=10.99.0.30&artifactId=lab.example&pingable=true&token=${labToken}`);
    expect(ok.status).toBe(200);
    const rotated = await server.gql<{ rotateEnrollmentToken: { enrollmentToken: string } }>(
      `mutation { rotateEnrollmentToken(input: { artifactId: "lab.example" }) { enrollmentToken } }`,
    );
    expect(rotated.data?.rotateEnrollmentToken.enrollmentToken).not.toBe(labToken);
    expect((await post(`ip=10.99.0.30&artifactId=lab.example&token=${labToken}`)).status).toBe(401);
    const nodes = await server.gql<{ localnodes: { totalCount: number } }>(
      `{ localnodes(artifactId: "unknown.example") { totalCount } }`,
    );
    expect(nodes.data?.localnodes.totalCount).toBe(0);
  });

  it.each([
    ["a bad ip", "ip=10.99.0.300&artifactId=open.example"],
    ["a missing ip", "artifactId=open.example"],
    ["a hostname as ip", "ip=example.com&artifactId=open.example"],
    ["a bad artifactId", "ip=10.99.0.40&artifactId=open.example%0Aevil"],
    ["a path artifactId", "ip=10.99.0.40&artifactId=../x"],
    ["a bad pingable", "ip=10.99.0.40&artifactId=open.example&pingable=maybe"],
  ])("answers 400 to %s and stores nothing", async (_name, query) => {
    const before = await server.gql<{ localnodes: { totalCount: number } }>(
      `{ localnodes { totalCount } }`,
    );
    const res = await post(query);
    expect(res.status).toBe(400);
    expect((await res.text()).trim().split("\n")).toHaveLength(1);
    const after = await server.gql<{ localnodes: { totalCount: number } }>(
      `{ localnodes { totalCount } }`,
    );
    expect(after.data?.localnodes.totalCount).toBe(before.data?.localnodes.totalCount);
  });

  it("answers 400 to unknown JSON fields and malformed JSON, 413 to a body over the limit", async () => {
    const headers = { "content-type": "application/json" };
    const unknown = await fetch(`${server.url}/api/localnodes`, {
      method: "POST",
      headers,
      body: JSON.stringify({ ip: "10.99.0.41", artifactId: "open.example", admin: true }),
    });
    expect(unknown.status).toBe(400);
    const broken = await fetch(`${server.url}/api/localnodes`, {
      method: "POST",
      headers,
      body: "{",
    });
    expect(broken.status).toBe(400);
    const big = await fetch(`${server.url}/api/localnodes`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        ip: "10.99.0.41",
        artifactId: "open.example",
        pad: "x".repeat(10_000),
      }),
    });
    expect(big.status).toBe(413);
    expect((await post("ip=10.99.0.41&artifactId=open.example", { method: "GET" })).status).toBe(
      405,
    );
  });
});

describe("GraphQL node registry", () => {
  it("registers, gets and deletes nodes, and streams localnodeRegistered over graphql-ws", async () => {
    const client = wsClient(server.url, server.token);
    try {
      const sub = collect<{ localnodeRegistered: Node }>(
        client,
        `subscription { localnodeRegistered(artifactId: "sub.example") { id ip artifactId pingable } }`,
        {},
        2,
      );
      await sleep(300); // let the subscription reach the server before the events
      await server.gql(
        `mutation { upsertSite(input: { artifactId: "sub.example", openEnrollment: true }) { artifactId } }`,
      );
      await post("ip=10.99.0.60&artifactId=other.example"); // different site: must not arrive
      await post("ip=10.99.0.61&artifactId=sub.example&pingable=true");
      const reg = await server.gql<{ registerLocalnode: Node }>(
        `mutation { registerLocalnode(input: { ip: "10.99.0.62", artifactId: "sub.example", pingable: true }) { id ip } }`,
      );
      const events = await sub.done;
      expect(events.map((e) => e.localnodeRegistered.ip)).toEqual(["10.99.0.61", "10.99.0.62"]);
      const id = reg.data?.registerLocalnode.id;
      const got = await server.gql<{ localnode: Node }>(
        `query($id: ID!) { localnode(id: $id) { ip pingable } }`,
        { id },
      );
      expect(got.data?.localnode).toEqual({ ip: "10.99.0.62", pingable: true });
      await server.gql(`mutation($id: ID!) { deleteLocalnode(input: { id: $id }) { id } }`, { id });
      const gone = await server.gql(`query($id: ID!) { localnode(id: $id) { ip } }`, { id });
      expect(gone.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    } finally {
      await client.dispose();
    }
  });

  it("refuses a subscription without the operator token", async () => {
    const client = wsClient(server.url, "wrong");
    try {
      const sub = collect(client, `subscription { localnodeRegistered { id } }`, {}, 1);
      await expect(sub.done).rejects.toMatchObject({ code: 4403 });
    } finally {
      await client.dispose();
    }
  });
});
