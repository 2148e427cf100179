import { execa } from "execa";

/** Keep only the end of stderr: tools print the actual failure last. */
const STDERR_TAIL_BYTES = 2048;
/** Builders read small outputs (labels, listings); anything larger is a bug or an attack. */
const MAX_STDOUT_BYTES = 4 * 1024 * 1024;

export type ToolFailure = "exit" | "timeout" | "aborted" | "spawn" | "output-limit";

export type RunToolOptions = {
  signal: AbortSignal;
  timeoutMs: number;
  cwd?: string;
  env?: Record<string, string>;
};

export class ToolError extends Error {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly failure: ToolFailure;
  readonly stderr: string;

  constructor(opts: {
    command: string;
    exitCode: number | undefined;
    failure: ToolFailure;
    stderr: string;
    detail: string;
  }) {
    super(`${opts.command}: ${opts.detail}${opts.stderr ? `\n${opts.stderr}` : ""}`);
    this.name = "ToolError";
    this.command = opts.command;
    this.exitCode = opts.exitCode;
    this.failure = opts.failure;
    this.stderr = opts.stderr;
  }
}

function tail(text: string): string {
  const trimmed = text.trimEnd();
  if (Buffer.byteLength(trimmed) <= STDERR_TAIL_BYTES) return trimmed;
  const bytes = Buffer.from(trimmed);
  return `…${bytes.subarray(bytes.length - STDERR_TAIL_BYTES).toString("utf8")}`;
}

/**
 * Runs one external tool with an argument array (never through a shell) and returns its stdout.
 * Any failure, including a non-zero exit, becomes a ToolError with a capped stderr summary.
 */
export async function runTool(cmd: string, args: readonly string[], opts: RunToolOptions) {
  const command = [cmd, ...args].join(" ");
  const result = await execa(cmd, args, {
    cancelSignal: opts.signal,
    timeout: opts.timeoutMs,
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: true,
    stdin: "ignore",
    reject: false,
    maxBuffer: MAX_STDOUT_BYTES,
    forceKillAfterDelay: 2000,
  });
  if (!result.failed) return result.stdout;

  const stderr = tail(typeof result.stderr === "string" ? result.stderr : "");
  const base = { command, exitCode: result.exitCode, stderr };
  if (result.isCanceled) {
    throw new ToolError({ ...base, failure: "aborted", detail: "aborted" });
  }
  if (result.timedOut) {
    throw new ToolError({
      ...base,
      failure: "timeout",
      detail: `timed out after ${opts.timeoutMs} ms`,
    });
  }
  if (result.isMaxBuffer) {
    throw new ToolError({ ...base, failure: "output-limit", detail: "printed too much output" });
  }
  if (result.exitCode === undefined) {
    const detail = result.signal ? `killed by ${result.signal}` : (result.shortMessage ?? "failed");
    throw new ToolError({ ...base, failure: result.signal ? "exit" : "spawn", detail });
  }
  throw new ToolError({ ...base, failure: "exit", detail: `exited with code ${result.exitCode}` });
}
