import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** Where builds work; each build's directory names the process that made it. */
export const BUILD_DIR_ROOT = path.join(tmpdir(), "provisioner-builds");

const NAME = /^build-[0-9]+-([0-9]+)-/;

export async function makeBuildDir(buildId: number): Promise<string> {
  await mkdir(BUILD_DIR_ROOT, { recursive: true, mode: 0o700 });
  return mkdtemp(path.join(BUILD_DIR_ROOT, `build-${buildId}-${process.pid}-`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A worker killed mid-build (SIGKILL, OOM, power) never runs its cleanup; the next
 * worker on the host removes what such workers left. Directories of live processes
 * (another worker on this host) stay.
 */
export async function removeStaleBuildDirs(): Promise<string[]> {
  const names = await readdir(BUILD_DIR_ROOT).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const pid = Number(NAME.exec(name)?.[1]);
    return pid > 0 && pid !== process.pid && !alive(pid);
  });
  await Promise.all(
    stale.map((name) => rm(path.join(BUILD_DIR_ROOT, name), { recursive: true, force: true })),
  );
  return stale;
}
