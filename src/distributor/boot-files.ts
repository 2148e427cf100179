import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export type PxeFile = { name: string; url: string; sha256: string; size: number };
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

/**
 * Keeps the TFTP root in step with the configured iPXE builds. Files are
 * fetched from the server's /artifacts/ URLs, checked against their sha256,
 * and swapped in atomically; files already present with the right digest are
 * kept, so a distributor that restarts while the server is away still serves.
 */
export async function syncBootFiles(
  tftpRoot: string,
  files: PxeFile[],
  signal?: AbortSignal,
): Promise<void> {
  // dnsmasq drops privileges to "nobody", which must be able to read the files.
  await mkdir(tftpRoot, { recursive: true, mode: 0o755 });
  for (const file of files) {
    if (!NAME.test(file.name))
      throw new Error(`refusing boot file name ${JSON.stringify(file.name.slice(0, 80))}`);
    const target = path.join(tftpRoot, file.name);
    const existing = await readFile(target).catch(() => undefined);
    if (existing && createHash("sha256").update(existing).digest("hex") === file.sha256) continue;
    const response = await fetch(file.url, { signal });
    if (!response.ok) throw new Error(`download of ${file.name} failed: HTTP ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (createHash("sha256").update(bytes).digest("hex") !== file.sha256)
      throw new Error(`download of ${file.name} is corrupt`);
    const temp = `${target}.partial`;
    await writeFile(temp, bytes, { mode: 0o644 });
    await rename(temp, target).catch(async (error: unknown) => {
      await rm(temp, { force: true });
      throw error;
    });
  }
}
