/**
 * Issue 3 benchmark (one run, this machine, in-process workers):
 *  - mutation → DONE latency for iPXE bundles (p50/p95 over N sequential builds),
 *  - GRUB image, ISO (median of 5),
 *  - 50 concurrent builds (all must be DONE) and the wall time they take.
 * Uses the machine's PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
 * in a fresh database that is dropped afterwards. Only 127.0.0.1 is contacted.
 * Usage: node bench/builds.ts [--ipxe 40]
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { loadConfig } from "../src/config.ts";
import { applyMigrations } from "../src/db/migrate.ts";
import { createLogger } from "../src/logger.ts";
import { startServer } from "../src/server.ts";
import { gqlData } from "../tests/helpers/gql.ts";

const samples = Number(process.argv[process.argv.indexOf("--ipxe") + 1] || 40);
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `provisioner_bench_${randomBytes(4).toString("hex")}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
})();

type Build = { id: string; status: string; error: string | null };
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;

async function main() {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const dataDir = await mkdtemp(path.join(tmpdir(), "bench-builds-"));
  await applyMigrations(dbUrl);
  const server = await startServer(
    loadConfig({
      DATABASE_URL: dbUrl,
      DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      ADMIN_TOKEN: "bench-token-0123456789",
      LOG_LEVEL: "warn",
    }),
    createLogger("warn"),
  );
  const gql = <T>(query: string, variables: Record<string, unknown> = {}) =>
    gqlData<T>(server.url, query, variables, "bench-token-0123456789");
  // Waits on the event bus (in-process), so polling does not add to the latency measured.
  const done = (id: string) =>
    new Promise<void>((resolve) => {
      const off = server.deps.bus.onLocal("build.changed", async (event) => {
        if ((event as { id: number }).id !== Number(id)) return;
        const { build } = await gql<{ build: Build }>(
          `query($id: ID!) { build(id: $id) { id status error } }`,
          { id },
        );
        if (build.status === "DONE" || build.status === "FAILED") {
          off();
          resolve();
        }
      });
    });
  const timed = async (
    mutation: string,
    input: Record<string, unknown>,
  ): Promise<{ ms: number; id: string }> => {
    const started = performance.now();
    const data = await gql<Record<string, Build>>(
      `mutation($input: ${mutation[0]?.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { id status } }`,
      { input },
    );
    const id = Object.values(data)[0]?.id ?? "";
    const waiting = done(id);
    const { build } = await gql<{ build: Build }>(
      `query($id: ID!) { build(id: $id) { id status error } }`,
      { id },
    );
    if (build.status !== "DONE" && build.status !== "FAILED") await waiting;
    return { ms: performance.now() - started, id };
  };
  try {
    const ipxeInput = {
      script: "#!ipxe\ndhcp\nchain http://10.0.2.2/api/mainscripts/1\n",
      platform: "bin-x86_64-efi",
      driver: "ipxe",
      extension: "efi",
    };
    await timed("createIpxe", ipxeInput); // warm-up
    const ipxe: number[] = [];
    for (let i = 0; i < samples; i++) ipxe.push((await timed("createIpxe", ipxeInput)).ms);

    const grubImg: number[] = [];
    for (let i = 0; i < 5; i++)
      grubImg.push(
        (await timed("createGrub", { label: "BENCH", architecture: "x64", fragment: "img" })).ms,
      );

    const ids = {
      ipxeUefi: (await timed("createIpxe", ipxeInput)).id,
      ipxeBios: (await timed("createIpxe", { ...ipxeInput, platform: "bin", extension: "lkrn" }))
        .id,
      grubImg: (await timed("createGrub", { label: "BENCH", architecture: "x64", fragment: "img" }))
        .id,
      grubEfiX64: (
        await timed("createGrub", { label: "BENCH", architecture: "x64", fragment: "efi" })
      ).id,
      grubEfiX86: (
        await timed("createGrub", { label: "BENCH", architecture: "x86", fragment: "efi" })
      ).id,
      ldLinux: (await timed("createSyslinux", { fragment: "ldlinux.c32" })).id,
      isolinuxBin: (await timed("createSyslinux", { fragment: "isolinux.bin" })).id,
      isohdpfxBin: (await timed("createSyslinux", { fragment: "isohdpfx.bin" })).id,
    };
    const iso: number[] = [];
    for (let i = 0; i < 5; i++) iso.push((await timed("createIso", { label: "BENCH", ...ids })).ms);

    const started = performance.now();
    const concurrent = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? timed("createIpxe", ipxeInput)
          : timed("createGrub", { label: `B${i}`, architecture: "x64", fragment: "efi" }),
      ),
    );
    const wall = performance.now() - started;
    const statuses = await Promise.all(
      concurrent.map(
        async (c) =>
          (
            await gql<{ build: Build }>(`query($id: ID!) { build(id: $id) { id status error } }`, {
              id: c.id,
            })
          ).build.status,
      ),
    );

    const round = (x: number) => Math.round(x * 10) / 10;
    process.stdout.write(
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          ipxeMutationToDoneMs: {
            samples,
            p50: round(quantile(ipxe, 0.5)),
            p95: round(quantile(ipxe, 0.95)),
            max: round(Math.max(...ipxe)),
          },
          grubImgMs: { median: round(quantile(grubImg, 0.5)), max: round(Math.max(...grubImg)) },
          isoMs: { median: round(quantile(iso, 0.5)), max: round(Math.max(...iso)) },
          concurrent50: {
            done: statuses.filter((s) => s === "DONE").length,
            wallMs: Math.round(wall),
            p50Ms: round(
              quantile(
                concurrent.map((c) => c.ms),
                0.5,
              ),
            ),
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

await main();
