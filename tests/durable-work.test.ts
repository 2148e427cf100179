import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import postgres from "postgres";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binPath } from "./helpers/cli.ts";
import { gql as gqlAt } from "./helpers/gql.ts";
import { freePort, type ProcessHandle, serveReplica } from "./helpers/serve-process.ts";
import { startSshServer, type TestSshServer } from "./helpers/ssh-server.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.ts";
import { until } from "./helpers/until.ts";

// Separate `serve` processes on one database and a real agent process. The
// "node" is an SSH server on a loopback address that runs scripts with
// /bin/sh (a VM would add minutes and prove nothing more about delivery).
const NODE_IP = "127.0.0.5";
const token = `test-${randomBytes(16).toString("hex")}`;
const keys = ssh2.utils.generateKeyPairSync("ed25519");
const INTERRUPTED = "the distributor restarted while this script was running; it was not run again";

let database: TestDatabase;
let dir: string;
let a: ProcessHandle & { url: string };
let b: ProcessHandle & { url: string };
let c: ProcessHandle & { url: string };
let sshd: TestSshServer | undefined;
let agent: ResultPromise | undefined;
let agentLog = "";
const agentTail = () => `agent log:\n${agentLog.slice(-3000)}`;
const gql = <T>(url: string, query: string, variables: Record<string, unknown> = {}) =>
  gqlAt<T>(url, query, variables, token);
let distributorToken = "";
let nodeId = "";
let countFile = "";

type Run = {
  id: string;
  status: string;
  exitCode: number | null;
  output: string;
  error: string | null;
};

function startAgent(): void {
  const child = execa(
    process.execPath,
    [
      binPath,
      "distributor",
      "--server",
      b.url,
      "--token",
      distributorToken,
      "--data-dir",
      path.join(dir, "agent"),
    ],
    { env: { LOG_LEVEL: "info", PROVISIONER_HEARTBEAT_SECONDS: "1" }, reject: false, all: true },
  );
  child.all?.on("data", (chunk: Buffer) => {
    agentLog += chunk.toString();
  });
  agent = child;
}

async function killAgent(): Promise<void> {
  agent?.kill("SIGKILL");
  await agent?.catch(() => undefined);
  agent = undefined;
}

async function queue(url: string, script: string): Promise<string> {
  const r = await gql<{ runScript: { id: string } }>(
    url,
    `mutation($id: ID!, $s: String!, $k: String!) { runScript(input: { localnodeId: $id, script: $s, privateKey: $k }) { id } }`,
    { id: nodeId, s: script, k: keys.private },
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.runScript.id;
}

async function run(url: string, id: string): Promise<Run> {
  const r = await gql<{ scriptRun: Run }>(
    url,
    `query($id: ID!) { scriptRun(id: $id) { id status exitCode output error } }`,
    { id },
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.scriptRun;
}

const finished = (url: string, id: string) =>
  until(
    `run ${id} to finish`,
    async () => {
      const r = await run(url, id);
      return r.status === "DONE" || r.status === "FAILED" ? r : undefined;
    },
    90_000,
    agentTail,
  );

/** How many times the marker's script body has started on the node. */
async function starts(marker: string): Promise<number> {
  const text = await readFile(countFile, "utf8").catch(() => "");
  return text.split("\n").filter((l) => l === marker).length;
}

const online = () =>
  until(
    "the distributor online",
    async () => {
      const r = await gql<{ distributors: { edges: Array<{ node: { online: boolean } }> } }>(
        a.url,
        `{ distributors { edges { node { online } } } }`,
      );
      return r.data?.distributors.edges[0]?.node.online ? true : undefined;
    },
    90_000,
    agentTail,
  );

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "durable-work-"));
  await chmod(dir, 0o755);
  countFile = path.join(dir, "starts.txt");
  const extra = { WORKERS: "false", LOG_LEVEL: "debug" };
  a = serveReplica(database.url, path.join(dir, "a"), await freePort(), token, extra);
  b = serveReplica(database.url, path.join(dir, "b"), await freePort(), token, extra);
  // C hands out work with a 2 s deadline, to see work that is never taken fail.
  c = serveReplica(database.url, path.join(dir, "c"), await freePort(), token, {
    ...extra,
    WORK_DEADLINE_SECONDS: "2",
  });
  await a.start();
  await Promise.all([b.start(), c.start()]);
  const created = await gql<{ createDistributorToken: { token: string } }>(
    a.url,
    `mutation { createDistributorToken(input: { artifactId: "durable.example", name: "lab" }) { token } }`,
  );
  distributorToken = created.data?.createDistributorToken.token ?? "";
  const node = await gql<{ registerLocalnode: { id: string } }>(
    a.url,
    `mutation { registerLocalnode(input: { ip: "${NODE_IP}", artifactId: "durable.example", pingable: false }) { id } }`,
  );
  nodeId = node.data?.registerLocalnode.id ?? "";
  sshd = await startSshServer(NODE_IP, keys.public);
  startAgent();
  await online();
}, 300_000);

afterAll(async () => {
  await killAgent();
  await sshd?.stop();
  await Promise.all([a?.kill(), b?.kill(), c?.kill()]);
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("durable distributor work across replicas", () => {
  it("a ping and a script given to replica A reach the agent connected to replica B", async () => {
    const ping = await gql<{ pingLocalnode: { pingable: boolean } }>(
      a.url,
      `mutation($id: ID!) { pingLocalnode(input: { id: $id }) { pingable } }`,
      { id: nodeId },
    );
    expect(ping.data?.pingLocalnode.pingable).toBe(true);
    const id = await queue(a.url, `echo cross >> ${countFile}\necho hello-$((6*7))\nexit 3\n`);
    const done = await finished(a.url, id);
    expect(done).toMatchObject({ status: "DONE", exitCode: 3, output: "hello-42\n", error: null });
    expect(await starts("cross")).toBe(1);
  }, 180_000);

  it("work stored without a wake-up (a lost NOTIFY) still reaches the agent", async () => {
    const sql = postgres(database.url, { max: 1 });
    let id: string | undefined;
    try {
      const [distributor] = await sql`select id from distributors`;
      const [work] = await sql`
        insert into distributor_work (distributor_id, kind, payload, deadline_at)
        values (${distributor?.id}, 'PING', ${sql.json({ localnodeId: Number(nodeId), ip: NODE_IP })},
                now() + interval '60 seconds')
        returning id`;
      id = work?.id;
      // The node is a loopback address: it answers pings.
      const answered = await until(
        "the agent's answer to the ping",
        async () => {
          const [row] = await sql`select reply from distributor_work where id = ${id as string}`;
          return row?.reply === null ? undefined : { reply: row?.reply };
        },
        30_000,
        agentTail,
      );
      expect(answered).toEqual({ reply: true });
    } finally {
      if (id) await sql`delete from distributor_work where id = ${id}`;
      await sql.end();
    }
  }, 60_000);

  it("work queued while the agent is away survives SIGKILL of every replica, and runs once", async () => {
    await killAgent();
    const id = await queue(a.url, `echo survivor >> ${countFile}\necho survived\n`);
    // What is stored while the run waits: a sealed box, never the key.
    const sql = postgres(database.url, { max: 1 });
    try {
      const rows = await sql<
        Array<{ sealed_key: string }>
      >`select sealed_key from distributor_work`;
      expect(rows).toHaveLength(1);
      expect(rows[0]?.sealed_key).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    } finally {
      await sql.end();
    }
    await Promise.all([a.kill(), b.kill()]);
    await b.start();
    startAgent();
    const done = await finished(b.url, id);
    expect(done).toMatchObject({ status: "DONE", exitCode: 0, output: "survived\n" });
    await a.start();
    expect(await starts("survivor")).toBe(1);
  }, 240_000);

  it("an agent killed mid-run does not run the script again when the run is redelivered", async () => {
    const id = await queue(
      a.url,
      `echo interrupted >> ${countFile}\nsleep 5\necho never-reported\n`,
    );
    await until(
      "the script to start",
      async () => ((await starts("interrupted")) === 1 ? true : undefined),
      90_000,
      agentTail,
    );
    expect((await run(a.url, id)).status).toBe("RUNNING");
    await killAgent();
    startAgent();
    const done = await finished(a.url, id);
    expect(done.status).toBe("FAILED");
    expect(done.error).toBe(INTERRUPTED);
    expect(await starts("interrupted")).toBe(1);
  }, 180_000);

  it("a run redelivered after its replica died while it ran finishes once, DONE, with all its output", async () => {
    const id = await queue(
      a.url,
      `echo redelivered >> ${countFile}\nsleep 1\necho after-sleep\necho ended >> ${countFile}\n`,
    );
    await until(
      "the script to start",
      async () => ((await starts("redelivered")) === 1 ? true : undefined),
      90_000,
      agentTail,
    );
    await b.kill();
    // The script ends while the agent's replica is away: on reconnect, its last
    // output and the redelivered run arrive together, and the run must not be
    // reported finished ahead of that output.
    await until(
      "the script to end",
      async () => ((await starts("ended")) === 1 ? true : undefined),
      90_000,
      agentTail,
    );
    await b.start();
    const done = await finished(a.url, id);
    expect(done, agentLog.slice(-4000)).toMatchObject({
      status: "DONE",
      exitCode: 0,
      output: "after-sleep\n",
    });
    expect(await starts("redelivered")).toBe(1);
  }, 180_000);

  it("work not taken before its deadline fails, naming the distributor and how long it was offline", async () => {
    await killAgent();
    // The server has seen the agent go: work queued now cannot be delivered in time.
    await until(
      "the distributor offline",
      async () => {
        const r = await gql<{ distributors: { edges: Array<{ node: { online: boolean } }> } }>(
          a.url,
          `{ distributors { edges { node { online } } } }`,
        );
        return r.data?.distributors.edges[0]?.node.online === false;
      },
      20_000,
      agentTail,
    );
    const id = await queue(c.url, `echo expired >> ${countFile}\n`);
    const done = await finished(a.url, id);
    expect(done.status).toBe("FAILED");
    expect(done.error).toMatch(
      /^distributor lab did not take the run within 2 s: it has been offline for \d+ s \(last seen \d{4}-\d\d-\d\dT[0-9:.]+Z\)$/,
    );
    startAgent();
    await online();
    // Work is delivered in order: once a later run is done, the expired one would have come first.
    const later = await queue(a.url, `echo later >> ${countFile}\n`);
    expect((await finished(a.url, later)).status).toBe("DONE");
    expect(await starts("expired")).toBe(0);
  }, 180_000);

  it("a run whose distributor vanished while it ran fails after ABANDONED_RUN_SECONDS, outcome unknown", async () => {
    // Only this replica gives up on silent distributors quickly.
    const d = serveReplica(database.url, path.join(dir, "d"), await freePort(), token, {
      WORKERS: "false",
      ABANDONED_RUN_SECONDS: "5",
    });
    await d.start();
    try {
      const id = await queue(a.url, `echo abandoned >> ${countFile}\nsleep 60\n`);
      await until(
        "the script to start",
        async () => ((await starts("abandoned")) === 1 ? true : undefined),
        90_000,
        agentTail,
      );
      await killAgent();
      const done = await finished(a.url, id);
      expect(done.status).toBe("FAILED");
      expect(done.error).toMatch(
        /^distributor lab went offline while the script was running and did not come back within 5 s \(last seen \d{4}-\d\d-\d\dT[0-9:.]+Z\); whether the script finished is unknown$/,
      );
      // Its work item, with the sealed key, is gone; the returning agent changes nothing.
      const sql = postgres(database.url, { max: 1 });
      try {
        expect(await sql`select id from distributor_work`).toEqual([]);
      } finally {
        await sql.end();
      }
      startAgent();
      await online();
      const later = await queue(a.url, `echo after-abandoned >> ${countFile}\n`);
      expect((await finished(a.url, later)).status).toBe("DONE");
      expect(await run(a.url, id)).toEqual(done);
    } finally {
      await d.kill();
    }
  }, 180_000);

  it("the private key is nowhere at rest: not in any table, log or the agent's files", async () => {
    const sql = postgres(database.url, { max: 1 });
    try {
      expect(await sql`select id from distributor_work`).toEqual([]);
    } finally {
      await sql.end();
    }
    const dump = (await execa("pg_dump", ["--data-only", database.url])).stdout;
    expect(dump.length).toBeGreaterThan(1000);
    const agentFiles: string[] = [];
    for (const entry of await readdir(path.join(dir, "agent"), {
      recursive: true,
      withFileTypes: true,
    }))
      if (entry.isFile())
        agentFiles.push(await readFile(path.join(entry.parentPath, entry.name), "latin1"));
    const body = keys.private
      .split("\n")
      .filter((line) => line.length >= 16 && !line.startsWith("-----"));
    expect(body.length).toBeGreaterThan(0);
    const places = {
      dump,
      logs: a.log + b.log + c.log + agentLog,
      agentFiles: agentFiles.join("\n"),
    };
    for (const [where, text] of Object.entries(places))
      for (const line of body) expect(text.includes(line), `key material in ${where}`).toBe(false);
  });
});
