/**
 * Issue 2 benchmark, all in one run on this machine:
 *  - GET /api/mainscripts/:id vs nginx serving the same text as a static file,
 *    each server pinned to CPU 0, wrk pinned to CPU 1;
 *  - POST /api/localnodes registrations/s and p99 latency (server on CPU 0);
 *  - `provisioner serve` cold start to ready: empty DATA_DIR and existing one.
 * Only 127.0.0.1 is contacted; every load run is bounded by time.
 * Usage: node bench/boot-endpoints.ts [--seconds 10]
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { gqlData } from "../tests/helpers/gql.ts";
import { until } from "../tests/helpers/until.ts";

const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1] || 10);
const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin/provisioner.js");
const children: ResultPromise[] = [];

type Wrk = { rps: number; p50: number; p99: number; errors: number };

async function wrk(url: string, extra: string[] = [], connections = 32): Promise<Wrk> {
  const { stdout } = await execa("taskset", [
    "-c",
    "1",
    "wrk",
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    "--latency",
    ...extra,
    url,
  ]);
  const ms = (label: string) => {
    const m = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
    if (!m?.[1]) return Number.NaN;
    const v = Number(m[1]);
    return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]),
    p50: ms("50%"),
    p99: ms("99%"),
    errors: Number(errors ?? 0),
  };
}

async function serve(dataDir: string, port: number): Promise<{ ms: number; child: ResultPromise }> {
  const started = performance.now();
  const child = execa("taskset", ["-c", "0", process.execPath, bin, "serve"], {
    env: {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      DATABASE_URL: "",
      ADMIN_TOKEN: "bench-token-0123456789",
    },
    reject: false,
  });
  children.push(child);
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (performance.now() - started > 60_000) throw new Error("serve did not start");
  }
  return { ms: performance.now() - started, child };
}

async function stop(child: ResultPromise) {
  child.kill("SIGTERM");
  await child;
}

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), "bench-"));
  await chmod(dir, 0o755);
  const dataDir = path.join(dir, "data");
  const port = 18_480;
  try {
    const cold = await serve(dataDir, port);
    await stop(cold.child);
    const warm = await serve(dataDir, port);
    const base = `http://127.0.0.1:${port}`;
    const gql = <T>(query: string) => gqlData<T>(base, query, {}, "bench-token-0123456789");
    const script = `#!ipxe\ndhcp\nchain http://10.0.2.2:8080/api/subscripts/1?mac=\${net0/mac}\n${"# padding to a typical menu size\n".repeat(20)}`;
    const created = await gql<{ createMainscript: { id: string } }>(
      `mutation { createMainscript(input: { text: ${JSON.stringify(script)} }) { id } }`,
    );
    await gql(
      `mutation { upsertSite(input: { artifactId: "bench.example", openEnrollment: true }) { artifactId } }`,
    );

    const www = path.join(dir, "www/api/mainscripts");
    await mkdir(www, { recursive: true });
    await writeFile(path.join(www, created.createMainscript.id), script);
    const nginxConf = path.join(dir, "nginx.conf");
    await writeFile(
      nginxConf,
      `worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/nginx-error.log;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  default_type text/plain;\n  server { listen 127.0.0.1:18481; root ${dir}/www; }\n}\n`,
    );
    const nginx = execa("taskset", ["-c", "0", "nginx", "-c", nginxConf, "-p", dir], {
      reject: false,
    });
    children.push(nginx);
    const path1 = `/api/mainscripts/${created.createMainscript.id}`;
    await until(
      "nginx to serve the same text",
      async () => (await (await fetch(`http://127.0.0.1:18481${path1}`)).text()) === script,
      10_000,
    );

    const nginxGet = await wrk(`http://127.0.0.1:18481${path1}`);
    const oursGet = await wrk(`${base}${path1}`);
    const lua = ["-s", path.join(root, "bench/register.lua")];
    // 16 hosts calling home at once, then 32: closed-loop latency grows with callers.
    const register16 = await wrk(`${base}/api/localnodes`, lua, 16);
    const register32 = await wrk(`${base}/api/localnodes`, lua, 32);
    const rss = Number(
      /VmRSS:\s+(\d+)/.exec(
        await readFile(`/proc/${warm.child.pid}/status`, "utf8").catch(() => ""),
      )?.[1] ?? 0,
    );
    nginx.kill("SIGTERM");
    await stop(warm.child);

    const result = {
      date: new Date().toISOString(),
      seconds,
      getScript: { provisioner: oursGet, nginx: nginxGet, ratio: oursGet.rps / nginxGet.rps },
      register: { connections16: register16, connections32: register32 },
      coldStartMs: { emptyDataDir: Math.round(cold.ms), existingDataDir: Math.round(warm.ms) },
      serverRssMiB: Math.round(rss / 1024),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
