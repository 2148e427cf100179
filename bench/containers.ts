/**
 * Issue 8 benchmark: the container images on this machine (podman, see scripts/build-images.sh).
 *  - size of each image (and of the debootstrapped base);
 *  - cold start of each container to ready, images already built: `serve` to /healthz 200,
 *    `worker` to its "worker is ready" log line, `distributor` to online on the server;
 *  - `podman kube play` of deploy/overlays/podman (two serve pods + one worker pod, host
 *    network) to /healthz 200 on both serve pods.
 * Each measurement runs `--runs` times (default 3) against a fresh database in the machine's
 * PostgreSQL; only 127.0.0.1 is contacted. Usage: node bench/containers.ts [--runs 3]
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { stringify } from "yaml";
import { DEPLOY_DIR, find, renderKustomization } from "../tests/deploy/render.ts";
import { databaseUrl, withAdmin } from "../tests/helpers/admin-database.ts";
import { freePort } from "../tests/helpers/free-port.ts";
import { gqlData } from "../tests/helpers/gql.ts";
import { ensureImage } from "../tests/helpers/images.ts";
import { until } from "../tests/helpers/until.ts";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 3);
const root = path.resolve(import.meta.dirname, "..");
const LIMIT_MS = 120_000;

async function podman(args: string[]): Promise<string> {
  return (await execa("podman", args, { timeout: LIMIT_MS })).stdout;
}

const healthy = async (port: number) =>
  (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200;

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `provisioner_bench_${randomBytes(5).toString("hex")}`;
  await withAdmin((sql) => sql.unsafe(`create database ${name}`));
  try {
    return await fn(databaseUrl(name));
  } finally {
    await withAdmin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const secs = (ms: number) => (ms / 1000).toFixed(1);

async function serveRun(db: string, port: number, token: string, name: string): Promise<void> {
  await podman([
    "run",
    "-d",
    "--rm",
    "--name",
    name,
    "--network",
    "host",
    "--read-only",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/var/lib/provisioner:rw,mode=1777",
    "-e",
    `DATABASE_URL=${db}`,
    "-e",
    `PORT=${port}`,
    "-e",
    "HOST=127.0.0.1",
    "-e",
    `ADMIN_TOKEN=${token}`,
    "-e",
    "WORKERS=false",
    "localhost/provisioner-serve:latest",
  ]);
}

async function main() {
  for (const image of ["serve", "worker", "distributor"] as const) await ensureImage(image);
  console.log("## Image sizes (podman image inspect .Size)");
  for (const image of [
    "docker.io/library/debian:trixie-slim",
    "localhost/provisioner-serve:latest",
    "localhost/provisioner-worker:latest",
    "localhost/provisioner-distributor:latest",
  ]) {
    const bytes = Number(await podman(["image", "inspect", "--format", "{{.Size}}", image]));
    console.log(`${image}: ${(bytes / 1e6).toFixed(1)} MB`);
  }

  const serveMs: number[] = [];
  const workerMs: number[] = [];
  const distributorMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    await withDatabase(async (db) => {
      const token = `bench-${randomBytes(16).toString("hex")}`;
      const port = await freePort();
      const serve = `bench-serve-${randomBytes(3).toString("hex")}`;
      const worker = `bench-worker-${randomBytes(3).toString("hex")}`;
      const dist = `bench-dist-${randomBytes(3).toString("hex")}`;
      try {
        // serve on an empty database: migrations included, as a first pod of a rollout.
        let t = performance.now();
        await serveRun(db, port, token, serve);
        await until("serve /healthz", () => healthy(port), LIMIT_MS);
        serveMs.push(performance.now() - t);

        t = performance.now();
        await podman([
          "run",
          "-d",
          "--rm",
          "--name",
          worker,
          "--network",
          "host",
          "--read-only",
          "--tmpfs",
          "/tmp",
          "-e",
          `DATABASE_URL=${db}`,
          "localhost/provisioner-worker:latest",
        ]);
        await until(
          "worker ready",
          async () => (await podman(["logs", worker])).includes("worker is ready"),
          LIMIT_MS,
        );
        workerMs.push(performance.now() - t);

        const base = `http://127.0.0.1:${port}`;
        const created = await gqlData<{
          createDistributorToken: { token: string; distributor: { id: string } };
        }>(
          base,
          'mutation { createDistributorToken(input: { artifactId: "bench.example", name: "bench" }) { token distributor { id } } }',
          {},
          token,
        );
        const { token: distToken, distributor } = created.createDistributorToken;
        t = performance.now();
        await podman([
          "run",
          "-d",
          "--rm",
          "--name",
          dist,
          "--network",
          "host",
          "--read-only",
          "--cap-drop=all",
          "--cap-add=NET_ADMIN",
          "--cap-add=NET_BIND_SERVICE",
          "--cap-add=NET_RAW",
          "--cap-add=SETUID",
          "--cap-add=SETGID",
          "--tmpfs",
          "/var/lib/provisioner-distributor",
          "-e",
          `PROVISIONER_TOKEN=${distToken}`,
          "-e",
          "PROVISIONER_HEARTBEAT_SECONDS=1",
          "localhost/provisioner-distributor:latest",
          "--server",
          `http://127.0.0.1:${port}`,
        ]);
        await until(
          "distributor online",
          async () => {
            const d = await gqlData<{ distributor: { online: boolean } }>(
              base,
              `{ distributor(id: "${distributor.id}") { online } }`,
              {},
              token,
            );
            return d.distributor.online;
          },
          LIMIT_MS,
        );
        distributorMs.push(performance.now() - t);
      } finally {
        for (const name of [dist, worker, serve])
          await execa("podman", ["rm", "-f", "-t", "3", name], { reject: false });
      }
    });
  }
  console.log("\n## Cold start to ready (median of", runs, "runs; all runs in s)");
  console.log(
    `serve → /healthz 200 (empty database, migrations included): ${secs(median(serveMs))} s [${serveMs.map(secs).join(", ")}]`,
  );
  console.log(
    `worker → "worker is ready": ${secs(median(workerMs))} s [${workerMs.map(secs).join(", ")}]`,
  );
  console.log(
    `distributor → online on the server: ${secs(median(distributorMs))} s [${distributorMs.map(secs).join(", ")}]`,
  );

  const playMs: number[] = [];
  const objects = await renderKustomization(path.join(DEPLOY_DIR, "overlays/podman"));
  for (let i = 0; i < runs; i++) {
    await withDatabase(async (db) => {
      const ports = [await freePort(), await freePort()];
      const token = `bench-${randomBytes(16).toString("hex")}`;
      const config = structuredClone(find(objects, "ConfigMap", "provisioner-config"));
      config.data = {
        ...(config.data as object),
        PUBLIC_URL: `http://127.0.0.1:${ports[0]}`,
        S3_ENDPOINT: "",
      };
      const secrets = structuredClone(find(objects, "ConfigMap", "provisioner-secrets"));
      secrets.data = { ADMIN_TOKEN: token, DATABASE_URL: db, S3_ACCESS_KEY: "", S3_SECRET_KEY: "" };
      const serve = find(objects, "Deployment", "provisioner-serve");
      const copies = ports.map((port, n) => {
        const copy = structuredClone(serve) as typeof serve & {
          spec: {
            replicas: number;
            template: {
              spec: { containers: Array<{ env?: Array<{ name: string; value: string }> }> };
            };
          };
        };
        copy.metadata.name = `provisioner-serve-${n}`;
        copy.spec.replicas = 1;
        for (const c of copy.spec.template.spec.containers)
          c.env = [
            ...(c.env ?? []).filter((e) => e.name !== "PORT"),
            { name: "PORT", value: String(port) },
          ];
        return copy;
      });
      const file = path.join(root, `.tmp/bench-kube-play-${process.pid}.yaml`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(
        file,
        [config, secrets, ...copies, find(objects, "Deployment", "provisioner-worker")]
          .map((o) => stringify(o))
          .join("---\n"),
      );
      const t = performance.now();
      try {
        await podman(["kube", "play", file]);
        for (const port of ports) await until(`pod on ${port}`, () => healthy(port), LIMIT_MS);
        playMs.push(performance.now() - t);
      } finally {
        await execa("podman", ["kube", "down", file], { reject: false, timeout: LIMIT_MS });
        await rm(file, { force: true });
      }
    });
  }
  console.log(
    `\n## podman kube play (deploy/overlays/podman: 2 serve pods + 1 worker pod) → /healthz 200 on both`,
  );
  console.log(`${secs(median(playMs))} s [${playMs.map(secs).join(", ")}]`);
}

await main();
