import { bootstrapOperatorToken, createOperatorAuth } from "./auth/operator-tokens.ts";
import type { Config } from "./config.ts";
import { connectDatabase } from "./db/connection.ts";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "./db/embedded.ts";
import { applyMigrations } from "./db/migrate.ts";
import { startEventBus } from "./events/bus.ts";
import { buildApp } from "./http/app.ts";
import type { Logger } from "./logger.ts";
import type { Deps } from "./resolvers/deps.ts";

export type RunningServer = { url: string; databaseUrl: string; stop(): Promise<void> };

/** Resolves DATABASE_URL, or starts the embedded PostgreSQL in DATA_DIR when it is unset. */
export async function resolveDatabase(
  config: Config,
  log: Logger,
): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const embedded = await startEmbeddedPostgres(config.dataDir, log);
  return { url: embedded.url, embedded };
}

/** Everything `provisioner serve` runs: database, migrations, API, boot endpoints. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const started = performance.now();
  const { url: databaseUrl, embedded } = await resolveDatabase(config, log);
  const cleanups: Array<() => Promise<void>> = [];
  if (embedded) cleanups.push(() => embedded.stop());
  try {
    await applyMigrations(databaseUrl);
    const database = connectDatabase(databaseUrl);
    cleanups.unshift(() => database.close());
    const bus = await startEventBus(database.sql, log);
    cleanups.unshift(() => bus.close());
    const deps: Deps = { config, db: database.db, sql: database.sql, bus, log };

    const bootstrap = await bootstrapOperatorToken(database.db, config.dataDir, config.adminToken);
    if (bootstrap.kind === "created")
      log.warn(
        { file: bootstrap.file },
        "created the first operator token; read it from this file",
      );
    if (bootstrap.kind === "existing")
      log.info({ file: bootstrap.file }, "operator token was created on first start in this file");

    const app = buildApp(deps, createOperatorAuth(database.db, config.adminToken));
    const url = await app.start(config.port, config.host);
    cleanups.unshift(() => app.stop());
    log.info(
      {
        url,
        graphql: `${url}/graphql`,
        embeddedDatabase: Boolean(embedded),
        ms: Math.round(performance.now() - started),
      },
      "provisioner is ready",
    );
    return { url, databaseUrl, stop: () => runAll(cleanups) };
  } catch (error) {
    await runAll(cleanups);
    throw error;
  }
}

async function runAll(cleanups: Array<() => Promise<void>>): Promise<void> {
  for (const cleanup of cleanups.splice(0)) await cleanup();
}
