import { execa, type ResultPromise } from "execa";
import { binPath } from "./cli.ts";

export { freePort } from "./free-port.ts";

export type ProcessHandle = {
  /** Everything the process wrote to stdout and stderr, across restarts. */
  readonly log: string;
  /** Starts (or starts again) and waits until it says it is ready. */
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
};

/**
 * A real `provisioner serve` or `provisioner worker` process, as an operator
 * runs it: separate processes share nothing but the database (and store).
 * A serve process keeps its port across restarts, so clients can come back.
 */
export function provisionerProcess(
  command: "serve" | "worker",
  env: Record<string, string>,
  readyText = command === "serve" ? "provisioner is ready" : "worker is ready",
): ProcessHandle {
  let child: ResultPromise | undefined;
  let log = "";
  const handle: ProcessHandle = {
    get log() {
      return log;
    },
    async start() {
      const proc = execa(process.execPath, [binPath, command], {
        env: { LOG_LEVEL: "info", ...env },
        reject: false,
        all: true,
      });
      child = proc;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${command} not ready in 120 s:\n${log.slice(-3000)}`)),
          120_000,
        );
        proc.all?.on("data", (chunk: Buffer) => {
          log = (log + chunk.toString()).slice(-200_000);
          if (log.includes(readyText) && child === proc) {
            clearTimeout(timer);
            resolve();
          }
        });
        void proc.then((result) => {
          clearTimeout(timer);
          reject(new Error(`${command} exited (${result.exitCode}):\n${log.slice(-3000)}`));
        });
      });
      // Later restarts look for a fresh "ready" line.
      log += "\n--- started ---\n";
      log = log.replaceAll(readyText, `${readyText} (seen)`);
    },
    async kill(signal = "SIGKILL") {
      const proc = child;
      child = undefined;
      if (!proc) return;
      proc.kill(signal);
      await proc.catch(() => undefined);
    },
    stop: () => handle.kill("SIGTERM"),
  };
  return handle;
}

/** A `serve` replica on a fixed loopback port against the given database. */
export function serveReplica(
  databaseUrl: string,
  dataDir: string,
  port: number,
  token: string,
  extra: Record<string, string> = {},
): ProcessHandle & { url: string } {
  const handle = provisionerProcess("serve", {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: token,
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...extra,
  });
  return Object.assign(handle, { url: `http://127.0.0.1:${port}` });
}
