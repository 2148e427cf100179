import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BUILD_FIELDS, type BuildView, createIpxe, waitForBuild } from "./helpers/builds.ts";
import { binPath } from "./helpers/cli.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { until } from "./helpers/until.ts";

// The server runs no workers here: separate `provisioner worker` processes do the builds.
let server: TestServer;
let stubs: string;
const workers = new Set<ResultPromise>();

beforeAll(async () => {
  server = await startTestServer({ WORKERS: "false" });
  stubs = await mkdtemp(path.join(tmpdir(), "tool-stubs-"));
  // Stand-ins for grub-mkstandalone at the edge we cannot break for real: one
  // fails like a broken tool, one is the real tool but slow (to kill mid-build).
  await mkdir755(path.join(stubs, "failing"));
  await mkdir755(path.join(stubs, "slow"));
  await script(
    path.join(stubs, "failing", "grub-mkstandalone"),
    'echo "grub-mkstandalone: error: simulated disk full" >&2\nexit 3\n',
  );
  await script(
    path.join(stubs, "slow", "grub-mkstandalone"),
    'sleep 120\nexec /usr/bin/grub-mkstandalone "$@"\n',
  );
});
afterEach(async () => {
  for (const worker of workers) worker.kill("SIGKILL");
  await Promise.allSettled(workers);
  workers.clear();
  // A worker killed with SIGKILL leaves its tool running (here: the slow stand-in's
  // sleep); nothing of this test may outlive it.
  await execa("pkill", ["-KILL", "-f", stubs], { reject: false });
});
afterAll(async () => {
  await server?.stop();
  await rm(stubs, { recursive: true, force: true });
});

async function mkdir755(dir: string) {
  await mkdir(dir, { recursive: true, mode: 0o755 });
}

async function script(file: string, body: string) {
  await writeFile(file, `#!/bin/sh\n${body}`);
  await chmod(file, 0o755);
}

function startWorker(pathPrefix?: string, concurrency = 2): ResultPromise {
  const worker = execa(process.execPath, [binPath, "worker"], {
    env: {
      DATABASE_URL: server.database.url,
      DATA_DIR: server.dataDir,
      LOG_LEVEL: "info",
      WORKER_CONCURRENCY: String(concurrency),
      PATH: pathPrefix ? `${pathPrefix}:${process.env.PATH}` : (process.env.PATH ?? ""),
    },
    reject: false,
    all: true,
  });
  workers.add(worker);
  return worker;
}

async function createGrub(label: string): Promise<BuildView> {
  const r = await server.gql<{ createGrub: BuildView }>(
    `mutation($label: String!) { createGrub(input: { label: $label, architecture: "x64", fragment: "efi" }) { ${BUILD_FIELDS} } }`,
    { label },
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createGrub;
}

async function statusOf(id: string): Promise<string> {
  const r = await server.gql<{ build: { status: string } }>(
    `query($id: ID!) { build(id: $id) { status } }`,
    { id },
  );
  return r.data?.build.status ?? "?";
}

describe("provisioner worker processes", () => {
  it("one slow build holds back none of the other slots", async () => {
    startWorker(path.join(stubs, "slow"), 3);
    const slow = await createGrub("SLOWONE");
    await until(
      "the slow build to start",
      async () => (await statusOf(slow.id)) === "WORKING",
      60_000,
    );
    const fast = await Promise.all(
      Array.from({ length: 4 }, () =>
        createIpxe(server, {
          script: "#!ipxe\nshell",
          platform: "bin-x86_64-efi",
          driver: "ipxe",
          extension: "efi",
        }),
      ),
    );
    const done = await Promise.all(fast.map((b) => waitForBuild(server, b.id, 30_000)));
    expect(done.map((b) => b.status)).toEqual(["DONE", "DONE", "DONE", "DONE"]);
    // The slow one (two minutes of sleep) is still in its slot meanwhile.
    expect(await statusOf(slow.id)).toBe("WORKING");
  }, 120_000);

  it("several workers at once take the queued builds to DONE", async () => {
    const builds = await Promise.all(Array.from({ length: 6 }, (_, i) => createGrub(`MEDIA${i}`)));
    expect(builds.every((b) => b.status === "QUEUED")).toBe(true);
    startWorker();
    startWorker();
    const done = await Promise.all(builds.map((b) => waitForBuild(server, b.id, 90_000)));
    expect(done.map((b) => b.status)).toEqual(Array(6).fill("DONE"));
    const zip = await fetch(
      done[0]?.files[0]?.url.replace(/^http:\/\/localhost:\d+/, server.url) ?? "",
    );
    expect(zip.headers.get("content-type")).toBe("application/zip");
  }, 120_000);

  it("a failing tool ends the build FAILED with its stderr summarised", async () => {
    startWorker(path.join(stubs, "failing"));
    const build = await createGrub("BROKEN");
    const failed = await waitForBuild(server, build.id, 60_000);
    expect(failed.status).toBe("FAILED");
    // The command (its temporary paths vary), its exit code and its stderr, nothing else.
    expect(failed.error).toMatch(
      /^grub-mkstandalone --format x86_64-efi --directory \/usr\/lib\/grub\/x86_64-efi --output \S+\/BOOTX64\.EFI .*: exited with code 3\ngrub-mkstandalone: error: simulated disk full$/,
    );
    expect(failed.files).toEqual([]);
  }, 90_000);

  it("a worker killed with SIGKILL mid-build: after a restart the build still ends DONE", async () => {
    const slow = startWorker(path.join(stubs, "slow"));
    const build = await createGrub("KILLED");
    await until("the build to start", async () => (await statusOf(build.id)) === "WORKING", 60_000);
    slow.kill("SIGKILL");
    await slow;
    workers.delete(slow);
    expect(await statusOf(build.id)).toBe("WORKING");
    startWorker();
    const finished = await waitForBuild(server, build.id, 90_000);
    expect(finished.status).toBe("DONE");
  }, 150_000);
});
