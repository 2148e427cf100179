import { PgBoss } from "pg-boss";

/** The one thing pg-boss needs from the caller's transaction. */
export type SqlRunner = { unsafe(text: string, values?: never[]): PromiseLike<unknown[]> };

import { isDatabaseUnavailable } from "../db/unavailable.ts";
import type { Logger } from "../logger.ts";

export const BUILD_QUEUE = "builds";
/** Jobs whose workers died too often land here; a worker marks their builds FAILED. */
export const BUILD_DEAD_QUEUE = "builds-dead";

export type BuildJob = { buildId: number };

export type JobQueue = {
  /** Enqueues inside the caller's transaction, so row and job commit together. */
  enqueueBuild(tx: SqlRunner, job: BuildJob): Promise<void>;
  work(
    concurrency: number,
    handler: (job: BuildJob, signal: AbortSignal) => Promise<void>,
    onDead: (job: BuildJob) => Promise<void>,
  ): Promise<void>;
  stop(): Promise<void>;
};

export async function startJobQueue(databaseUrl: string, log: Logger): Promise<JobQueue> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: "pgboss",
    application_name: "provisioner-jobs",
    max: 4,
    // Workers wake on NOTIFY instead of waiting for a poll: a build is done in milliseconds.
    useListenNotify: true,
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
  });
  boss.on("error", (error: Error) => {
    // While the database is away pg-boss reports every failed poll; that is expected, not a fault.
    if (isDatabaseUnavailable(error))
      log.warn({ err: error.message }, "job queue waiting for the database");
    else log.error({ err: error }, "job queue error");
  });
  await boss.start();
  await boss.createQueue(BUILD_DEAD_QUEUE, { notify: true });
  await boss.createQueue(BUILD_QUEUE, {
    // A worker that vanishes (SIGKILL, lost node) stops heartbeating; the job is
    // then retried elsewhere, and after the retries it goes to the dead queue.
    heartbeatSeconds: 10,
    retryLimit: 2,
    retryDelay: 1,
    expireInSeconds: 900,
    deadLetter: BUILD_DEAD_QUEUE,
    notify: true,
  });
  return {
    async enqueueBuild(tx, job) {
      await boss.send(BUILD_QUEUE, job, {
        db: {
          executeSql: async (text, values) => ({
            rows: (await tx.unsafe(text, values as never[])) as object[],
          }),
        },
      });
    },
    async work(concurrency, handler, onDead) {
      // One job per slot, each slot fetching for itself: a long build (an ISO)
      // holds only its own slot while the others keep taking work.
      await boss.work<BuildJob>(
        BUILD_QUEUE,
        {
          localConcurrency: concurrency,
          batchSize: 1,
          pollingIntervalSeconds: 0.5,
          notifyPollingIntervalSeconds: 1,
        },
        async ([job]) => {
          if (job) await handler(job.data, job.signal);
        },
      );
      await boss.work<BuildJob>(BUILD_DEAD_QUEUE, { batchSize: 1 }, async ([job]) => {
        if (job) await onDead(job.data);
      });
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
