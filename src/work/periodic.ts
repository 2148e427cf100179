import type { Logger } from "../logger.ts";

export type PeriodicTask = {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
};

/**
 * Runs each task on its own interval, one run at a time, logging failures
 * (the database may be away for a while) without stopping. Every replica runs
 * them; the tasks are single statements that are safe to run concurrently.
 */
export function startPeriodic(tasks: PeriodicTask[], log: Logger): { stop(): Promise<void> } {
  const running = new Set<Promise<unknown>>();
  const timers = tasks.map((task) => {
    let busy = false;
    return setInterval(() => {
      if (busy) return;
      busy = true;
      const run = task
        .run()
        .catch((error: unknown) =>
          log.warn({ err: error, task: task.name }, "periodic task failed"),
        )
        .finally(() => {
          busy = false;
          running.delete(run);
        });
      running.add(run);
    }, task.everyMs);
  });
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
