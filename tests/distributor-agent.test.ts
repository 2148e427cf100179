import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { createIpxe, waitForBuild } from "./helpers/builds.ts";
import { binPath } from "./helpers/cli.ts";
import { freePort } from "./helpers/free-port.ts";
import { gql as gqlAt } from "./helpers/gql.ts";
import { startSshServer, type TestSshServer } from "./helpers/ssh-server.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.ts";
import { until } from "./helpers/until.ts";

// A real agent process against a real server; the "node" is an SSH server on a
// loopback address (127.0.0.2), which stands in for a VM here (the VM path is
// covered by tests/distributor/lab-boot.test.ts).
const NODE_IP = "127.0.0.2";
const token = `test-${randomBytes(16).toString("hex")}`;
let database: TestDatabase;
let dir: string;
let port: number;
let server: RunningServer | undefined;
let agent: ResultPromise | undefined;
let sshd: TestSshServer | undefined;
const keys = ssh2.utils.generateKeyPairSync("ed25519");

async function serve(): Promise<RunningServer> {
  return startServer(
    loadConfig({
      DATABASE_URL: database.url,
      DATA_DIR: path.join(dir, "server"),
      ADMIN_TOKEN: token,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
    }),
    createLogger("warn"),
  );
}

const gql = <T>(query: string, variables: Record<string, unknown> = {}) =>
  gqlAt<T>(`http://127.0.0.1:${port}`, query, variables, token);

let agentLog = "";
/** How often the agent said its connection closed (the log is kept only as a tail). */
let agentDisconnects = 0;
const agentTail = () => `agent log:\n${agentLog.slice(-3000)}`;
function startAgentProcess(distributorToken: string): ResultPromise {
  const child = execa(
    process.execPath,
    [
      binPath,
      "distributor",
      "--server",
      `http://127.0.0.1:${port}`,
      "--token",
      distributorToken,
      "--data-dir",
      path.join(dir, "agent"),
    ],
    {
      env: { LOG_LEVEL: "info", PROVISIONER_HEARTBEAT_SECONDS: "1" },
      reject: false,
      all: true,
    },
  );
  child.all?.on("data", (chunk: Buffer) => {
    agentLog = (agentLog + chunk.toString()).slice(-8000);
    agentDisconnects += chunk.toString().split("connection to the server closed").length - 1;
  });
  return child;
}

type Run = {
  id: string;
  status: string;
  exitCode: number | null;
  output: string;
  error: string | null;
};
async function runToEnd(nodeId: string, script: string): Promise<Run> {
  const r = await gql<{ runScript: Run }>(
    `mutation($id: ID!, $s: String!, $k: String!) { runScript(input: { localnodeId: $id, script: $s, privateKey: $k }) { id status } }`,
    { id: nodeId, s: script, k: keys.private },
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  const id = r.data.runScript.id;
  return until(
    "the script run",
    async () => {
      const s = await gql<{ scriptRun: Run }>(
        `query($id: ID!) { scriptRun(id: $id) { id status exitCode output error } }`,
        { id },
      );
      const run = s.data?.scriptRun;
      return run && (run.status === "DONE" || run.status === "FAILED") ? run : undefined;
    },
    40_000,
    agentTail,
  );
}

let distributorToken: string;
let distributorId: string;
let nodeId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "agent-"));
  await chmod(dir, 0o755);
  port = await freePort();
  server = await serve();
  const created = await gql<{
    createDistributorToken: { token: string; distributor: { id: string } };
  }>(
    `mutation { createDistributorToken(input: { artifactId: "agent.example", name: "lab" }) { token distributor { id } } }`,
  );
  distributorToken = created.data?.createDistributorToken.token ?? "";
  distributorId = created.data?.createDistributorToken.distributor.id ?? "";
  const node = await gql<{ registerLocalnode: { id: string } }>(
    `mutation { registerLocalnode(input: { ip: "${NODE_IP}", artifactId: "agent.example", pingable: false }) { id } }`,
  );
  nodeId = node.data?.registerLocalnode.id ?? "";
  sshd = await startSshServer(NODE_IP, keys.public);
  agent = startAgentProcess(distributorToken);
});

afterAll(async () => {
  agent?.kill("SIGKILL");
  await agent?.catch(() => undefined);
  await sshd?.stop();
  await server?.stop();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("provisioner distributor (agent process)", () => {
  it("comes online, pings a node and runs a script over SSH with output and exit code", async () => {
    await until(
      "the distributor online",
      async () => {
        const r = await gql<{ distributors: { edges: Array<{ node: { online: boolean } }> } }>(
          `{ distributors { edges { node { online } } } }`,
        );
        return r.data?.distributors.edges[0]?.node.online;
      },
      40_000,
      agentTail,
    );
    const ping = await gql<{ pingLocalnode: { pingable: boolean } }>(
      `mutation($id: ID!) { pingLocalnode(input: { id: $id }) { pingable } }`,
      { id: nodeId },
    );
    expect(ping.data?.pingLocalnode.pingable).toBe(true);

    const run = await runToEnd(nodeId, "echo hello-$((6*7))\necho to-stderr >&2\nexit 3\n");
    expect(run.status).toBe("DONE");
    expect(run.exitCode).toBe(3);
    expect(run.output).toContain("hello-42");
    expect(run.output).toContain("to-stderr");
    const node = await gql<{ localnode: { hostKey: string } }>(
      `query($id: ID!) { localnode(id: $id) { hostKey } }`,
      { id: nodeId },
    );
    expect(node.data?.localnode.hostKey).toBe(sshd?.fingerprint);
  }, 90_000);

  it("refuses a node whose host key changed until the operator resets it", async () => {
    const pinned = sshd?.fingerprint;
    await sshd?.stop();
    sshd = await startSshServer(NODE_IP, keys.public); // a new host key
    const refused = await runToEnd(nodeId, "echo should-not-run\n");
    expect(refused.status).toBe("FAILED");
    expect(refused.error).toBe(
      `host key changed: the node presented ${sshd.fingerprint}, pinned is ${pinned}; resetHostKey if this is expected`,
    );
    expect(refused.output).not.toContain("should-not-run");
    await gql(`mutation($id: ID!) { resetHostKey(input: { id: $id }) { id } }`, { id: nodeId });
    const accepted = await runToEnd(nodeId, "echo again\n");
    expect(accepted.status).toBe("DONE");
    expect(accepted.output).toContain("again");
  }, 90_000);

  it("reconnects after the server was away and receives work queued meanwhile; a restart makes no duplicate", async () => {
    const closedBefore = agentDisconnects;
    await server?.stop();
    server = undefined;
    // The agent has noticed the server is gone (and is retrying) before it comes back.
    await until(
      "the agent to notice the server is away",
      () => agentDisconnects > closedBefore,
      20_000,
      agentTail,
    );
    server = await serve();
    const started = Date.now();
    // Queued before the agent is back: it must arrive once the agent reconnects.
    const run = await runToEnd(nodeId, "echo after-restart\n");
    expect(run.output).toContain("after-restart");
    expect(Date.now() - started).toBeLessThan(30_000);

    agent?.kill("SIGKILL");
    await agent?.catch(() => undefined);
    agent = startAgentProcess(distributorToken);
    const again = await runToEnd(nodeId, "echo restarted-agent\n");
    expect(again.output).toContain("restarted-agent");
    const list = await gql<{ distributors: { totalCount: number } }>(
      `{ distributors { totalCount } }`,
    );
    expect(list.data?.distributors.totalCount).toBe(1);
  }, 120_000);

  it("reports a configuration it cannot apply; the server shows it on the distributor until one applies", async () => {
    const api = { gql };
    const queued = await createIpxe(api, {
      script: "#!ipxe\nshell\n",
      platform: "bin-x86_64-efi",
      driver: "ipxe",
      extension: "efi",
    });
    const build = await waitForBuild(api, queued.id);
    expect(build.status).toBe("DONE");
    const efi = build.files.find((f) => f.name === "ipxe.efi");
    if (!efi) throw new Error(`no ipxe.efi in ${JSON.stringify(build.files)}`);
    // Same size, other bytes: serve hands them out, the agent's sha256 check refuses them.
    const stored = path.join(dir, "server", "artifacts", efi.sha256.slice(0, 2), efi.sha256);
    const original = await readFile(stored);
    await writeFile(stored, Buffer.alloc(original.length, 0x41));

    const configure = () =>
      gql<{ updateDistributor: { id: string } }>(
        `mutation($id: ID!, $b: ID!) { updateDistributor(input: { id: $id, ipxeUefi: $b }) { id } }`,
        { id: distributorId, b: build.id },
      );
    const shown = async () =>
      (
        await gql<{
          distributor: { configError: string | null; configErrorAt: string | null };
        }>(`query($id: ID!) { distributor(id: $id) { configError configErrorAt } }`, {
          id: distributorId,
        })
      ).data?.distributor;
    const before = Date.now();
    expect((await configure()).data).toEqual({ updateDistributor: { id: distributorId } });
    const failed = await until(
      "configError on the distributor",
      async () => ((await shown())?.configError ? shown() : undefined),
      40_000,
      agentTail,
    );
    expect(failed?.configError).toBe("download of ipxe.efi is corrupt");
    expect(Date.parse(failed?.configErrorAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
    expect(agentLog).toContain("configuration not applied; dnsmasq stays stopped");

    // The same configuration once the file is whole again: applied, and the error clears.
    await writeFile(stored, original);
    expect((await configure()).data).toEqual({ updateDistributor: { id: distributorId } });
    await until(
      "configError cleared",
      async () => (await shown())?.configError === null,
      40_000,
      agentTail,
    );
    expect(await shown()).toEqual({ configError: null, configErrorAt: null });
  }, 120_000);
});
