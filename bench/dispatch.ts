/**
 * Issue 4 benchmark: work dispatch with 100 connected distributors.
 * A `provisioner serve` child process (machine PostgreSQL, fresh database);
 * 100 graphql-ws clients in this process, each authenticated with its own
 * distributor token and subscribed to distributorWork. Each round changes one
 * random distributor's configuration (updateDistributor) and measures the time
 * from sending the mutation to that distributor receiving its CONFIG work.
 * Then one real `provisioner distributor` process is started and its idle RSS
 * read after 10 s. Only 127.0.0.1 is contacted; rounds are bounded.
 * Usage: node bench/dispatch.ts [--rounds 300]
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { createClient } from "graphql-ws";
import postgres from "postgres";
import { applyMigrations } from "../src/db/migrate.ts";
import { freePort } from "../tests/helpers/free-port.ts";
import { gqlData } from "../tests/helpers/gql.ts";
import { until } from "../tests/helpers/until.ts";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1] || 300);
const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin/provisioner.js");
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `provisioner_bench_${randomBytes(4).toString("hex")}`;
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
const token = "bench-token-0123456789";
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;

async function main() {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await applyMigrations(dbUrl);
  const dir = await mkdtemp(path.join(tmpdir(), "bench-dispatch-"));
  await chmod(dir, 0o755);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = execa(process.execPath, [bin, "serve"], {
    env: {
      DATABASE_URL: dbUrl,
      DATA_DIR: dir,
      PORT: String(port),
      HOST: "127.0.0.1",
      ADMIN_TOKEN: token,
      LOG_LEVEL: "warn",
    },
    reject: false,
  });
  const clients: Array<{ dispose(): unknown }> = [];
  try {
    await until("serve /healthz", async () => (await fetch(`${base}/healthz`)).ok, 60_000);
    const gql = <T>(query: string, variables: Record<string, unknown> = {}) =>
      gqlData<T>(base, query, variables, token);
    const distributors: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < 100; i++) {
      const r = await gql<{
        createDistributorToken: { token: string; distributor: { id: string } };
      }>(
        `mutation($n: String!) { createDistributorToken(input: { artifactId: "bench.example", name: $n }) { token distributor { id } } }`,
        { n: `d${i}` },
      );
      distributors.push({
        id: r.createDistributorToken.distributor.id,
        token: r.createDistributorToken.token,
      });
    }
    const waiting = new Map<string, () => void>();
    let connected = 0;
    await Promise.all(
      distributors.map(
        (d) =>
          new Promise<void>((resolve) => {
            const client = createClient({
              url: `${base.replace("http", "ws")}/graphql`,
              webSocketImpl: WebSocket,
              connectionParams: { authorization: `Bearer ${d.token}` },
            });
            clients.push(client);
            let first = true;
            client.subscribe(
              { query: "subscription { distributorWork { id kind config { range } } }" },
              {
                next: () => {
                  if (first) {
                    first = false;
                    connected++;
                    resolve();
                    return;
                  }
                  waiting.get(d.id)?.();
                },
                error: () => resolve(),
                complete: () => undefined,
              },
            );
          }),
      ),
    );
    const latencies: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const target = distributors[Math.floor(Math.random() * distributors.length)] as {
        id: string;
      };
      const started = performance.now();
      const arrived = new Promise<void>((resolve) => waiting.set(target.id, resolve));
      await gql(
        `mutation($id: ID!, $r: String!) { updateDistributor(input: { id: $id, range: $r }) { id } }`,
        {
          id: target.id,
          r: `10.${i % 200}.0.0/24`,
        },
      );
      await arrived;
      waiting.delete(target.id);
      latencies.push(performance.now() - started);
    }
    for (const c of clients) c.dispose();

    // Idle RSS of one real agent process, connected and doing nothing.
    const agent = execa(
      process.execPath,
      [
        bin,
        "distributor",
        "--server",
        base,
        "--token",
        distributors[0]?.token ?? "",
        "--data-dir",
        path.join(dir, "agent"),
      ],
      {
        env: { LOG_LEVEL: "warn" },
        reject: false,
      },
    );
    await new Promise((r) => setTimeout(r, 10_000));
    const status = await readFile(`/proc/${agent.pid}/status`, "utf8").catch(() => "");
    const children = await execa("pgrep", ["-P", String(agent.pid)], { reject: false });
    const childPid = children.stdout.trim().split("\n")[0];
    const childStatus = childPid
      ? await readFile(`/proc/${childPid}/status`, "utf8").catch(() => "")
      : "";
    const rssOf = (s: string) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024);
    agent.kill("SIGTERM");
    await agent;

    const round = (x: number) => Math.round(x * 10) / 10;
    process.stdout.write(
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          connectedDistributors: connected,
          rounds,
          dispatchMs: {
            p50: round(quantile(latencies, 0.5)),
            p95: round(quantile(latencies, 0.95)),
            p99: round(quantile(latencies, 0.99)),
            max: round(Math.max(...latencies)),
          },
          // bin/provisioner.js re-executes Node 24 when started by an older node; count the process that runs.
          agentIdleRssMiB: Math.max(rssOf(status), rssOf(childStatus)),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    for (const c of clients) c.dispose();
    server.kill("SIGTERM");
    await server;
    await rm(dir, { recursive: true, force: true });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

await main();
