import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { execa, type ResultPromise } from "execa";
import type { Logger } from "../../logger.ts";

/**
 * Keeps one dnsmasq running in the foreground with its log on stderr, restarts it when
 * it dies (exponential backoff, a bounded number of times in a row), stops it cleanly,
 * and hands every log line to a callback (which the agent turns into boot events).
 */

export type DnsmasqExit = {
  exitCode: number | undefined;
  signal: string | undefined;
  /** How long that run lasted. */
  runMs: number;
  /** Delay before the next start; undefined when no restart follows. */
  restartInMs: number | undefined;
};

export type DnsmasqBackoff = {
  /** First restart delay; doubles with every crash in a row. */
  initialMs: number;
  maxMs: number;
  /** Crashes in a row after which the supervisor gives up. */
  maxRestarts: number;
  /** A run at least this long counts as healthy and resets the crash count. */
  stableAfterMs: number;
};

export type DnsmasqSupervisorOptions = {
  configFile: string;
  logger: Logger;
  /** Every line dnsmasq prints (stdout and stderr), at most MAX_LINE_LENGTH characters. */
  onLine: (line: string) => void;
  onStart?: (pid: number | undefined) => void;
  onExit?: (exit: DnsmasqExit) => void;
  /** Called once when dnsmasq will not be started again (config error or too many crashes). */
  onGiveUp?: (reason: string) => void;
  /** Aborting stops dnsmasq like stop() does. */
  signal?: AbortSignal;
  /** The program; defaults to "dnsmasq" on PATH. */
  binary?: string;
  /** Runs dnsmasq through another program, e.g. ["ip", "netns", "exec", "lab"] in tests. */
  launcher?: readonly string[];
  backoff?: Partial<DnsmasqBackoff>;
  /** Grace period after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
};

export type DnsmasqState = "running" | "waiting" | "stopped" | "failed";

export type DnsmasqSupervisor = {
  /** pid of the current dnsmasq, if one runs. */
  pid(): number | undefined;
  state(): DnsmasqState;
  /** Starts so far, the first one included. */
  starts(): number;
  stop(): Promise<void>;
};

export const MAX_LINE_LENGTH = 2048;
const DEFAULT_BACKOFF: DnsmasqBackoff = {
  initialMs: 500,
  maxMs: 30_000,
  maxRestarts: 8,
  stableAfterMs: 60_000,
};
// dnsmasq's documented exit code for a bad configuration: a restart cannot fix that.
const EXIT_BAD_CONFIG = 1;

/** The command line: foreground, log to stderr, this file only (never /etc/dnsmasq.conf). */
export function dnsmasqArgs(configFile: string): string[] {
  return ["--keep-in-foreground", "--log-facility=-", `--conf-file=${configFile}`];
}

export function superviseDnsmasq(opts: DnsmasqSupervisorOptions): DnsmasqSupervisor {
  const backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const log = opts.logger.child({ component: "dnsmasq" });
  const [command = "", ...prefix] = [...(opts.launcher ?? []), opts.binary ?? "dnsmasq"];
  const args = [...prefix, ...dnsmasqArgs(opts.configFile)];

  let state: DnsmasqState = "running";
  let child: ResultPromise | undefined;
  let exited: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let starts = 0;
  let crashesInARow = 0;

  const readLines = (stream: Readable | null) => {
    if (!stream) return;
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => {
      try {
        opts.onLine(line.length > MAX_LINE_LENGTH ? line.slice(0, MAX_LINE_LENGTH) : line);
      } catch (err) {
        log.error({ err }, "dnsmasq line handler failed");
      }
    });
  };

  const giveUp = (reason: string) => {
    state = "failed";
    log.error({ reason }, "dnsmasq supervisor gave up");
    opts.onGiveUp?.(reason);
  };

  const start = () => {
    timer = undefined;
    if (state !== "running" && state !== "waiting") return;
    state = "running";
    starts += 1;
    const startedAt = Date.now();
    const subprocess = execa(command, args, {
      buffer: false,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      reject: false,
      forceKillAfterDelay: opts.stopTimeoutMs ?? 5000,
    });
    child = subprocess;
    readLines(subprocess.stdout);
    readLines(subprocess.stderr);
    log.info({ pid: subprocess.pid, start: starts }, "dnsmasq started");
    opts.onStart?.(subprocess.pid);

    exited = subprocess.then((result) => {
      child = undefined;
      const runMs = Date.now() - startedAt;
      const exit = { exitCode: result.exitCode, signal: result.signal };
      if (state === "stopped") {
        opts.onExit?.({ ...exit, runMs, restartInMs: undefined });
        return;
      }
      crashesInARow = runMs >= backoff.stableAfterMs ? 1 : crashesInARow + 1;
      let restartInMs: number | undefined;
      if (result.exitCode === EXIT_BAD_CONFIG) {
        giveUp("dnsmasq refused its configuration (exit code 1)");
      } else if (result.failed && result.exitCode === undefined && !result.signal) {
        giveUp(`dnsmasq could not be started: ${result.shortMessage ?? "spawn failed"}`);
      } else if (crashesInARow > backoff.maxRestarts) {
        giveUp(`dnsmasq died ${crashesInARow} times in a row`);
      } else {
        restartInMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (crashesInARow - 1));
        state = "waiting";
        timer = setTimeout(start, restartInMs);
      }
      log.warn({ ...exit, runMs, restartInMs }, "dnsmasq exited");
      opts.onExit?.({ ...exit, runMs, restartInMs });
    });
  };

  const stop = async () => {
    if (state === "stopped") return exited;
    state = "stopped";
    opts.signal?.removeEventListener("abort", onAbort);
    if (timer) clearTimeout(timer);
    timer = undefined;
    child?.kill("SIGTERM");
    await exited;
    log.info("dnsmasq stopped");
  };
  const onAbort = () => void stop();

  if (opts.signal?.aborted) {
    state = "stopped";
  } else {
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    start();
  }

  return {
    pid: () => child?.pid,
    state: () => state,
    starts: () => starts,
    stop,
  };
}
