import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { until } from "./helpers/until.ts";
import { wsClient } from "./helpers/ws-client.ts";

// Subscribers asking the same thing share one execution on the server
// (src/http/shared-subscriptions.ts); what each of them sees must not change.
let server: TestServer;
const clients: Client[] = [];
beforeAll(async () => {
  server = await startTestServer();
  for (const site of ["a.shared.example", "b.shared.example"])
    await server.gql(
      `mutation($s: String!) { upsertSite(input: { artifactId: $s, openEnrollment: true }) { artifactId } }`,
      { s: site },
    );
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await server?.stop();
});

type Seen = { ips: string[]; stop: () => void };

function follow(site: string): Seen {
  const client = wsClient(server.url, server.token);
  clients.push(client);
  const seen: Seen = { ips: [], stop: () => undefined };
  seen.stop = client.subscribe<{ localnodeRegistered: { ip: string; artifactId: string } }>(
    {
      query: `subscription($s: String) { localnodeRegistered(artifactId: $s) { ip artifactId } }`,
      variables: { s: site },
    },
    {
      next: (m) => {
        const node = m.data?.localnodeRegistered;
        if (node) seen.ips.push(`${node.artifactId}/${node.ip}`);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return seen;
}

const register = async (site: string, ip: string) => {
  const res = await fetch(`${server.url}/api/localnodes?ip=${ip}&artifactId=${site}`, {
    method: "POST",
  });
  expect(res.status).toBe(200);
};

describe("identical subscriptions on several sockets", () => {
  it("each get every event of their own site, also after one of them leaves", async () => {
    const first = follow("a.shared.example");
    const second = follow("a.shared.example");
    const other = follow("b.shared.example");
    // Warm-up: registrations repeated until every subscriber listens.
    for (let n = 1; !(first.ips.length && second.ips.length && other.ips.length); n++) {
      await register("a.shared.example", `10.77.0.${n}`);
      await register("b.shared.example", `10.78.0.${n}`);
      await new Promise((r) => setTimeout(r, 50));
      if (n > 100) throw new Error("subscribers never heard the warm-up");
    }
    for (const seen of [first, second, other]) seen.ips.length = 0;

    await register("a.shared.example", "10.77.1.1");
    await register("b.shared.example", "10.78.1.1");
    await until("both events", () => second.ips.length === 1 && other.ips.length === 1, 10_000);
    await until("the first subscriber's event", () => first.ips.length === 1, 10_000);
    first.stop();
    await register("a.shared.example", "10.77.1.2");
    await until("the second event", () => second.ips.length === 2, 10_000);

    expect(first.ips).toEqual(["a.shared.example/10.77.1.1"]);
    expect(second.ips).toEqual(["a.shared.example/10.77.1.1", "a.shared.example/10.77.1.2"]);
    expect(other.ips).toEqual(["b.shared.example/10.78.1.1"]);
  });
});
