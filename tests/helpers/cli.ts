import path from "node:path";
import { execa } from "execa";

export const binPath = path.resolve(import.meta.dirname, "../../bin/provisioner.js");

/** Runs the real `provisioner` executable, as a user would. */
export function provisioner(
  args: string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
) {
  return execa(process.execPath, [binPath, ...args], {
    env: options.env,
    input: options.input,
    cwd: options.cwd,
    reject: false,
    timeout: 60_000,
  });
}
