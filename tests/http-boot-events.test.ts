import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { until } from "./helpers/until.ts";

type Event = { kind: string; mac: string | null; ip: string | null; detail: string };

let server: TestServer;
const distributors: Record<"a" | "b", { id: string; token: string }> = {
  a: { id: "", token: "" },
  b: { id: "", token: "" },
};
let scriptId = "";

beforeAll(async () => {
  server = await startTestServer();
  await server.gql(
    `mutation { upsertSite(input: { artifactId: "http.example", openEnrollment: false }) { artifactId } }`,
  );
  for (const name of ["a", "b"] as const) {
    const r = await server.gql<{
      createDistributorToken: { distributor: { id: string }; token: string };
    }>(
      `mutation($n: String!) { createDistributorToken(input: { artifactId: "http.example", name: $n }) { distributor { id } token } }`,
      { n: name },
    );
    const created = r.data?.createDistributorToken;
    if (!created) throw new Error(JSON.stringify(r.errors));
    distributors[name] = { id: created.distributor.id, token: created.token };
  }
  const script = await server.gql<{ createMainscript: { id: string } }>(
    `mutation { createMainscript(input: { text: "#!ipxe\\nchain /api/subscripts/1" }) { id } }`,
  );
  scriptId = script.data?.createMainscript.id ?? "";
});
afterAll(() => server?.stop());

const report = (who: "a" | "b", events: object[]) =>
  server.gql(
    `mutation($e: [BootEventInput!]!) { reportBootEvents(input: { events: $e }) }`,
    { e: events },
    distributors[who].token,
  );

const httpEvents = async (who: "a" | "b") => {
  const r = await server.gql<{ distributor: { events: Event[] } }>(
    `query($id: ID!) { distributor(id: $id) { events(first: 20) { kind mac ip detail } } }`,
    { id: distributors[who].id },
  );
  return (r.data?.distributor.events ?? []).filter((e) => e.kind === "HTTP");
};

const fetchScript = async (query = "") => {
  const res = await fetch(`${server.url}/api/mainscripts/${scriptId}${query}`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe("#!ipxe\nchain /api/subscripts/1");
};

describe("boot events of kind HTTP", () => {
  it("attribute a host's fetches to the distributor that saw it boot, by MAC or address", async () => {
    // Nobody has seen this host yet: serve cannot tell whose it is, so nothing is recorded.
    await fetchScript("?mac=52:54:00:00:00:99");

    // A's dnsmasq sent this address a file by TFTP; B's offered a boot file to another MAC.
    expect(
      (
        await report("a", [
          { kind: "TFTP", mac: "52:54:00:00:00:0a", ip: "127.0.0.1", detail: "sent ipxe.efi" },
        ])
      ).data,
    ).toEqual({ reportBootEvents: 1 });
    expect(
      (await report("b", [{ kind: "DHCP", mac: "52:54:00:00:00:0b", detail: "proxy offer" }])).data,
    ).toEqual({ reportBootEvents: 1 });

    // The MAC the iPXE script passed wins over the address (both hosts are 127.0.0.1 here).
    await fetchScript("?mac=52:54:00:00:00:0B");
    // Without a MAC, the address A saw names the host, and A's MAC for it is filled in.
    await fetchScript();

    const path = `/api/mainscripts/${scriptId}`;
    expect(
      await until(
        "B's HTTP event",
        async () => (await httpEvents("b")).length > 0 && httpEvents("b"),
        10_000,
      ),
    ).toEqual([{ kind: "HTTP", mac: "52:54:00:00:00:0b", ip: "127.0.0.1", detail: `GET ${path}` }]);
    expect(
      await until(
        "A's HTTP event",
        async () => (await httpEvents("a")).length > 0 && httpEvents("a"),
        10_000,
      ),
    ).toEqual([{ kind: "HTTP", mac: "52:54:00:00:00:0a", ip: "127.0.0.1", detail: `GET ${path}` }]);
  });

  it("records nothing for a refused or failed fetch", async () => {
    const before = [...(await httpEvents("a")), ...(await httpEvents("b"))].length;
    expect((await fetch(`${server.url}/api/mainscripts/424242`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/mainscripts/abc`)).status).toBe(400);
    // A successful fetch after them is the signal that the earlier ones were considered.
    await fetchScript("?mac=52:54:00:00:00:0a");
    await until(
      "the later fetch's event",
      async () => (await httpEvents("a")).length === 2,
      10_000,
    );
    expect([...(await httpEvents("a")), ...(await httpEvents("b"))].length).toBe(before + 1);
  });
});
