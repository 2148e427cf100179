import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { BUILD_DIR_ROOT } from "../src/jobs/build-dirs.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

let server: TestServer | undefined;
afterAll(() => server?.stop());

const exists = (dir: string) =>
  stat(dir).then(
    () => true,
    () => false,
  );

describe("build directories of killed workers (point 11)", () => {
  it("are removed when a worker starts; those of live processes stay", async () => {
    // A process that has exited: its pid names a worker that died mid-build.
    const gone = await execa(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const deadPid = Number(gone.stdout);
    const stale = path.join(BUILD_DIR_ROOT, `build-4242-${deadPid}-killed`);
    const live = path.join(BUILD_DIR_ROOT, `build-4243-${process.pid}-running`);
    for (const dir of [stale, live]) {
      await mkdir(path.join(dir, "out"), { recursive: true });
      await writeFile(path.join(dir, "out", "partial.iso"), Buffer.alloc(4 * 1024 * 1024));
    }
    server = await startTestServer({ WORKERS: "true" });
    expect(await exists(stale)).toBe(false);
    expect(await exists(live)).toBe(true);
    expect(
      server.logs.some(
        (l) => l.includes("killed mid-build") && l.includes(stale.split("/").at(-1) ?? "?"),
      ),
    ).toBe(true);
  });
});
