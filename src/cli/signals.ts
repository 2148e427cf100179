import type { Logger } from "../logger.ts";

/** Resolves on the first SIGINT or SIGTERM, so commands can shut down in order. */
export async function untilSignal(log: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "shutting down");
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
