import { createHash, randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { databaseUrl, withAdmin } from "../helpers/admin-database.ts";
import { type BuildView, createIpxe, waitForBuild } from "../helpers/builds.ts";
import { freePort } from "../helpers/free-port.ts";
import { gql, gqlData } from "../helpers/gql.ts";
import { ensureImage } from "../helpers/images.ts";
import { type S3Server, startS3Server } from "../helpers/s3-server.ts";
import { until } from "../helpers/until.ts";
import { podman, podmanLogs } from "./podman.ts";
import { DEPLOY_DIR, find, type K8sObject, renderKustomization } from "./render.ts";

/**
 * The Kubernetes Deployments of deploy/ run for real as pods: `podman kube play` of the
 * `podman` overlay (the base with the locally built images, host networking and the
 * Secret's values in a ConfigMap, which podman 4.3 needs), against a fresh database in the
 * machine's PostgreSQL (127.0.0.1:5432) and an S3 server (s3rver) on loopback.
 *
 * Host networking puts every pod on the host's ports, so the serve Deployment's two pods
 * cannot both listen on 8080: the test plays it as two single-replica copies (-a, -b) whose
 * only difference is PORT. Services, the Ingress and probes are not exercised here (podman
 * skips Services; the probes are checked by the test through /healthz itself).
 *
 * Then the flow through the pods: scripts created through pod A, builds run by the worker
 * pod alone (the serve pods have WORKERS=false), their files stored in S3 and downloaded
 * from pod B; a node registered through A is listed by B.
 */

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACT_ID = "kube.play.test";

let database: string | undefined;
let s3: S3Server | undefined;
let playFile: string | undefined;
let token: string;
let portA: number;
let portB: number;
const cleanups: Array<() => Promise<unknown>> = [];
const pods = {
  serveA: "provisioner-serve-a-pod-0",
  serveB: "provisioner-serve-b-pod-0",
  worker: "provisioner-worker-pod-0",
};

async function context(): Promise<string> {
  return (
    await Promise.all([
      podmanLogs("pod", pods.serveA, 30),
      podmanLogs("pod", pods.serveB, 30),
      podmanLogs("pod", pods.worker, 30),
    ])
  ).join("\n");
}

type Gql = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;
const gqlAt =
  (port: number): Gql =>
  <T>(query: string, variables?: Record<string, unknown>) =>
    gqlData<T>(`http://127.0.0.1:${port}`, query, variables, token);
/** The test helpers' shape: GraphQL result with status, data and errors. */
const helperGql = (port: number) => ({
  gql: <T>(query: string, variables?: Record<string, unknown>) =>
    gql<T>(`http://127.0.0.1:${port}`, query, variables, token),
});

type Container = { name: string; env?: Array<{ name: string; value?: string }> };
type Deployment = K8sObject & {
  spec: { replicas: number; template: { spec: { containers: Container[] } } };
};

/** The serve Deployment as copy `suffix` with one replica listening on `port`. */
function serveCopy(serve: Deployment, suffix: string, port: number): Deployment {
  const copy = structuredClone(serve);
  copy.metadata.name = `provisioner-serve-${suffix}`;
  copy.spec.replicas = 1;
  for (const c of copy.spec.template.spec.containers) {
    c.env = [
      ...(c.env ?? []).filter((e) => e.name !== "PORT"),
      { name: "PORT", value: String(port) },
    ];
  }
  return copy;
}

beforeAll(async () => {
  await Promise.all([ensureImage("serve"), ensureImage("worker")]);
  const objects = await renderKustomization(join(DEPLOY_DIR, "overlays/podman"));

  database = `provisioner_kube_${randomBytes(6).toString("hex")}`;
  const name = database;
  await withAdmin((sql) => sql.unsafe(`create database ${name}`));
  cleanups.push(() =>
    withAdmin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`)),
  );
  const started = await startS3Server();
  s3 = started;
  cleanups.push(() => started.stop());

  token = `kube-${randomBytes(16).toString("hex")}`;
  [portA, portB] = [await freePort(), await freePort()];
  const config = find(objects, "ConfigMap", "provisioner-config");
  config.data = {
    ...(config.data as Record<string, string>),
    PUBLIC_URL: `http://127.0.0.1:${portA}`,
    S3_ENDPOINT: started.endpoint,
    S3_BUCKET: "kube-play",
  };
  const secrets = find(objects, "ConfigMap", "provisioner-secrets");
  secrets.data = {
    ADMIN_TOKEN: token,
    DATABASE_URL: databaseUrl(name),
    S3_ACCESS_KEY: started.accessKey,
    S3_SECRET_KEY: started.secretKey,
  };
  const serve = find(objects, "Deployment", "provisioner-serve") as Deployment;
  const worker = find(objects, "Deployment", "provisioner-worker");
  const play = [
    config,
    secrets,
    serveCopy(serve, "a", portA),
    serveCopy(serve, "b", portB),
    worker,
  ];

  await mkdir(join(REPO, ".tmp"), { recursive: true });
  playFile = join(REPO, `.tmp/kube-play-${process.pid}.yaml`);
  await writeFile(playFile, play.map((o) => stringify(o)).join("---\n"));
  const file = playFile;
  cleanups.push(async () => {
    await podman(["kube", "down", file]).catch(() => undefined);
    // `kube down` leaves the pods of a play that failed half-way: remove them by name.
    for (const pod of Object.values(pods))
      await podman(["pod", "rm", "-f", pod]).catch(() => undefined);
    await rm(file, { force: true });
  });
  await podman(["kube", "play", file], 300_000);
}, 2_700_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
}, 120_000);

describe("podman kube play: two serve pods and a worker pod from the built images", () => {
  test("both serve pods answer /healthz; every container runs as uid 10001", {
    timeout: 120_000,
  }, async () => {
    for (const port of [portA, portB]) {
      const body = await until(
        `/healthz on port ${port}`,
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
          return res?.status === 200 ? res.text() : undefined;
        },
        90_000,
        () => "see pod logs",
        500,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await context()}`);
      });
      expect(body).toBe("ok\n");
    }
    // The liveness probe, as podman runs it (a health check of the container).
    for (const container of [`${pods.serveA}-serve`, `${pods.serveB}-serve`]) {
      await podman(["healthcheck", "run", container]);
    }
    for (const container of [
      `${pods.serveA}-serve`,
      `${pods.serveB}-serve`,
      `${pods.worker}-worker`,
    ]) {
      expect(await podman(["exec", container, "id", "-u"]), container).toBe("10001");
    }
  });

  test("scripts through pod A; the worker pod builds an iPXE bundle and an ISO into S3; pod B serves the files", {
    timeout: 300_000,
  }, async () => {
    const a = gqlAt(portA);
    const main = await a<{ createMainscript: { id: string } }>(
      "mutation($input: CreateMainscriptInput!) { createMainscript(input: $input) { id } }",
      { input: { text: "#!ipxe\necho kube-play\n" } },
    );
    const script = `#!ipxe\ndhcp\nchain http://127.0.0.1:${portA}/api/mainscripts/${main.createMainscript.id}\n`;
    // Through pod B: the script pod A stored.
    const served = await fetch(
      `http://127.0.0.1:${portB}/api/mainscripts/${main.createMainscript.id}`,
    );
    expect(await served.text()).toBe("#!ipxe\necho kube-play\n");

    const via = { a: helperGql(portA), b: helperGql(portB) };
    const build = async (mutation: string, input: Record<string, string>): Promise<BuildView> => {
      const created = await a<Record<string, { id: string }>>(
        `mutation($input: ${mutation[0]?.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { id } }`,
        { input },
      );
      const id = created[mutation]?.id ?? "";
      const done = await waitForBuild(via.b, id, 120_000);
      if (done.status !== "DONE") throw new Error(`${mutation}: ${done.error}\n${await context()}`);
      return done;
    };
    const uefi = await waitForBuild(
      via.b,
      (
        await createIpxe(via.a, {
          script,
          platform: "bin-x86_64-efi",
          driver: "ipxe",
          extension: "efi",
        })
      ).id,
      120_000,
    );
    expect(uefi.status, await context()).toBe("DONE");
    const bios = await build("createIpxe", {
      script,
      platform: "bin",
      driver: "ipxe",
      extension: "lkrn",
    });
    const iso = await build("createIso", {
      label: "KUBEPLAY",
      ipxeUefi: uefi.id,
      ipxeBios: bios.id,
      grubImg: (
        await build("createGrub", { label: "KUBEPLAY", architecture: "x64", fragment: "img" })
      ).id,
      grubEfiX64: (
        await build("createGrub", { label: "KUBEPLAY", architecture: "x64", fragment: "efi" })
      ).id,
      grubEfiX86: (
        await build("createGrub", { label: "KUBEPLAY", architecture: "x86", fragment: "efi" })
      ).id,
      ldLinux: (await build("createSyslinux", { fragment: "ldlinux.c32" })).id,
      isolinuxBin: (await build("createSyslinux", { fragment: "isolinux.bin" })).id,
      isohdpfxBin: (await build("createSyslinux", { fragment: "isohdpfx.bin" })).id,
    });
    expect(iso.files.map((f) => f.name)).toEqual(["dist.iso"]);

    // Only the worker pod runs jobs: its log names the builds, the serve pods' logs do not.
    const workerLog = await podman(["logs", `${pods.worker}-worker`]);
    const serveLogs = (
      await Promise.all([
        podman(["logs", `${pods.serveA}-serve`]),
        podman(["logs", `${pods.serveB}-serve`]),
      ])
    ).join("\n");
    for (const b of [uefi, bios, iso]) {
      expect(workerLog).toMatch(new RegExp(`"buildId":"?${b.id}"?[^\\n]*"build done"`));
      expect(serveLogs).not.toMatch(new RegExp(`"buildId":"?${b.id}"?[^\\n]*"build done"`));
    }

    // The files went into the S3 bucket, and pod B serves them byte for byte.
    const puts = s3?.requests
      .filter((r) => r.method === "PUT" && r.status === 200)
      .map((r) => r.path);
    for (const file of [...uefi.files, ...iso.files]) {
      expect(
        puts?.some((p) => p.includes(file.sha256)),
        file.name,
      ).toBe(true);
      const url = new URL(file.url);
      expect(url.origin).toBe(`http://127.0.0.1:${portA}`);
      const res = await fetch(`http://127.0.0.1:${portB}${url.pathname}`);
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBe(file.size);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(file.sha256);
    }
    // An ISO 9660 image: "CD001" at byte 32769.
    const isoBytes = Buffer.from(
      await (
        await fetch(`http://127.0.0.1:${portB}${new URL(iso.files[0]?.url ?? "").pathname}`)
      ).arrayBuffer(),
    );
    expect(isoBytes.subarray(32769, 32774).toString("latin1")).toBe("CD001");
  });

  test("a node registered through pod A is listed by pod B", { timeout: 60_000 }, async () => {
    await gqlAt(portA)(
      `mutation { upsertSite(input: { artifactId: "${ARTIFACT_ID}", openEnrollment: true }) { artifactId } }`,
    );
    const res = await fetch(
      `http://127.0.0.1:${portA}/api/localnodes?ip=10.98.0.7&artifactId=${ARTIFACT_ID}&pingable=true`,
      { method: "POST" },
    );
    expect(res.status).toBe(200);
    const listed = await gqlAt(portB)<{
      localnodes: {
        totalCount: number;
        edges: Array<{ node: { ip: string; artifactId: string } }>;
      };
    }>(
      `{ localnodes(artifactId: "${ARTIFACT_ID}") { totalCount edges { node { ip artifactId } } } }`,
    );
    expect(listed.localnodes.totalCount).toBe(1);
    expect(listed.localnodes.edges[0]?.node).toEqual({ ip: "10.98.0.7", artifactId: ARTIFACT_ID });
  });
});
