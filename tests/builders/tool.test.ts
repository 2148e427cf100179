import { describe, expect, test } from "vitest";
import { runTool, ToolError } from "../../src/builders/tool.ts";

const opts = (timeoutMs = 10_000) => ({ signal: AbortSignal.timeout(30_000), timeoutMs });

async function failure(promise: Promise<unknown>): Promise<ToolError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ToolError)) throw new Error(`expected a ToolError, got ${String(err)}`);
  return err;
}

describe("runTool", () => {
  test("returns stdout and passes arguments untouched by any shell", async () => {
    expect(await runTool("printf", ["%s|", "a b", "$(id)", "`x`;"], opts())).toBe(
      "a b|$(id)|`x`;|",
    );
  });

  test("a non-zero exit is a ToolError with the command, exit code and stderr", async () => {
    const err = await failure(runTool("bash", ["-c", "echo broken >&2; exit 3"], opts()));
    expect(err.failure).toBe("exit");
    expect(err.exitCode).toBe(3);
    expect(err.command).toBe("bash -c echo broken >&2; exit 3");
    expect(err.stderr).toBe("broken");
    expect(err.message).toContain("exited with code 3");
  });

  test("keeps only the last 2 KiB of stderr", async () => {
    const script = "for i in $(seq 1 2000); do echo line-$i >&2; done; exit 1";
    const err = await failure(runTool("bash", ["-c", script], opts()));
    expect(Buffer.byteLength(err.stderr)).toBeLessThanOrEqual(2048 + 3);
    expect(err.stderr.endsWith("line-2000")).toBe(true);
    expect(err.stderr).not.toContain("line-1\n");
  });

  test("times out", async () => {
    const err = await failure(runTool("sleep", ["10"], opts(200)));
    expect(err.failure).toBe("timeout");
  });

  test("stops when the signal aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await failure(
      runTool("sleep", ["10"], { signal: controller.signal, timeoutMs: 10_000 }),
    );
    expect(err.failure).toBe("aborted");
  });

  test("a missing program is a spawn failure", async () => {
    const err = await failure(runTool("no-such-tool-here", [], opts()));
    expect(err.failure).toBe("spawn");
    expect(err.exitCode).toBeUndefined();
  });
});
