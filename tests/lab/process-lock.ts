import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * A lock across processes (vitest workers) that a process holds as a whole: the first
 * `take` in a process makes the lock directory (with the process's pid in it), later
 * takes in the same process share it, and the directory goes when the last share is
 * released. Other processes wait for it; a directory whose owner process is gone, or
 * that has no owner after 10 s, is a leftover of a killed run and is taken over.
 *
 * Used for the lab's VMs: the machines have 2 cores, so one test file's VMs run at a
 * time, and a file that needs two at once (the tutorial's WireGuard peers) still can.
 */
export type TakeLock = (timeoutMs: number) => Promise<() => Promise<void>>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function processLock(path: string, pollMs = 1000): TakeLock {
  /** This process's hold: how many shares use it, and when the directory was made. */
  let held: { count: number; taken: Promise<void> } | undefined;

  async function lockDirectory(timeoutMs: number): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await mkdir(path);
        await writeFile(join(path, "pid"), String(process.pid));
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const owner = Number(await readFile(join(path, "pid"), "utf8").catch(() => "0"));
      const age = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0);
      if ((owner === 0 && age > 10_000) || (owner !== 0 && !alive(owner))) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another process holds ${path} (pid ${owner})`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  return async (timeoutMs) => {
    if (!held) {
      const hold = { count: 0, taken: lockDirectory(timeoutMs) };
      held = hold;
      // A failed take must not leave a hold that later takes in this process would trust.
      hold.taken.catch(() => {
        if (held === hold) held = undefined;
      });
    }
    const hold = held;
    hold.count++;
    try {
      await hold.taken;
    } catch (error) {
      hold.count--;
      throw error;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      hold.count--;
      if (hold.count === 0 && held === hold) {
        held = undefined;
        await rm(path, { recursive: true, force: true });
      }
    };
  };
}
