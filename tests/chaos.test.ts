import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import postgres from "postgres";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binPath } from "./helpers/cli.ts";
import { gqlData } from "./helpers/gql.ts";
import {
  freePort,
  type ProcessHandle,
  provisionerProcess,
  serveReplica,
} from "./helpers/serve-process.ts";
import { startSshServer, type TestSshServer } from "./helpers/ssh-server.ts";
import { startTcpBalancer, type TcpBalancer } from "./helpers/tcp-balancer.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.ts";
import { until } from "./helpers/until.ts";

// Three `serve` replicas (no in-process workers), two `worker` processes and a
// real agent behind a round-robin TCP balancer, as in a cluster. An operator
// client spreads mutations over the replicas while one replica and one worker
// are SIGKILLed and restarted. The node is an SSH server on loopback.
const NODE_IP = "127.0.0.6";
const SITE = "chaos.example";
// The load runs at least this long and until enough of each kind was accepted.
const RUN_FOR_MS = 24_000;
const ENOUGH = { registrations: 30, builds: 30, runs: 5 };
const token = `test-${randomBytes(16).toString("hex")}`;
const keys = ssh2.utils.generateKeyPairSync("ed25519");

let database: TestDatabase;
let dir: string;
let replicas: Array<ProcessHandle & { url: string }> = [];
let workers: ProcessHandle[] = [];
let balancer: TcpBalancer | undefined;
let sshd: TestSshServer | undefined;
let agent: ResultPromise | undefined;
let agentLog = "";
let countFile = "";
const agentTail = () => `agent log:\n${agentLog.slice(-3000)}`;
const gql = <T>(url: string, query: string, variables: Record<string, unknown> = {}) =>
  gqlData<T>(url, query, variables, token);

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "chaos-"));
  await chmod(dir, 0o755);
  countFile = path.join(dir, "runs.txt");
  const ports = [await freePort(), await freePort(), await freePort()];
  replicas = ports.map((port, i) =>
    serveReplica(database.url, path.join(dir, `serve${i}`), port, token, {
      WORKERS: "false",
    }),
  );
  // One replica migrates first; the others start beside each other.
  await replicas[0]?.start();
  await Promise.all(replicas.slice(1).map((r) => r.start()));
  workers = [0, 1].map(() =>
    provisionerProcess("worker", {
      DATABASE_URL: database.url,
      DATA_DIR: path.join(dir, "serve0"),
      WORKER_CONCURRENCY: "2",
    }),
  );
  await Promise.all(workers.map((w) => w.start()));
  balancer = await startTcpBalancer(ports);
  const first = replicas[0]?.url ?? "";
  await gql(
    first,
    `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: true }) { artifactId } }`,
  );
  const created = await gql<{ createDistributorToken: { token: string } }>(
    first,
    `mutation { createDistributorToken(input: { artifactId: "${SITE}", name: "chaos" }) { token } }`,
  );
  sshd = await startSshServer(NODE_IP, keys.public);
  agent = execa(
    process.execPath,
    [
      binPath,
      "distributor",
      "--server",
      balancer.url,
      "--token",
      created.createDistributorToken.token,
      "--data-dir",
      path.join(dir, "agent"),
    ],
    { env: { LOG_LEVEL: "info", PROVISIONER_HEARTBEAT_SECONDS: "1" }, reject: false, all: true },
  );
  agent.all?.on("data", (chunk: Buffer) => {
    agentLog = (agentLog + chunk.toString()).slice(-20_000);
  });
  await until(
    "the agent online",
    async () => {
      const r = await gql<{ distributors: { edges: Array<{ node: { online: boolean } }> } }>(
        first,
        `{ distributors { edges { node { online } } } }`,
      );
      return r.distributors.edges[0]?.node.online === true;
    },
    60_000,
    agentTail,
  );
}, 180_000);

afterAll(async () => {
  agent?.kill("SIGKILL");
  await agent?.catch(() => undefined);
  await sshd?.stop();
  await balancer?.close();
  await Promise.all([...replicas, ...workers].map((p) => p.kill()));
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("chaos: replicas and workers killed under load", () => {
  it("loses no accepted registration, strands no build, and runs no script twice", async () => {
    const sql = postgres(database.url, { max: 2 });
    try {
      const [node] = await sql<Array<{ id: number }>>`
        insert into localnodes (ip, artifact_id) values (${NODE_IP}, ${SITE}) returning id`;
      const accepted: string[] = [];
      const builds: string[] = [];
      const runs: string[] = [];
      const started = Date.now();
      let turn = 0;
      let killed = false;
      let restarts: Array<Promise<void>> = [];
      const victimReplica = replicas[1] as ProcessHandle;
      const victimWorker = workers[0] as ProcessHandle;
      const enough = () =>
        accepted.length >= ENOUGH.registrations &&
        builds.length >= ENOUGH.builds &&
        runs.length >= ENOUGH.runs;
      while (Date.now() - started < RUN_FOR_MS || restarts.length === 0 || !enough()) {
        if (Date.now() - started > 5 * RUN_FOR_MS) break;
        const elapsed = Date.now() - started;
        if (!killed && elapsed > RUN_FOR_MS / 4) {
          killed = true;
          await Promise.all([victimReplica.kill("SIGKILL"), victimWorker.kill("SIGKILL")]);
        }
        if (killed && restarts.length === 0 && elapsed > RUN_FOR_MS / 2)
          restarts = [victimReplica.start(), victimWorker.start()];
        const url = replicas[turn % replicas.length]?.url ?? "";
        const n = turn++;
        try {
          if (n % 3 === 0) {
            const ip = `10.88.${Math.floor(n / 250)}.${(n % 250) + 1}`;
            const res = await fetch(`${url}/api/localnodes?ip=${ip}&artifactId=${SITE}`, {
              method: "POST",
              signal: AbortSignal.timeout(10_000),
            });
            if (res.ok) accepted.push(ip);
          } else if (n % 3 === 1) {
            const r = await gql<{ createIpxe: { id: string } }>(
              url,
              `mutation($s: String!) { createIpxe(input: { script: $s, platform: "bin-x86_64-efi", driver: "ipxe", extension: "efi" }) { id } }`,
              { s: `#!ipxe\necho build-${n}` },
            );
            builds.push(r.createIpxe.id);
          } else if (n % 9 === 2) {
            const r = await gql<{ runScript: { id: string } }>(
              url,
              `mutation($id: ID!, $s: String!, $k: String!) { runScript(input: { localnodeId: $id, script: $s, privateKey: $k }) { id } }`,
              {
                id: node?.id,
                s: `echo run-${n} >> ${countFile}\necho ran-${n}\n`,
                k: keys.private,
              },
            );
            runs.push(r.runScript.id);
          }
        } catch {
          // The killed replica refuses or drops requests; only answered requests count.
        }
      }
      await Promise.all(restarts);
      expect(killed).toBe(true);
      expect(accepted.length).toBeGreaterThanOrEqual(ENOUGH.registrations);
      expect(builds.length).toBeGreaterThanOrEqual(ENOUGH.builds);
      expect(runs.length).toBeGreaterThanOrEqual(ENOUGH.runs);

      const stored = await sql<Array<{ ip: string }>>`
        select ip from localnodes where artifact_id = ${SITE} and ip like '10.88.%'`;
      const storedIps = new Set(stored.map((r) => r.ip));
      expect(accepted.filter((ip) => !storedIps.has(ip))).toEqual([]);

      await until(
        "every build to finish",
        async () => {
          const [row] = await sql<Array<{ open: number }>>`
            select count(*)::int as open from builds where status in ('QUEUED', 'WORKING')`;
          return row?.open === 0;
        },
        120_000,
        agentTail,
      );
      await until(
        "every script run to finish",
        async () => {
          const [row] = await sql<Array<{ open: number }>>`
            select count(*)::int as open from script_runs where status in ('QUEUED', 'RUNNING')`;
          return row?.open === 0;
        },
        120_000,
        agentTail,
      );
      const failedBuilds =
        await sql`select id from builds where status = 'FAILED' and error is null`;
      expect(failedBuilds).toEqual([]);
      const finished = await sql<
        Array<{ id: number; status: string; error: string | null; output: string }>
      >`
        select id, status, error, output from script_runs order by id`;
      expect(finished.map((r) => String(r.id))).toEqual(expect.arrayContaining(runs));
      for (const run of finished)
        if (run.status === "FAILED") expect(run.error, `run ${run.id}`).toMatch(/\S/);
        else expect(run.status).toBe("DONE");
      const lines = (await readFile(countFile, "utf8").catch(() => "")).split("\n").filter(Boolean);
      expect(lines.length).toBe(new Set(lines).size);
      expect(lines.length).toBe(finished.filter((r) => r.status === "DONE").length);
      expect(await sql`select id from distributor_work`).toEqual([]);
    } finally {
      await sql.end();
    }
  }, 400_000);
});
