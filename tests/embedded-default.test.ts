import { readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ResultPromise } from "execa";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binPath, provisioner } from "./helpers/cli.ts";
import { until } from "./helpers/until.ts";

let dir: string;
let dataDir: string;
const running = new Set<ResultPromise>();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "embedded-"));
  await chmod(dir, 0o755); // the postgres user has to pass through it
  dataDir = path.join(dir, "data");
});
afterAll(async () => {
  for (const child of running) child.kill("SIGKILL");
  await stopClusterIfLeft();
  await rm(dir, { recursive: true, force: true });
});

function postmasterPid(): number | undefined {
  try {
    return Number(
      readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0],
    );
  } catch {
    return undefined;
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopClusterIfLeft() {
  const pid = postmasterPid();
  if (alive(pid)) process.kill(pid as number, "SIGINT");
}

/** Starts `provisioner serve` with no DATABASE_URL and waits for its ready line. */
async function serve(): Promise<{
  url: string;
  child: ResultPromise;
  ms: number;
  output: () => string;
}> {
  const started = performance.now();
  const child = execa(process.execPath, [binPath, "serve"], {
    env: { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", DATABASE_URL: "", ADMIN_TOKEN: "" },
    extendEnv: true,
    reject: false,
    all: true,
    // execa's default SIGKILL after 5 s would turn a slow but orderly shutdown
    // on a loaded machine into "killed"; the assertion below names the time.
    forceKillAfterDelay: 60_000,
  });
  running.add(child);
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not get ready:\n${output}`)),
      120_000,
    );
    child.all?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)".*provisioner is ready/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.then(() => reject(new Error(`serve exited early:\n${output}`)));
  });
  return { url, child, ms: performance.now() - started, output: () => output };
}

async function stop(child: ResultPromise) {
  const started = performance.now();
  child.kill("SIGTERM");
  const result = await child;
  running.delete(child);
  const ms = Math.round(performance.now() - started);
  return {
    ...result,
    why: `stopped in ${ms} ms, signal ${result.signal ?? "none"}:\n${result.all?.slice(-3000)}`,
  };
}

// Each test starts PostgreSQL (initdb on the first) and migrates: slow on a busy 2-core machine.
const SLOW = 180_000;

describe("provisioner serve on the embedded default", () => {
  it(
    "starts PostgreSQL in an empty DATA_DIR, not as root, and keeps data across restarts",
    async () => {
      const first = await serve();
      const tokenFile = path.join(dataDir, "admin-token");
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      const token = (await readFile(tokenFile, "utf8")).trim();

      const pid = postmasterPid();
      expect(alive(pid)).toBe(true);
      const uid = /Uid:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1];
      expect(uid).not.toBe("0");

      const created = await provisioner(
        ["--server", first.url, "--token", token, "--json", "mainscript", "create", "--file", "-"],
        {
          input: "#!ipxe\necho persisted\n",
        },
      );
      expect(created.exitCode, created.stderr).toBe(0);
      const { id } = JSON.parse(created.stdout) as { id: string };

      const stopped = await stop(first.child);
      expect(stopped.exitCode).toBe(0);
      expect(alive(pid)).toBe(false);

      const second = await serve();
      expect(await (await fetch(`${second.url}/api/mainscripts/${id}`)).text()).toBe(
        "#!ipxe\necho persisted\n",
      );
      // The first start's token still works; no second token was made.
      const ls = await provisioner([
        "--server",
        second.url,
        "--token",
        token,
        "--json",
        "mainscript",
        "ls",
      ]);
      expect(JSON.parse(ls.stdout)).toHaveLength(1);
      expect((await stop(second.child)).exitCode).toBe(0);
    },
    SLOW,
  );

  it(
    "recovers after serve was killed with SIGKILL (orphaned PostgreSQL)",
    async () => {
      const first = await serve();
      const pid = postmasterPid();
      first.child.kill("SIGKILL");
      await first.child;
      running.delete(first.child);
      expect(alive(pid)).toBe(true);
      const second = await serve();
      expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
      expect((await stop(second.child)).exitCode).toBe(0);
    },
    SLOW,
  );

  it(
    "restarts its PostgreSQL when it dies, and says so",
    async () => {
      const running = await serve();
      const token = (await readFile(path.join(dataDir, "admin-token"), "utf8")).trim();
      const list = async () => {
        const ls = await provisioner([
          "--server",
          running.url,
          "--token",
          token,
          "--json",
          "mainscript",
          "ls",
        ]);
        expect(ls.exitCode, ls.stderr).toBe(0);
        return JSON.parse(ls.stdout) as unknown[];
      };
      const before = await list();
      const pid = postmasterPid();
      process.kill(pid as number, "SIGKILL");
      await until(
        "a new postmaster and /healthz 200",
        async () =>
          (await fetch(`${running.url}/healthz`)).status === 200 &&
          alive(postmasterPid()) &&
          postmasterPid() !== pid,
        60_000,
        () => running.output().slice(-3000),
        250,
      );
      expect(running.output()).toContain("embedded PostgreSQL stopped unexpectedly; restarting it");
      expect(running.output()).toContain("embedded PostgreSQL restarted");
      // The data is intact and the API works again without restarting serve.
      expect(await list()).toEqual(before);
      const stopped = await stop(running.child);
      expect(stopped.exitCode, stopped.why).toBe(0);
    },
    SLOW,
  );

  it(
    "`provisioner migrate` applies migrations to the embedded database and exits",
    async () => {
      const result = await provisioner(["migrate"], {
        env: { DATA_DIR: dataDir, DATABASE_URL: "", ADMIN_TOKEN: "" },
      });
      expect(result.exitCode, result.stderr + result.stdout).toBe(0);
      expect(result.stdout).toMatch(/migrations applied/);
      expect(alive(postmasterPid())).toBe(false);
    },
    SLOW,
  );

  it(
    "refuses a bad configuration with every problem named",
    async () => {
      const result = await provisioner(["serve"], {
        env: { PORT: "99999", DATABASE_URL: "mysql://x", DATA_DIR: dataDir },
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toBe(
        [
          "provisioner: invalid configuration:",
          "  PORT: Too big: expected number to be <=65535",
          "  DATABASE_URL: must be a postgres:// or postgresql:// URL",
        ].join("\n"),
      );
    },
    SLOW,
  );
});
