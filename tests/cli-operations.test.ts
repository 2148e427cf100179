import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { execa, type ResultPromise } from "execa";
import postgres from "postgres";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIpxe, waitForBuild } from "./helpers/builds.ts";
import { binPath, provisioner } from "./helpers/cli.ts";
import { startSshServer, type TestSshServer } from "./helpers/ssh-server.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { until } from "./helpers/until.ts";

// The operator's distributor and node commands against a real server and a real agent
// process (`provisioner distributor run`). The node is an SSH server on a loopback
// address standing in for a VM (the VM path: tests/distributor/lab-boot.test.ts).
const NODE_IP = "127.0.0.7";
const SITE = "ops.example";
const keys = ssh2.utils.generateKeyPairSync("ed25519");

let server: TestServer;
let dir: string;
let auth: string[];
let sshd: TestSshServer | undefined;
const children: ResultPromise[] = [];

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), "cli-ops-"));
  auth = ["--server", server.url, "--token", server.token];
  await writeFile(path.join(dir, "id_node"), keys.private, { mode: 0o600 });
  sshd = await startSshServer(NODE_IP, keys.public);
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map((c) => c.catch(() => undefined)));
  await sshd?.stop();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], input?: string) {
  return provisioner([...auth, ...args], input === undefined ? {} : { input });
}

async function json<T>(args: string[]): Promise<T> {
  const r = await cli(["--json", ...args]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** A long-running CLI process whose stdout lines are collected as they come. */
function spawnCli(args: string[], env: Record<string, string> = {}) {
  const lines: string[] = [];
  const child = execa(process.execPath, [binPath, ...auth, ...args], {
    env,
    reject: false,
    buffer: false,
    stdin: "ignore",
  });
  children.push(child);
  if (child.stdout) createInterface({ input: child.stdout }).on("line", (l) => lines.push(l));
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  return { child, lines, stderr: () => err };
}

type Distributor = { id: string; online: boolean; on: boolean; device: string | null };

describe("provisioner distributor, node and delete commands", () => {
  let distributorId = "";
  let token = "";
  let nodeId = "";
  let agent: ReturnType<typeof spawnCli> | undefined;

  it("distributor token create shows the token once; ls, get, update, on and off", async () => {
    const created = await cli(["distributor", "token", "create", "--site", SITE, "--name", "lab"]);
    expect(created.exitCode, created.stderr).toBe(0);
    token = /^token: (dist_\S+)$/m.exec(created.stdout)?.[1] ?? "";
    distributorId = /^id: (\d+)$/m.exec(created.stdout)?.[1] ?? "";
    expect(token).toMatch(/^dist_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain("the server stores only its hash");

    const ls = await cli(["distributor", "ls", "--site", SITE]);
    expect(ls.exitCode, ls.stderr).toBe(0);
    expect(ls.stdout.split("\n")[0]).toMatch(/^ID\s+ARTIFACTID\s+NAME\s+ONLINE\s+ON\s+DEVICE/);
    expect(ls.stdout).toMatch(
      new RegExp(`^${distributorId}\\s+ops\\.example\\s+lab\\s+false\\s+false`, "m"),
    );
    expect(ls.stdout).not.toContain(token);

    const off = await cli(["distributor", "on", distributorId]);
    expect(off.exitCode).toBe(1);
    expect(off.stderr).toMatch(/BAD_USER_INPUT: set device, range and at least one of ipxeUefi/);

    const script = path.join(dir, "boot.ipxe");
    await writeFile(script, "#!ipxe\ndhcp\nchain http://127.0.0.1/api/mainscripts/1\n");
    const build = await waitForBuild(
      server,
      (
        await createIpxe(server, {
          script: "#!ipxe\nexit\n",
          platform: "bin-x86_64-efi",
          driver: "ipxe",
          extension: "efi",
        })
      ).id,
    );
    expect(build.status).toBe("DONE");
    const updated = await json<Distributor & { ipxeUefi: string; range: string }>([
      "distributor",
      "update",
      distributorId,
      "--ipxe-uefi",
      build.id,
      "--device",
      "eth9",
      "--range",
      "10.99.0.0/24",
    ]);
    expect(updated).toMatchObject({ ipxeUefi: build.id, device: "eth9", range: "10.99.0.0/24" });
    expect((await json<Distributor>(["distributor", "on", distributorId])).on).toBe(true);
    expect((await json<Distributor>(["distributor", "get", distributorId])).on).toBe(true);

    // The build is in use: deleting it is refused and names the distributor.
    const refused = await cli(["build", "delete", build.id]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(
      `CONFLICT: build ${build.id} is served by distributor ${distributorId} (ops.example/lab)`,
    );
    expect((await json<Distributor>(["distributor", "off", distributorId])).on).toBe(false);
  }, 180_000);

  it("distributor events prints the timeline MAC first and follows new events", async () => {
    const report = (mac: string, detail: string) =>
      server.gql(
        `mutation($e: [BootEventInput!]!) { reportBootEvents(input: { events: $e }) }`,
        { e: [{ mac, ip: "10.99.0.50", kind: "DHCP", detail }] },
        token,
      );
    expect((await report("52:54:00:00:00:01", "DHCPDISCOVER")).data).toEqual({
      reportBootEvents: 1,
    });
    const history = await cli(["distributor", "events", distributorId]);
    expect(history.exitCode, history.stderr).toBe(0);
    expect(history.stdout).toMatch(
      /^52:54:00:00:00:01 {2}\S+Z {2}DHCP {2}10\.99\.0\.50 {2}DHCPDISCOVER$/m,
    );

    const follow = spawnCli(["distributor", "events", distributorId, "--follow"]);
    await until("the history line", () => follow.lines.length >= 1, 20_000, follow.stderr);
    // A subscription has no "ready" signal; report until the follower prints the new event.
    await until(
      "the followed event",
      async () => {
        await report("52:54:00:00:00:02", "DHCPREQUEST");
        return follow.lines.some((l) => l.startsWith("52:54:00:00:00:02  "));
      },
      20_000,
      follow.stderr,
      500,
    );
    expect(follow.lines[0]).toMatch(/^52:54:00:00:00:01 /);
    follow.child.kill("SIGTERM");
  }, 120_000);

  it("node ping, node run (streams, remote exit code), reset-host-key, nodes ls --follow", async () => {
    await cli(["site", "upsert", SITE]);
    const watch = spawnCli(["--json", "nodes", "ls", "--artifact-id", SITE, "--follow"]);
    agent = spawnCli(
      ["distributor", "run", "--token", token, "--data-dir", path.join(dir, "agent")],
      {
        PROVISIONER_HEARTBEAT_SECONDS: "1",
        LOG_FORMAT: "json",
      },
    );
    await until(
      "the distributor online",
      async () => (await json<Distributor>(["distributor", "get", distributorId])).online,
      40_000,
      agent.stderr,
    );
    // Registering is what the watcher must see (it subscribed before listing).
    await until(
      "the registration on nodes ls --follow",
      async () => {
        const query = new URLSearchParams({
          ip: NODE_IP,
          artifactId: SITE,
          token: await enrollmentToken(),
        });
        const r = await fetch(`${server.url}/api/localnodes?${query}`, { method: "POST" });
        expect(r.status).toBe(200);
        return watch.lines.some((l) => JSON.parse(l).ip === NODE_IP);
      },
      20_000,
      watch.stderr,
      500,
    );
    nodeId = (JSON.parse(watch.lines.find((l) => l.includes(NODE_IP)) ?? "{}") as { id: string })
      .id;
    watch.child.kill("SIGTERM");

    const ping = await cli(["node", "ping", nodeId]);
    expect(ping.exitCode, ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/^pingable: true$/m);

    const keyFile = path.join(dir, "id_node");
    // Live: the script waits for a file the test creates only after "first" was printed.
    const gate = path.join(dir, "gate");
    const script0 = path.join(dir, "gated.sh");
    await writeFile(
      script0,
      `echo first\nwhile [ ! -e '${gate}' ]; do sleep 0.1; done\necho second-$((6*7))\nexit 7\n`,
    );
    const live = spawnCli(["node", "run", nodeId, "--script", script0, "--key", keyFile]);
    await until(
      "the first line before the script ends",
      () => live.lines.includes("first"),
      30_000,
      () => `${live.stderr()}\nAGENT:\n${agent?.lines.join("\n")}\n${agent?.stderr()}`,
    );
    expect(live.lines).toEqual(["first"]);
    await writeFile(gate, "");
    const ended = await live.child;
    expect(live.stderr()).toBe("");
    expect(live.lines).toEqual(["first", "second-42"]);
    expect(ended.exitCode).toBe(7);
    // `distributor run --data-dir` is honoured: the agent journals its runs there
    // (it once fell back to ./distributor-data and answered later runs from there).
    const journal = JSON.parse(await readFile(path.join(dir, "agent", "runs.json"), "utf8"));
    expect(Object.values(journal)).toEqual([
      expect.objectContaining({ state: "finished", exitCode: 7 }),
    ]);

    const run = await cli(
      ["node", "run", nodeId, "--script", "-", "--key", keyFile],
      "echo from-stdin\nexit 0\n",
    );
    expect(run.stdout).toBe("from-stdin");
    expect(run.exitCode).toBe(0);

    const script = path.join(dir, "ok.sh");
    await writeFile(script, "id -un >/dev/null && echo ok\n");
    const asJson = await cli([
      "--json",
      "node",
      "run",
      nodeId,
      "--script",
      script,
      "--key",
      keyFile,
    ]);
    expect(asJson.exitCode, asJson.stderr).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      status: "DONE",
      exitCode: 0,
      output: "ok\n",
    });

    // A reinstalled node (new host key) is refused until the operator resets the pin.
    await sshd?.stop();
    sshd = await startSshServer(NODE_IP, keys.public);
    const refused = await cli(["node", "run", nodeId, "--script", script, "--key", keyFile]);
    expect(refused.exitCode).toBe(255);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(/failed: .*host key changed/);
    const reset = await cli(["node", "reset-host-key", nodeId]);
    expect(reset.exitCode, reset.stderr).toBe(0);
    const again = await cli(["node", "run", nodeId, "--script", script, "--key", keyFile]);
    expect(again.stdout).toBe("ok");
    expect(again.exitCode).toBe(0);
  }, 240_000);

  it("deletes: a distributor only when offline, a site only with --cascade when it has dependents", async () => {
    const online = await cli(["distributor", "delete", distributorId]);
    expect(online.exitCode).toBe(1);
    expect(online.stderr).toContain(
      `CONFLICT: distributor ${distributorId} (ops.example/lab) is online; stop its agent first`,
    );
    agent?.child.kill("SIGTERM");
    await agent?.child;
    await until(
      "the distributor offline",
      async () => !(await json<Distributor>(["distributor", "get", distributorId])).online,
      20_000,
    );

    const refused = await cli(["site", "delete", SITE]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(
      `CONFLICT: site ops.example still has 1 node, 1 distributor (${distributorId} lab); delete them first or delete with cascade`,
    );

    const deleted = await cli(["distributor", "delete", distributorId]);
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    const events = await server.gql<{ distributor: null }>(
      `query($id: ID!) { distributor(id: $id) { id } }`,
      { id: distributorId },
    );
    expect(events.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const sql = postgres(server.database.url, { max: 1, onnotice: () => undefined });
    try {
      const [left] = await sql<Array<{ events: number; runs: number }>>`
        select (select count(*) from boot_events where distributor_id = ${Number(distributorId)})::int as events,
               (select count(*) from script_runs where distributor_id = ${Number(distributorId)})::int as runs`;
      expect(left).toEqual({ events: 0, runs: 0 });
    } finally {
      await sql.end();
    }

    const cascaded = await cli(["site", "delete", SITE, "--cascade"]);
    expect(cascaded.exitCode, cascaded.stderr).toBe(0);
    expect(cascaded.stdout).toBe("artifactId: ops.example\ndeleted: true");
    expect(await json<unknown[]>(["nodes", "ls", "--artifact-id", SITE])).toEqual([]);
    expect(await json<unknown[]>(["site", "ls"])).toEqual([]);

    // With its distributor gone, the build can be deleted; then it is gone.
    const builds = await json<Array<{ id: string }>>(["ipxe", "ls"]);
    const id = builds[0]?.id ?? "";
    const del = await cli(["build", "delete", id]);
    expect(del.exitCode, del.stderr).toBe(0);
    const get = await cli(["build", "get", id]);
    expect(get.stderr).toContain(`NOT_FOUND: build ${id} does not exist`);
  }, 120_000);
});

async function enrollmentToken(): Promise<string> {
  const r = await server.gql<{ site: { enrollmentToken: string } }>(
    `query($s: String!) { site(artifactId: $s) { enrollmentToken } }`,
    { s: SITE },
  );
  return r.data?.site.enrollmentToken ?? "";
}
