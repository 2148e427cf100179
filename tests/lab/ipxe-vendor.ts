import { access } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultBuilderPaths } from "../../src/builders/context.ts";
import { runTool } from "../../src/builders/tool.ts";

const FETCH_SCRIPT = fileURLToPath(new URL("../../scripts/fetch-ipxe.sh", import.meta.url));

/** Fetches Debian's iPXE binaries into vendor/ipxe when a fresh checkout lacks them. */
export async function ensureIpxeVendor(signal: AbortSignal): Promise<void> {
  try {
    await access(join(defaultBuilderPaths.ipxeDir, "ipxe.lkrn"));
    return;
  } catch {
    await runTool("bash", [FETCH_SCRIPT], { signal, timeoutMs: 120_000 });
  }
}
