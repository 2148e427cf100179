import { execa } from "execa";

/** `podman …` with an argument array; throws with stderr when it fails. */
export async function podman(args: string[], timeoutMs = 120_000): Promise<string> {
  const result = await execa("podman", args, { timeout: timeoutMs, reject: false, all: true });
  if (result.exitCode !== 0) {
    throw new Error(`podman ${args.join(" ")} failed (${result.exitCode}): ${result.all}`);
  }
  return result.stdout;
}

/** The last lines of a container's or pod's logs, for failure messages (never throws). */
export async function podmanLogs(
  kind: "container" | "pod",
  name: string,
  tail = 60,
): Promise<string> {
  const args =
    kind === "pod"
      ? ["pod", "logs", "--tail", String(tail), name]
      : ["logs", "--tail", String(tail), name];
  const result = await execa("podman", args, { timeout: 30_000, reject: false, all: true });
  return `--- podman ${args.join(" ")} ---\n${result.all}`;
}
