import { access } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { CONSOLE_DIST } from "../../src/http/console-routes.ts";

/** scripts/setup.sh builds the console; a test run straight after a clone builds it here. */
export async function ensureConsoleBuilt(): Promise<void> {
  try {
    await access(path.join(CONSOLE_DIST, "index.html"));
  } catch {
    await execa("npm", ["run", "--silent", "console:build"], {
      cwd: path.resolve(import.meta.dirname, "../.."),
    });
  }
}
