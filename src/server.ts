import { createCallerAuth } from "./auth/caller-auth.ts";
import {
  type BootstrapResult,
  bootstrapOperatorToken,
  createOperatorAuth,
} from "./auth/operator-tokens.ts";
import { type Config, ConfigError } from "./config.ts";
import { connectDatabase } from "./db/connection.ts";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "./db/embedded.ts";
import { watchDatabase } from "./db/health.ts";
import { applyMigrations } from "./db/migrate.ts";
import { startEventBus } from "./events/bus.ts";
import { buildApp } from "./http/app.ts";
import { removeStaleBuildDirs } from "./jobs/build-dirs.ts";
import { failAbandonedBuild, runBuildJob } from "./jobs/build-worker.ts";
import { startJobQueue } from "./jobs/queue.ts";
import type { Logger } from "./logger.ts";
import { deleteOldBootEvents } from "./resolvers/boot-events.ts";
import type { Deps } from "./resolvers/deps.ts";
import { markSilentDistributorsOffline } from "./resolvers/distributors.ts";
import { expireDistributorWork } from "./resolvers/node-operations.ts";
import { openArtifactStore } from "./storage/index.ts";
import { createWorkQueue } from "./work/distributor-work.ts";
import { startPeriodic } from "./work/periodic.ts";

export type RunningServer = {
  url: string;
  databaseUrl: string;
  deps: Deps;
  /** Where the operator token came from on this start (`created` only on the very first). */
  operatorToken: BootstrapResult;
  stop(): Promise<void>;
};
/** One step of an ordered shutdown, named so a slow step can be told apart. */
type Cleanup = { name: string; run: () => Promise<void> | void };

/** Resolves DATABASE_URL, or starts the embedded PostgreSQL in DATA_DIR when it is unset. */
export async function resolveDatabase(
  config: Config,
  log: Logger,
): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const embedded = await startEmbeddedPostgres(config.dataDir, log);
  return { url: embedded.url, embedded };
}

const SLOW_STEP_MS = 2000;

async function runAll(cleanups: Cleanup[], log: Logger): Promise<void> {
  for (const cleanup of cleanups.splice(0)) {
    const started = performance.now();
    await cleanup.run();
    const ms = Math.round(performance.now() - started);
    if (ms >= SLOW_STEP_MS) log.warn({ step: cleanup.name, ms }, "a shutdown step was slow");
  }
}

/** Database, migrations, event bus, job queue and artifact store: what serve and worker share. */
async function startCore(
  config: Config,
  log: Logger,
  databaseUrl: string,
  cleanups: Cleanup[],
): Promise<Deps> {
  await applyMigrations(databaseUrl);
  const database = connectDatabase(databaseUrl, { timeoutSeconds: config.databaseTimeoutSeconds });
  cleanups.unshift({ name: "database", run: () => database.close() });
  const health = watchDatabase(databaseUrl, log);
  cleanups.unshift({ name: "database health", run: () => health.stop() });
  const bus = await startEventBus(database.sql, log);
  cleanups.unshift({ name: "event bus", run: () => bus.close() });
  const store = await openArtifactStore(config);
  const jobs = await startJobQueue(databaseUrl, log);
  cleanups.unshift({ name: "job queue", run: () => jobs.stop() });
  const work = createWorkQueue({ db: database.db, bus, log });
  return { config, db: database.db, sql: database.sql, health, bus, log, jobs, store, work };
}

async function startWorkers(deps: Deps): Promise<void> {
  const removed = await removeStaleBuildDirs();
  if (removed.length > 0)
    deps.log.info({ removed }, "removed build directories of workers that were killed mid-build");
  await deps.jobs.work(
    deps.config.workerConcurrency,
    (job, signal) => runBuildJob(deps, job, signal),
    (job) => failAbandonedBuild(deps, job),
  );
}

/** Everything `provisioner serve` runs: database, migrations, API, boot endpoints, workers. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const started = performance.now();
  const { url: databaseUrl, embedded } = await resolveDatabase(config, log);
  const cleanups: Cleanup[] = [];
  if (embedded) cleanups.push({ name: "embedded PostgreSQL", run: () => embedded.stop() });
  try {
    const deps = await startCore(config, log, databaseUrl, cleanups);
    const bootstrap = await bootstrapOperatorToken(deps.db, config.dataDir, config.adminToken);
    if (bootstrap.kind === "created")
      log.warn(
        { file: bootstrap.file },
        "created the first operator token; read it from this file",
      );
    if (bootstrap.kind === "existing")
      log.info({ file: bootstrap.file }, "operator token was created on first start in this file");

    const app = buildApp(
      deps,
      createCallerAuth(deps.db, createOperatorAuth(deps.db, config.adminToken)),
    );
    const url = await app.start(config.port, config.host);
    // PORT=0 picks a port only now; generated URLs must carry the real one.
    if (!config.publicUrlFromEnv) config.publicUrl = url;
    cleanups.unshift({ name: "HTTP server", run: () => app.stop() });
    const periodic = startPeriodic(
      [
        { name: "expire distributor work", everyMs: 1000, run: () => expireDistributorWork(deps) },
        { name: "boot event retention", everyMs: 600_000, run: () => deleteOldBootEvents(deps) },
        {
          name: "silent distributors offline",
          everyMs: 5000,
          run: () => markSilentDistributorsOffline(deps),
        },
      ],
      log,
    );
    cleanups.unshift({ name: "periodic tasks", run: () => periodic.stop() });
    if (config.workers) await startWorkers(deps);
    log.info(
      {
        url,
        publicUrl: config.publicUrl,
        graphql: `${url}/graphql`,
        embeddedDatabase: Boolean(embedded),
        workers: config.workers ? config.workerConcurrency : 0,
        ms: Math.round(performance.now() - started),
      },
      "provisioner is ready",
    );
    return { url, databaseUrl, deps, operatorToken: bootstrap, stop: () => runAll(cleanups, log) };
  } catch (error) {
    await runAll(cleanups, log);
    throw error;
  }
}

/** `provisioner worker`: build workers only, against the server's database and store. */
export async function startWorker(config: Config, log: Logger): Promise<{ stop(): Promise<void> }> {
  if (!config.databaseUrl) {
    throw new ConfigError(
      "invalid configuration:\n  DATABASE_URL: provisioner worker needs the database its server uses",
    );
  }
  const cleanups: Cleanup[] = [];
  try {
    const deps = await startCore(config, log, config.databaseUrl, cleanups);
    await startWorkers(deps);
    log.info({ concurrency: config.workerConcurrency }, "worker is ready");
    return { stop: () => runAll(cleanups, log) };
  } catch (error) {
    await runAll(cleanups, log);
    throw error;
  }
}
