import { access, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { processLock } from "./process-lock.ts";

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

let dir: string;
let lock: string;
let other: ResultPromise | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "process-lock-"));
  lock = join(dir, "vm.lock");
});

afterEach(async () => {
  other?.kill("SIGKILL");
  await other;
  other = undefined;
  await rm(dir, { recursive: true, force: true });
});

/**
 * Another live process "holds" the lock: its pid in the directory, as its take would
 * write. Returns the pid (the process itself is `other`, killed after each test).
 */
async function heldByAnotherProcess(): Promise<number> {
  other = execa("sleep", ["600"], { reject: false });
  if (!other.pid) throw new Error("sleep did not start");
  await mkdir(lock);
  await writeFile(join(lock, "pid"), String(other.pid));
  return other.pid;
}

describe("processLock (the lab's VM lock)", () => {
  it("is shared by the takes of one process and removed with the last release", async () => {
    const take = processLock(lock, 20);
    const [first, second] = await Promise.all([take(1000), take(1000)]);
    expect(await readFile(join(lock, "pid"), "utf8")).toBe(String(process.pid));
    await first();
    await first();
    expect(await exists(lock)).toBe(true);
    await second();
    expect(await exists(lock)).toBe(false);
  });

  it("makes a process wait while another live process holds it, then lets all its takes in", async () => {
    const owner = await heldByAnotherProcess();
    const take = processLock(lock, 20);
    await expect(take(200)).rejects.toThrow(`another process holds ${lock} (pid ${owner})`);

    let granted = 0;
    const waiting = [take(5000), take(5000)].map((p) =>
      p.then((release) => {
        granted++;
        return release;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(granted).toBe(0);
    // The other process releases its hold.
    await rm(lock, { recursive: true });
    const releases = await Promise.all(waiting);
    expect(granted).toBe(2);
    expect(await readFile(join(lock, "pid"), "utf8")).toBe(String(process.pid));
    for (const release of releases) await release();
    expect(await exists(lock)).toBe(false);
  });

  it("takes over a lock whose owner process is gone", async () => {
    await heldByAnotherProcess();
    other?.kill("SIGKILL");
    await other;
    const release = await processLock(lock, 20)(1000);
    expect(await readFile(join(lock, "pid"), "utf8")).toBe(String(process.pid));
    await release();
  });
});
