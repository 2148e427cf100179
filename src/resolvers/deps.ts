import type { Config } from "../config.ts";
import type { Db, Sql } from "../db/connection.ts";
import type { DatabaseHealth } from "../db/health.ts";
import type { EventBus } from "../events/bus.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { Logger } from "../logger.ts";
import type { ArtifactStore } from "../storage/artifact-store.ts";
import type { WorkQueue } from "../work/distributor-work.ts";

/** What every service function needs; built once at start-up and passed down. */
export type Deps = {
  config: Config;
  db: Db;
  sql: Sql;
  /** Whether the database answers; requests fail fast with 503/UNAVAILABLE while it does not. */
  health: DatabaseHealth;
  bus: EventBus;
  log: Logger;
  jobs: JobQueue;
  store: ArtifactStore;
  /** Work for distributors, stored in PostgreSQL and delivered by whichever replica streams to them. */
  work: WorkQueue;
};
