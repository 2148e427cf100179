import { createHash } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import { posix } from "node:path";
import { type BuildContext, TOOL_TIMEOUT_MS } from "./context.ts";
import { runTool } from "./tool.ts";

/** A file to place into a FAT image: `target` is an absolute path inside the image. */
export type FatEntry = { source: string; target: string };

// mtools refuses images whose geometry it does not recognise; ours are plain files.
const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: "1" };
const CLUSTER = 4096;
const SLACK = 512 * 1024;
const MIB = 1024 * 1024;

function tool(ctx: BuildContext) {
  return { signal: ctx.signal, timeoutMs: TOOL_TIMEOUT_MS, env: MTOOLS_ENV };
}

function parentDirs(targets: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const target of targets) {
    let dir = posix.dirname(target);
    while (dir !== "/" && dir !== ".") {
      dirs.add(dir);
      dir = posix.dirname(dir);
    }
  }
  // Parents before children: mmd does not create intermediate directories.
  return [...dirs].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
}

/**
 * Creates a FAT image at `image` holding exactly `entries`, sized to fit them
 * (whole MiB; mkfs.vfat picks FAT12/16 for these sizes, which every UEFI reads).
 */
export async function makeFatImage(
  image: string,
  volumeLabel: string,
  entries: readonly FatEntry[],
  ctx: BuildContext,
): Promise<void> {
  let bytes = SLACK;
  for (const entry of entries) {
    const { size } = await stat(entry.source);
    bytes += Math.ceil(size / CLUSTER) * CLUSTER + CLUSTER;
  }
  const sizeKiB = Math.ceil(bytes / MIB) * 1024;
  // mkfs.vfat would pick a random volume id; one derived from the label keeps rebuilds alike.
  const volumeId = createHash("sha256").update(volumeLabel).digest("hex").slice(0, 8);

  await rm(image, { force: true });
  await runTool(
    "mkfs.vfat",
    ["-C", "-n", volumeLabel, "-i", volumeId, image, String(sizeKiB)],
    tool(ctx),
  );
  const dirs = parentDirs(entries.map((e) => e.target));
  if (dirs.length > 0) {
    await runTool("mmd", ["-i", image, ...dirs.map((d) => `::${d}`)], tool(ctx));
  }
  for (const entry of entries) {
    await runTool("mcopy", ["-i", image, entry.source, `::${entry.target}`], tool(ctx));
  }
}

/** Every path in a FAT image, directories with a trailing '/'. */
export async function listFatImage(image: string, ctx: BuildContext): Promise<string[]> {
  const out = await runTool("mdir", ["-/", "-b", "-i", image, "::"], tool(ctx));
  return out
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("::/"))
    .map((line) => line.slice(2));
}

/** Copies one file out of a FAT image. */
export async function copyFromFatImage(
  image: string,
  target: string,
  destination: string,
  ctx: BuildContext,
): Promise<void> {
  await runTool("mcopy", ["-n", "-i", image, `::${target}`, destination], tool(ctx));
}
