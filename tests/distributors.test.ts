import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDnsmasqConfig } from "../src/distributor/dnsmasq/render.ts";
import { BOOT_EVENT } from "../src/resolvers/boot-events.ts";
import { createIpxe, waitForBuild } from "./helpers/builds.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { until } from "./helpers/until.ts";
import { collect, subscribed, wsClient } from "./helpers/ws-client.ts";

let server: TestServer;
let tokenA: string;
let tokenB: string;
let idA: string;

beforeAll(async () => {
  server = await startTestServer();
  const mk = async (artifactId: string, name: string) => {
    const r = await server.gql<{
      createDistributorToken: { token: string; distributor: { id: string } };
    }>(
      `mutation($a: String!, $n: String!) { createDistributorToken(input: { artifactId: $a, name: $n }) { token distributor { id } } }`,
      { a: artifactId, n: name },
    );
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data.createDistributorToken;
  };
  const a = await mk("site-a.example", "rack1");
  const b = await mk("site-b.example", "rack1");
  [tokenA, idA, tokenB] = [a.token, a.distributor.id, b.token];
});
afterAll(() => server?.stop());

const WORK = `subscription { distributorWork { id kind config { on device range scriptUrl uefi { files { name url } } bios { files { name url } } } } }`;

describe("distributor tokens and isolation", () => {
  it("registers idempotently and reports online with lastSeenAt", async () => {
    const before = Date.now();
    const first = await server.gql<{ registerDistributor: { id: string } }>(
      `mutation { registerDistributor { id } }`,
      {},
      tokenA,
    );
    const again = await server.gql<{ registerDistributor: { id: string } }>(
      `mutation { registerDistributor { id } }`,
      {},
      tokenA,
    );
    expect(first.data?.registerDistributor.id).toBe(idA);
    expect(again.data?.registerDistributor.id).toBe(idA);
    const list = await server.gql<{
      distributors: {
        totalCount: number;
        edges: Array<{ node: { online: boolean; lastSeenAt: string } }>;
      };
    }>(
      `{ distributors(artifactId: "site-a.example") { totalCount edges { node { online lastSeenAt } } } }`,
    );
    expect(list.data?.distributors.totalCount).toBe(1);
    expect(list.data?.distributors.edges[0]?.node.online).toBe(true);
    // The second registration's time, in the ISO form of every DateTime.
    const lastSeenAt = list.data?.distributors.edges[0]?.node.lastSeenAt ?? "";
    expect(lastSeenAt).toBe(new Date(Date.parse(lastSeenAt)).toISOString());
    expect(Date.parse(lastSeenAt)).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(lastSeenAt)).toBeLessThanOrEqual(Date.now());
  });

  it("a distributor token cannot call operator fields, and an operator cannot pose as a distributor", async () => {
    for (const query of [
      `{ mainscripts { totalCount } }`,
      `mutation { createMainscript(input: { text: "x" }) { id } }`,
      `{ distributors { totalCount } }`,
    ]) {
      const r = await server.gql(query, {}, tokenA);
      expect(r.errors?.[0]?.extensions?.code, query).toBe("FORBIDDEN");
    }
    const mixed = await server.gql(
      `mutation { registerDistributor { id } createMainscript(input: { text: "x" }) { id } }`,
      {},
      tokenA,
    );
    expect(mixed.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const posing = await server.gql(`mutation { registerDistributor { id } }`);
    expect(posing.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const count = await server.gql<{ mainscripts: { totalCount: number } }>(
      `{ mainscripts { totalCount } }`,
    );
    expect(count.data?.mainscripts.totalCount).toBe(0);
  });

  it("accepts exactly the devices and ranges the agent can render (one shared rule)", async () => {
    const agentAccepts = (device: string, range: string) => {
      try {
        renderDnsmasqConfig({
          interface: device,
          range,
          tftpRoot: "/srv/tftp",
          scriptUrl: "http://10.99.0.1/boot.ipxe",
          uefiBootFile: "ipxe.efi",
          biosBootFile: "undionly.kpxe",
        });
        return true;
      } catch {
        return false;
      }
    };
    const cases: Array<[string, string]> = [
      ["..", "10.99.0.0/24"],
      [".", "10.99.0.0/24"],
      ["eth0", "10.99.0.0/24"],
      ["a-name-longer-than-15", "10.99.0.0/24"],
      ["lan.42", "10.99.0.0/7"],
      ["lan.42", "10.99.0.1"],
    ];
    const verdicts = [];
    for (const [device, range] of cases) {
      const r = await server.gql(
        `mutation($input: UpdateDistributorInput!) { updateDistributor(input: $input) { id } }`,
        { input: { id: idA, device, range } },
      );
      verdicts.push([device, range, r.errors === undefined, agentAccepts(device, range)]);
    }
    expect(verdicts).toEqual([
      ["..", "10.99.0.0/24", false, false],
      [".", "10.99.0.0/24", false, false],
      ["eth0", "10.99.0.0/24", true, true],
      ["a-name-longer-than-15", "10.99.0.0/24", false, false],
      ["lan.42", "10.99.0.0/7", false, false],
      ["lan.42", "10.99.0.1", true, true],
    ]);
    const dotdot = await server.gql(
      `mutation($id: ID!) { updateDistributor(input: { id: $id, device: ".." }) { id } }`,
      { id: idA },
    );
    expect(dotdot.errors?.[0]?.message).toBe(
      `device must be a network interface name: 1 to 15 letters, digits, '_', '.' or '-', not "." or "..", got ".."`,
    );
  });

  it("shows a configuration the agent could not apply on the distributor until one applies", async () => {
    const report = (message: string | null, token = tokenA) =>
      server.gql<{ reportConfigError: { id: string } }>(
        `mutation($m: String) { reportConfigError(input: { message: $m }) { id } }`,
        { m: message },
        token,
      );
    const read = async () =>
      (
        await server.gql<{
          distributor: { configError: string | null; configErrorAt: string | null };
        }>(`query($id: ID!) { distributor(id: $id) { configError configErrorAt } }`, { id: idA })
      ).data?.distributor;
    const before = Date.now();
    expect((await report("download of ipxe.efi failed: HTTP 404\nretrying")).data).toEqual({
      reportConfigError: { id: idA },
    });
    const failed = await read();
    expect(failed?.configError).toBe("download of ipxe.efi failed: HTTP 404?retrying");
    expect(Date.parse(failed?.configErrorAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
    expect(await report(null)).toEqual({ status: 200, data: { reportConfigError: { id: idA } } });
    expect(await read()).toEqual({ configError: null, configErrorAt: null });
    const operator = await report("x", server.token);
    expect(operator.status).toBe(403);
    expect(operator.errors?.[0]?.message).toBe(
      "reportConfigError is for distributors, not operators",
    );
  });

  it("refuses smuggled dnsmasq directives in device and range", async () => {
    for (const input of [
      { device: "eth0\ndhcp-script=/bin/sh" },
      { device: "eth0,x" },
      { range: "10.99.0.0/24\nenable-ra" },
      { range: "10.99.0.0,proxy" },
      { range: "not-an-ip" },
    ]) {
      const r = await server.gql(
        `mutation($input: UpdateDistributorInput!) { updateDistributor(input: $input) { id } }`,
        {
          input: { id: idA, ...input },
        },
      );
      expect(r.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe("BAD_USER_INPUT");
    }
    const on = await server.gql(
      `mutation($id: ID!) { setDistributorStatus(input: { id: $id, on: true }) { on } }`,
      { id: idA },
    );
    expect(on.errors?.[0]?.message).toMatch(/set device, range/);
  });

  it("sends each distributor only its own configuration", async () => {
    const clientA = wsClient(server.url, tokenA);
    const clientB = wsClient(server.url, tokenB);
    try {
      type W = {
        distributorWork: {
          kind: string;
          config: {
            on: boolean;
            device: string | null;
            scriptUrl: string | null;
            uefi: { files: Array<{ name: string }> } | null;
          };
        };
      };
      const streamA = collect<W>(clientA, WORK, {}, 3);
      const streamB = collect<W>(clientB, WORK, {}, 1);
      // Each stream opens with the current configuration, sent once it listens for changes.
      await until("A's first configuration", () => streamA.items.length > 0, 10_000);
      const uefi = await waitForBuild(
        server,
        (
          await createIpxe(server, {
            script: "#!ipxe\nchain http://10.99.0.1/api/mainscripts/1",
            platform: "bin-x86_64-efi",
            driver: "ipxe",
            extension: "efi",
          })
        ).id,
      );
      const bad = await server.gql(
        `mutation($id: ID!, $b: ID!) { updateDistributor(input: { id: $id, ipxeBios: $b }) { id } }`,
        { id: idA, b: uefi.id },
      );
      expect(bad.errors?.[0]?.message).toMatch(
        /ipxeBios must be a DONE iPXE build of bin-x86_64-pcbios/,
      );
      await server.gql(
        `mutation($id: ID!, $u: ID!) { updateDistributor(input: { id: $id, ipxeUefi: $u, device: "lab0", range: "10.99.0.0/24" }) { id } }`,
        { id: idA, u: uefi.id },
      );
      await server.gql(
        `mutation($id: ID!) { setDistributorStatus(input: { id: $id, on: true }) { on } }`,
        { id: idA },
      );
      const a = await streamA.done;
      const last = a.at(-1)?.distributorWork.config;
      expect(a.every((w) => w.distributorWork.kind === "CONFIG")).toBe(true);
      expect(last?.on).toBe(true);
      expect(last?.device).toBe("lab0");
      expect(last?.uefi?.files.map((f) => f.name).sort()).toEqual(["autoexec.ipxe", "ipxe.efi"]);
      expect(last?.scriptUrl).toMatch(/\/artifacts\/ipxes\/.*\/autoexec\.ipxe$/);
      const b = await streamB.done;
      expect(b).toHaveLength(1);
      expect(b[0]?.distributorWork.config.on).toBe(false);
      expect(b[0]?.distributorWork.config.device).toBeNull();
    } finally {
      await clientA.dispose();
      await clientB.dispose();
    }
  });

  it("boot events reported by a distributor are stored and streamed per site", async () => {
    const client = wsClient(server.url, server.token);
    try {
      const listening = server.deps.bus.listenerCount(BOOT_EVENT);
      const events = collect<{ bootEvents: { mac: string; kind: string; detail: string } }>(
        client,
        `subscription { bootEvents(artifactId: "site-a.example") { mac kind detail } }`,
        {},
        2,
      );
      await subscribed(server.deps.bus, BOOT_EVENT, listening);
      const r = await server.gql(
        `mutation($e: [BootEventInput!]!) { reportBootEvents(input: { events: $e }) }`,
        {
          e: [
            {
              kind: "DHCP",
              mac: "52:54:00:12:34:56",
              ip: "10.99.0.50",
              detail: "PXE offer ipxe.efi",
            },
            { kind: "TFTP", ip: "10.99.0.50", detail: "sent ipxe.efi" },
          ],
        },
        tokenA,
      );
      expect(r.data).toEqual({ reportBootEvents: 2 });
      const bad = await server.gql(
        `mutation { reportBootEvents(input: { events: [{ kind: DHCP, mac: "nope", detail: "x" }] }) }`,
        {},
        tokenA,
      );
      expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect((await events.done).map((e) => e.bootEvents.kind)).toEqual(["DHCP", "TFTP"]);
      const stored = await server.gql<{ distributor: { events: Array<{ detail: string }> } }>(
        `query($id: ID!) { distributor(id: $id) { events { detail } } }`,
        { id: idA },
      );
      expect(stored.data?.distributor.events.map((e) => e.detail)).toEqual([
        "sent ipxe.efi",
        "PXE offer ipxe.efi",
      ]);
    } finally {
      await client.dispose();
    }
  });
});
