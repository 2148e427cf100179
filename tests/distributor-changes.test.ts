import type { Client } from "graphql-ws";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { until } from "./helpers/until.ts";
import { wsClient } from "./helpers/ws-client.ts";

// distributorChanged on one server (tests/console-live-distributors.test.ts covers two
// replicas and the browser): what is announced, for which site, and what is not.
const SITE = "changes.example";

type Change = {
  distributorChanged: {
    id: string;
    distributor: {
      name: string;
      online: boolean;
      device: string | null;
      configError: string | null;
    } | null;
  };
};

let server: TestServer;
let operator: Client;
const changes: Change["distributorChanged"][] = [];

async function gql<T>(query: string, token = server.token): Promise<T> {
  const r = await server.gql<T>(query, {}, token);
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

// Changes arrive within milliseconds; five seconds leaves room for a busy machine.
const seen = (what: string, check: () => boolean, ms = 5000) =>
  until(what, check, ms, () => `got ${JSON.stringify(changes)}`, 10);

const create = (site: string, name: string) =>
  gql<{ createDistributorToken: { token: string; distributor: { id: string } } }>(
    `mutation { createDistributorToken(input: { artifactId: "${site}", name: "${name}" }) { token distributor { id } } }`,
  ).then((r) => r.createDistributorToken);

beforeAll(async () => {
  server = await startTestServer();
  operator = wsClient(server.url, server.token);
  const subscribed = new Promise<void>((resolve) => {
    operator.on("connected", () => resolve());
  });
  operator.subscribe<Change>(
    {
      query: `subscription { distributorChanged(artifactId: "${SITE}") { id distributor { name online device configError } } }`,
    },
    {
      next: (v) => {
        if (v.data) changes.push(v.data.distributorChanged);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  await subscribed;
  // Subscribed for real once a change of this site arrives; that first one is set aside.
  const warmup = await create(SITE, "warm-up");
  await seen("the warm-up distributor", () => changes.some((c) => c.id === warmup.distributor.id));
  changes.length = 0;
});
afterAll(async () => {
  await operator?.dispose();
  await server?.stop();
});

describe("distributorChanged", () => {
  it("streams this site's creations, configuration, online state, config errors and deletion", async () => {
    // Each change is read when delivered, so each step waits for its own before the next.
    const step = async (act: () => Promise<unknown>) => {
      const before = changes.length;
      await act();
      await seen("the change", () => changes.length > before);
      return changes.at(-1);
    };
    await create("other.example", "elsewhere");
    let token = "";
    let id = "";
    const created = await step(async () => {
      ({
        token,
        distributor: { id },
      } = await create(SITE, "rack"));
    });
    const rack = { name: "rack", online: false, device: null, configError: null };
    expect(created).toEqual({ id, distributor: rack });
    expect(
      await step(() =>
        gql(`mutation { updateDistributor(input: { id: "${id}", device: "eth1" }) { id } }`),
      ),
    ).toEqual({ id, distributor: { ...rack, device: "eth1" } });
    const online = { ...rack, device: "eth1", online: true };
    expect(await step(() => gql(`mutation { registerDistributor { id } }`, token))).toEqual({
      id,
      distributor: online,
    });
    // Heartbeats of an agent already online are not news: the next change is the error.
    await gql(`mutation { distributorHeartbeat { id } }`, token);
    await gql(`mutation { distributorHeartbeat { id } }`, token);
    expect(
      await step(() =>
        gql(
          `mutation { reportConfigError(input: { message: "no such interface eth1" }) { id } }`,
          token,
        ),
      ),
    ).toEqual({ id, distributor: { ...online, configError: "no such interface eth1" } });
    expect(
      await step(() =>
        gql(`mutation { reportConfigError(input: { message: null }) { id } }`, token),
      ),
    ).toEqual({ id, distributor: online });
    const spare = await create(SITE, "spare");
    await seen("the spare", () => changes.some((c) => c.id === spare.distributor.id));
    expect(
      await step(() =>
        gql(`mutation { deleteDistributor(input: { id: "${spare.distributor.id}" }) { id } }`),
      ),
    ).toEqual({ id: spare.distributor.id, distributor: null });
    // Nothing of the other site, and nothing between the steps.
    expect(changes.map((c) => c.id)).toEqual([
      id,
      id,
      id,
      id,
      id,
      spare.distributor.id,
      spare.distributor.id,
    ]);
  });

  it("announces an agent that went silent without disconnecting, once it reads as offline", async () => {
    const { token, distributor } = await create(SITE, "vanishing");
    await seen("its creation", () => changes.some((c) => c.id === distributor.id));
    await gql(`mutation { registerDistributor { id } }`, token);
    await seen("it online", () =>
      changes.some((c) => c.id === distributor.id && c.distributor?.online === true),
    );
    // Its last heartbeat a minute ago, as if the cable had been pulled then.
    const sql = postgres(server.database.url, { max: 1 });
    try {
      await sql`update distributors set last_seen_at = now() - interval '61 seconds' where id = ${Number(distributor.id)}`;
    } finally {
      await sql.end();
    }
    const before = changes.length;
    // The sweep runs every 5 s.
    await seen(
      "it offline",
      () =>
        changes.some(
          (c, i) => i >= before && c.id === distributor.id && c.distributor?.online === false,
        ),
      10_000,
    );
    const row = await gql<{ distributor: { online: boolean } }>(
      `{ distributor(id: "${distributor.id}") { online } }`,
    );
    expect(row.distributor.online).toBe(false);
  });

  it("is an operator's: a distributor token is refused", async () => {
    const { token } = await create(SITE, "nosy");
    const r = await server.gql(`subscription { distributorChanged { id } }`, {}, token);
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
  });
});
