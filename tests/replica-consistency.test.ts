import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Client } from "graphql-ws";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAgentKeyPair, open } from "../src/domain/sealed-box.ts";
import { gqlData } from "./helpers/gql.ts";
import { freePort, type ProcessHandle, serveReplica } from "./helpers/serve-process.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.ts";
import { until } from "./helpers/until.ts";
import { wsClient } from "./helpers/ws-client.ts";

// Two separate `serve` processes on one database. Every change made through
// replica A must be what replica B serves, streams or hands to its
// distributor within one second. The distributor here is a graphql-ws client
// speaking the agent's own API to B (registerDistributor, distributorWork, …).
const token = `test-${randomBytes(16).toString("hex")}`;
const SITE = "consistency.example";
const WITHIN_MS = 1000;
const agentKey = generateAgentKeyPair();
const sshKeys = ssh2.utils.generateKeyPairSync("ed25519");

let database: TestDatabase;
let dir: string;
let a: ProcessHandle & { url: string };
let b: ProcessHandle & { url: string };
let operatorWs: Client;
let distributorWs: Client;
let distributorToken = "";
let distributorId = "";
let nodeId = "";
let ipxeId = "";
let enrollmentToken = "";

const gql = <T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  bearer = token,
) => gqlData<T>(url, query, variables, bearer);

/** Subscribes on a client and keeps every result in an array the test reads. */
function stream<T>(client: Client, query: string, variables: Record<string, unknown> = {}): T[] {
  const items: T[] = [];
  client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.data) items.push(value.data as T);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return items;
}

const register = async (url: string, ip: string, extra = "") =>
  (await fetch(`${url}/api/localnodes?ip=${ip}&artifactId=${SITE}${extra}`, { method: "POST" }))
    .status;
const getText = async (url: string) => {
  const res = await fetch(url);
  return res.status === 200 ? res.text() : `HTTP ${res.status}`;
};

type Work = {
  distributorWork: {
    id: string;
    kind: string;
    config: { on: boolean; device: string | null } | null;
    ping: { ip: string } | null;
    run: { scriptRunId: string; sealedKey: string } | null;
  };
};
let work: Work[] = [];
let registrations: Array<{ localnodeRegistered: { ip: string } }> = [];
let buildEvents: Array<{ builds: { id: string; status: string } }> = [];
let bootEvents: Array<{ bootEvents: { detail: string } }> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "consistency-"));
  await chmod(dir, 0o755);
  a = serveReplica(database.url, path.join(dir, "a"), await freePort(), token);
  b = serveReplica(database.url, path.join(dir, "b"), await freePort(), token, {
    WORKERS: "false",
  });
  await a.start();
  await b.start();
  const site = await gql<{ upsertSite: { enrollmentToken: string } }>(
    a.url,
    `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: true }) { enrollmentToken } }`,
  );
  enrollmentToken = site.upsertSite.enrollmentToken;
  const created = await gql<{
    createDistributorToken: { token: string; distributor: { id: string } };
  }>(
    a.url,
    `mutation { createDistributorToken(input: { artifactId: "${SITE}", name: "rack" }) { token distributor { id } } }`,
  );
  distributorToken = created.createDistributorToken.token;
  distributorId = created.createDistributorToken.distributor.id;
  await gql(
    b.url,
    `mutation($k: String!) { registerDistributor(input: { publicKey: $k }) { id } }`,
    { k: agentKey.publicKey },
    distributorToken,
  );
  const node = await gql<{ registerLocalnode: { id: string } }>(
    a.url,
    `mutation { registerLocalnode(input: { ip: "10.66.0.9", artifactId: "${SITE}", pingable: false }) { id } }`,
  );
  nodeId = node.registerLocalnode.id;

  operatorWs = wsClient(b.url, token);
  distributorWs = wsClient(b.url, distributorToken);
  work = stream<Work>(
    distributorWs,
    `subscription { distributorWork { id kind config { on device } ping { ip } run { scriptRunId sealedKey } } }`,
  );
  registrations = stream(
    operatorWs,
    `subscription { localnodeRegistered(artifactId: "${SITE}") { ip } }`,
  );
  buildEvents = stream(operatorWs, `subscription { builds { id status } }`);
  bootEvents = stream(operatorWs, `subscription { bootEvents(artifactId: "${SITE}") { detail } }`);
  // Each stream is live once something made on B itself arrives on it.
  await until(
    "the distributor's first CONFIG",
    () => work.length > 0,
    10_000,
    () => "",
    10,
  );
  await until(
    "B's own registration on its subscription",
    async () =>
      (await register(b.url, "10.66.0.1")) === 200 &&
      registrations.some((r) => r.localnodeRegistered.ip === "10.66.0.1"),
    10_000,
    () => "",
    10,
  );
  await until(
    "B's own boot event on its subscription",
    async () => {
      await gql(
        b.url,
        `mutation { reportBootEvents(input: { events: [{ kind: DHCP, detail: "warm-up" }] }) }`,
        {},
        distributorToken,
      );
      return bootEvents.length > 0;
    },
    10_000,
    () => "",
    10,
  );
  const ipxe = await gql<{ createIpxe: { id: string } }>(
    a.url,
    `mutation { createIpxe(input: { script: "#!ipxe\\nshell", platform: "bin-x86_64-efi", driver: "ipxe", extension: "efi" }) { id } }`,
  );
  ipxeId = ipxe.createIpxe.id;
  await until(
    "the iPXE build on B's builds subscription",
    () => buildEvents.some((e) => e.builds.id === ipxeId && e.builds.status === "DONE"),
    30_000,
    () => "",
    10,
  );
}, 120_000);

afterAll(async () => {
  await operatorWs?.dispose();
  await distributorWs?.dispose();
  await Promise.all([a?.kill(), b?.kill()]);
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

type Case = {
  name: string;
  /** Makes B hold the old state in its caches first. */
  prepare?: () => Promise<void>;
  mutate: () => Promise<unknown>;
  seen: () => Promise<boolean> | boolean;
};

const kinds = ["mainscript", "subscript", "kickstart", "prebootscript", "postbootscript"];
const scripts: Record<string, string> = {};
const capital = (kind: string) => kind[0]?.toUpperCase() + kind.slice(1);

const cases: Case[] = [
  {
    name: "closing a site's open enrollment",
    prepare: async () => {
      expect(await register(b.url, "10.66.1.1")).toBe(200);
    },
    mutate: () =>
      gql(
        a.url,
        `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: false }) { artifactId } }`,
      ),
    seen: async () => (await register(b.url, "10.66.1.2")) === 401,
  },
  {
    name: "opening a closed site",
    prepare: async () => {
      expect(await register(b.url, "10.66.1.3")).toBe(401);
    },
    mutate: () =>
      gql(
        a.url,
        `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: true }) { artifactId } }`,
      ),
    seen: async () => (await register(b.url, "10.66.1.4")) === 200,
  },
  {
    name: "rotating the enrollment token",
    prepare: async () => {
      await gql(
        a.url,
        `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: false }) { artifactId } }`,
      );
      await until(
        "B to see the closed site",
        async () => (await register(b.url, "10.66.1.5")) === 401,
        WITHIN_MS,
        () => "",
        10,
      );
      expect(await register(b.url, "10.66.1.6", `&token=${enrollmentToken}`)).toBe(200);
    },
    mutate: () =>
      gql(
        a.url,
        `mutation { rotateEnrollmentToken(input: { artifactId: "${SITE}" }) { artifactId } }`,
      ),
    seen: async () => (await register(b.url, "10.66.1.7", `&token=${enrollmentToken}`)) === 401,
  },
  ...kinds.map(
    (kind): Case => ({
      name: `editing a ${kind}`,
      prepare: async () => {
        const created = await gql<Record<string, { id: string }>>(
          a.url,
          `mutation { create${capital(kind)}(input: { text: "${kind} v1" }) { id } }`,
        );
        scripts[kind] = created[`create${capital(kind)}`]?.id ?? "";
        expect(await getText(`${b.url}/api/${kind}s/${scripts[kind]}`)).toBe(`${kind} v1`);
      },
      mutate: () =>
        gql(
          a.url,
          `mutation($id: ID!) { update${capital(kind)}(input: { id: $id, text: "${kind} v2" }) { id } }`,
          { id: scripts[kind] },
        ),
      seen: async () => (await getText(`${b.url}/api/${kind}s/${scripts[kind]}`)) === `${kind} v2`,
    }),
  ),
  {
    name: "deleting a mainscript",
    mutate: () =>
      gql(a.url, `mutation($id: ID!) { deleteMainscript(input: { id: $id }) { id } }`, {
        id: scripts.mainscript,
      }),
    seen: async () =>
      (await getText(`${b.url}/api/mainscripts/${scripts.mainscript}`)) === "HTTP 404",
  },
  {
    name: "adding and deleting an SSH key",
    mutate: async () => {
      const added = await gql<{ addSshKey: { id: string } }>(
        a.url,
        `mutation($t: String!) { addSshKey(input: { text: $t, artifactId: "${SITE}" }) { id } }`,
        { t: sshKeys.public },
      );
      scripts.sshkey = added.addSshKey.id;
      await until(
        "B to serve the key",
        async () => (await getText(`${b.url}/api/sshkeys/${scripts.sshkey}`)) === sshKeys.public,
        WITHIN_MS,
        () => "",
        10,
      );
      await gql(a.url, `mutation($id: ID!) { deleteSshKey(input: { id: $id }) { id } }`, {
        id: scripts.sshkey,
      });
    },
    seen: async () => (await getText(`${b.url}/api/sshkeys/${scripts.sshkey}`)) === "HTTP 404",
  },
  {
    name: "configuring the distributor",
    mutate: () =>
      gql(
        a.url,
        `mutation($id: ID!, $b: ID!) { updateDistributor(input: { id: $id, device: "lan7", range: "10.66.0.0/24", ipxeUefi: $b }) { id } }`,
        { id: distributorId, b: ipxeId },
      ),
    seen: () => work.some((w) => w.distributorWork.config?.device === "lan7"),
  },
  {
    name: "switching the distributor on",
    mutate: () =>
      gql(
        a.url,
        `mutation($id: ID!) { setDistributorStatus(input: { id: $id, on: true }) { id } }`,
        {
          id: distributorId,
        },
      ),
    seen: () => work.some((w) => w.distributorWork.config?.on === true),
  },
  {
    name: "creating a build",
    mutate: async () => {
      const r = await gql<{ createIpxe: { id: string } }>(
        a.url,
        `mutation { createIpxe(input: { script: "#!ipxe\\necho two", platform: "bin-x86_64-efi", driver: "ipxe", extension: "efi" }) { id } }`,
      );
      scripts.build = r.createIpxe.id;
    },
    seen: () => buildEvents.some((e) => e.builds.id === scripts.build),
  },
  {
    name: "a node registering",
    prepare: async () => {
      await gql(
        a.url,
        `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: true }) { artifactId } }`,
      );
    },
    mutate: () => register(a.url, "10.66.2.1"),
    seen: () => registrations.some((r) => r.localnodeRegistered.ip === "10.66.2.1"),
  },
  {
    name: "running a script (the work, with a key only this distributor can open)",
    mutate: async () => {
      const r = await gql<{ runScript: { id: string } }>(
        a.url,
        `mutation($id: ID!, $k: String!) { runScript(input: { localnodeId: $id, script: "echo hi", privateKey: $k }) { id } }`,
        { id: nodeId, k: sshKeys.private },
      );
      scripts.run = r.runScript.id;
    },
    seen: () =>
      work.some(
        (w) =>
          w.distributorWork.run?.scriptRunId === scripts.run &&
          open(w.distributorWork.run?.sealedKey ?? "", agentKey.privateKeyPem) === sshKeys.private,
      ),
  },
  {
    name: "a script run finishing (reported through A, streamed by B)",
    prepare: async () => {
      scripts.runEvents = "";
      const events = stream<{ scriptRun: { status: string } }>(
        operatorWs,
        `subscription($id: ID!) { scriptRun(id: $id) { status } }`,
        { id: scripts.run },
      );
      await until(
        "the run's current state on B",
        () => events.length > 0,
        5000,
        () => "",
        10,
      );
      runEvents = events;
    },
    mutate: () =>
      gql(
        a.url,
        `mutation($id: ID!) { finishScriptRun(input: { scriptRunId: $id, exitCode: 0 }) { id } }`,
        { id: scripts.run },
        distributorToken,
      ),
    seen: () => runEvents.some((e) => e.scriptRun.status === "DONE"),
  },
  {
    name: "pinging a node",
    mutate: async () => {
      pinging = gql<{ pingLocalnode: { pingable: boolean } }>(
        a.url,
        `mutation($id: ID!) { pingLocalnode(input: { id: $id }) { pingable } }`,
        { id: nodeId },
      );
      await until(
        "the PING on B",
        () => work.some((w) => w.distributorWork.ping?.ip === "10.66.0.9"),
        5000,
        () => "",
        10,
      );
    },
    seen: () => work.some((w) => w.distributorWork.ping?.ip === "10.66.0.9"),
  },
  {
    name: "a boot event reported through A",
    mutate: () =>
      gql(
        a.url,
        `mutation { reportBootEvents(input: { events: [{ kind: TFTP, mac: "52:54:00:00:00:01", detail: "sent ipxe.efi" }] }) }`,
        {},
        distributorToken,
      ),
    seen: () => bootEvents.some((e) => e.bootEvents.detail === "sent ipxe.efi"),
  },
];
let runEvents: Array<{ scriptRun: { status: string } }> = [];
let pinging: Promise<{ pingLocalnode: { pingable: boolean } }> | undefined;

describe("a change through replica A is seen at replica B within one second", () => {
  it.each(cases)(
    "$name",
    async ({ prepare, mutate, seen }) => {
      await prepare?.();
      await mutate();
      await until("the effect at B", seen, WITHIN_MS, () => "", 10);
    },
    60_000,
  );

  it("the ping answered through B completes the mutation made on A", async () => {
    const ping = work.find((w) => w.distributorWork.ping?.ip === "10.66.0.9");
    await gql(
      b.url,
      `mutation($w: String!) { reportPing(input: { workId: $w, pingable: true }) }`,
      { w: ping?.distributorWork.id },
      distributorToken,
    );
    const started = Date.now();
    expect((await pinging)?.pingLocalnode.pingable).toBe(true);
    expect(Date.now() - started).toBeLessThan(WITHIN_MS);
  });
});
