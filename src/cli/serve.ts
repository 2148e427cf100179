import { loadConfig } from "../config.ts";
import { applyMigrations } from "../db/migrate.ts";
import { createLogger } from "../logger.ts";
import { resolveDatabase, startServer, startWorker } from "../server.ts";
import { untilSignal } from "./signals.ts";
import { welcomeText } from "./welcome.ts";

/** `provisioner serve`: runs until SIGINT/SIGTERM, then shuts down in order. */
export async function serveCommand(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const server = await startServer(config, log);
  const welcome = welcomeText(server.url, server.operatorToken);
  if (welcome) process.stderr.write(`${welcome}\n`);
  await untilSignal(log);
  await server.stop();
}

/** `provisioner worker`: build workers only (the builder image runs this). */
export async function workerCommand(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const worker = await startWorker(config, log);
  await untilSignal(log);
  await worker.stop();
}

/** `provisioner migrate`: applies migrations and exits. */
export async function migrateCommand(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const { url, embedded } = await resolveDatabase(config, log);
  try {
    await applyMigrations(url);
    log.info("migrations applied");
  } finally {
    await embedded?.stop();
  }
}
