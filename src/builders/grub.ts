import { copyFile, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { badInput } from "../domain/errors.ts";
import {
  type BuildContext,
  type BuildFile,
  builderPaths,
  reportProgress,
  TOOL_TIMEOUT_MS,
} from "./context.ts";
import { makeFatImage } from "./fat.ts";
import {
  ESP_IPXE_SCRIPT,
  espVolumeLabel,
  ISO_IPXE_EFI,
  ISO_IPXE_EFI_IA32,
  parseMediaLabel,
} from "./media.ts";
import { runTool } from "./tool.ts";

export type GrubArchitecture = "x64" | "x86";
export type GrubFragment = "img" | "efi";
export type GrubInput = {
  label: string;
  architecture: string;
  fragment: string;
  platform: string;
  extension: string;
};
export type ParsedGrubInput = {
  label: string;
  architecture: GrubArchitecture;
  fragment: GrubFragment;
};

const ARCHITECTURES = {
  x64: { grubTarget: "x86_64-efi", bootFile: "BOOTX64.EFI", ipxe: ISO_IPXE_EFI },
  x86: { grubTarget: "i386-efi", bootFile: "BOOTIA32.EFI", ipxe: ISO_IPXE_EFI_IA32 },
} as const;

export const GRUB_IMG_NAME = "grub.img";
export const GRUB_ZIP_NAME = "grub.zip";
export const SUPPORTED_GRUB_PLATFORMS = ["x86_64-efi"] as const;
export const SUPPORTED_GRUB_EXTENSIONS = ["efi"] as const;

/** Only what the embedded config uses, so the image stays ~1 MiB and needs no files at run time. */
const GRUB_MODULES = [
  "normal",
  "boot",
  "chain",
  "search",
  "search_label",
  "iso9660",
  "fat",
  "part_gpt",
  "part_msdos",
  "test",
  "echo",
  "sleep",
  "minicmd",
];

export function bootFileName(architecture: GrubArchitecture): string {
  return ARCHITECTURES[architecture].bootFile;
}

function oneOf<T extends string>(raw: unknown, field: string, allowed: readonly T[]): T {
  const found = allowed.find((value) => value === raw);
  if (found === undefined) {
    const shown = typeof raw === "string" ? JSON.stringify(raw.slice(0, 40)) : typeof raw;
    throw badInput(`${field} ${shown} is not supported; supported: ${allowed.join(", ")}`);
  }
  return found;
}

export function parseGrubInput(raw: GrubInput): ParsedGrubInput {
  oneOf(raw.platform, "platform", SUPPORTED_GRUB_PLATFORMS);
  oneOf(raw.extension, "extension", SUPPORTED_GRUB_EXTENSIONS);
  return {
    label: parseMediaLabel(raw.label),
    architecture: oneOf(raw.architecture, "architecture", ["x64", "x86"] as const),
    fragment: oneOf(raw.fragment, "fragment", ["img", "efi"] as const),
  };
}

/**
 * The line that finds the medium. GRUB keeps its config uncompressed in the image, so the
 * ISO builder can check that a GRUB input was built for the ISO's label.
 */
export function grubSearchLine(label: string): string {
  return `search --no-floppy --label --set=medium "${label}"`;
}

/**
 * GRUB's embedded config: find the medium by label, chainload iPXE from its ISO 9660
 * filesystem, and tell iPXE (one command line, the first word stands for the image name)
 * to run the script from the ESP, found by its FAT label. `exit` hands back to the
 * firmware, which tries its next boot option.
 */
export function renderGrubConfig(label: string, architecture: GrubArchitecture): string {
  const safeLabel = parseMediaLabel(label);
  const ipxe = ARCHITECTURES[architecture].ipxe;
  const script = `file://${espVolumeLabel(safeLabel)}${ESP_IPXE_SCRIPT}`;
  return [
    `# Boots iPXE from the medium labelled "${safeLabel}".`,
    grubSearchLine(safeLabel),
    `if [ -z "$medium" ]; then`,
    `  echo "No medium labelled ${safeLabel} found."`,
    "  sleep 10",
    "  exit",
    "fi",
    "set root=$medium",
    `if [ ! -f ${ipxe} ]; then`,
    `  echo "${ipxe} is missing on ${safeLabel}: no iPXE for this firmware."`,
    "  sleep 10",
    "  exit",
    "fi",
    `chainloader ${ipxe} ipxe.efi chain ${script}`,
    "boot",
    `echo "iPXE could not be started."`,
    "sleep 10",
    "exit",
    "",
  ].join("\n");
}

// Fixed timestamps (zip's epoch): the archive then changes only when the GRUB image does.
const ZIP_EPOCH = new Date("1980-01-01T00:00:00Z");

async function zipBootFile(
  efi: string,
  bootFile: string,
  zipPath: string,
  work: string,
  ctx: BuildContext,
) {
  const root = join(work, "zip");
  const bootDir = join(root, "EFI", "BOOT");
  await mkdir(bootDir, { recursive: true });
  const target = join(bootDir, bootFile);
  await copyFile(efi, target);
  for (const path of [target, bootDir, join(root, "EFI")]) await utimes(path, ZIP_EPOCH, ZIP_EPOCH);
  await rm(zipPath, { force: true });
  await runTool("zip", ["-q", "-X", "-r", zipPath, "EFI"], {
    signal: ctx.signal,
    timeoutMs: TOOL_TIMEOUT_MS,
    cwd: root,
  });
}

/** Builds GRUB for UEFI as grub.img (FAT ESP image) or grub.zip (EFI/BOOT/BOOT*.EFI). */
export async function buildGrub(
  input: GrubInput,
  outDir: string,
  ctx: BuildContext,
): Promise<BuildFile[]> {
  const parsed = parseGrubInput(input);
  const arch = ARCHITECTURES[parsed.architecture];
  reportProgress(ctx, 5);
  // Beside outDir, inside the build's own directory: removed with it, also after a crash.
  const work = await mkdtemp(join(dirname(outDir), "grub-build-"));
  try {
    const config = join(work, "grub.cfg");
    await writeFile(config, renderGrubConfig(parsed.label, parsed.architecture));
    const efi = join(work, arch.bootFile);
    await runTool(
      "grub-mkstandalone",
      [
        "--format",
        arch.grubTarget,
        "--directory",
        join(builderPaths(ctx).grubLibDir, arch.grubTarget),
        "--output",
        efi,
        `--install-modules=${GRUB_MODULES.join(" ")}`,
        `--modules=${GRUB_MODULES.join(" ")}`,
        "--locales=",
        "--fonts=",
        "--themes=",
        "--compress=no",
        `boot/grub/grub.cfg=${config}`,
      ],
      { signal: ctx.signal, timeoutMs: TOOL_TIMEOUT_MS },
    );
    reportProgress(ctx, 60);
    await mkdir(outDir, { recursive: true });
    if (parsed.fragment === "img") {
      const image = join(outDir, GRUB_IMG_NAME);
      await makeFatImage(
        image,
        espVolumeLabel(parsed.label),
        [{ source: efi, target: `/EFI/BOOT/${arch.bootFile}` }],
        ctx,
      );
      reportProgress(ctx, 100);
      return [{ name: GRUB_IMG_NAME, path: image }];
    }
    const zipPath = join(outDir, GRUB_ZIP_NAME);
    await zipBootFile(efi, arch.bootFile, zipPath, work, ctx);
    reportProgress(ctx, 100);
    return [{ name: GRUB_ZIP_NAME, path: zipPath }];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
