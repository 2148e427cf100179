import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { badInput } from "../domain/errors.ts";
import { type BuildContext, type BuildFile, reportProgress, TOOL_TIMEOUT_MS } from "./context.ts";
import { copyFromFatImage, type FatEntry, listFatImage, makeFatImage } from "./fat.ts";
import {
  isBzImage,
  isElf,
  isIpxeScript,
  PE_MACHINE_IA32,
  PE_MACHINE_X64,
  peMachine,
  readHead,
} from "./formats.ts";
import { bootFileName, grubSearchLine } from "./grub.ts";
import { IPXE_SCRIPT_NAME } from "./ipxe.ts";
import {
  ESP_IPXE_SCRIPT,
  espVolumeLabel,
  ISO_IPXE_BIOS_SCRIPT,
  ISO_IPXE_EFI,
  ISO_IPXE_LKRN,
  ISO_ISOLINUX_DIR,
  parseMediaLabel,
} from "./media.ts";
import { runTool, ToolError } from "./tool.ts";

/**
 * Inputs are local copies of earlier build outputs: the iPXE builds as their file lists
 * (binary + autoexec.ipxe, as buildIpxe returns them), everything else as one file each.
 */
export type IsoInput = {
  label: string;
  ipxeUefi: readonly BuildFile[];
  ipxeBios: readonly BuildFile[];
  grubImg: string;
  grubEfiX64: string;
  grubEfiX86: string;
  ldLinux: string;
  isolinuxBin: string;
  isohdpfxBin: string;
};

export const ISO_NAME = "dist.iso";

type IpxeBundle = { binary: string; script: string };

function pickBundle(
  files: readonly BuildFile[],
  field: string,
  binaryNames: readonly string[],
  targets: string,
): IpxeBundle {
  const binary = files.find((f) => binaryNames.includes(f.name));
  const script = files.find((f) => f.name === IPXE_SCRIPT_NAME);
  if (!binary || !script) {
    throw badInput(
      `${field} must be an iPXE build of ${targets} (${binaryNames.join(" or ")} + ${IPXE_SCRIPT_NAME})`,
    );
  }
  return { binary: binary.path, script: script.path };
}

async function checkFile(
  path: string,
  field: string,
  check: (head: Buffer) => boolean,
  what: string,
) {
  const head = await readHead(path, 4096).catch(() => {
    throw badInput(`${field}: ${path} cannot be read`);
  });
  if (!check(head)) throw badInput(`${field} is not ${what}`);
}

async function checkGrub(path: string, field: string, label: string, machine: number) {
  await checkFile(
    path,
    field,
    (h) => peMachine(h) === machine,
    "a GRUB EFI image for its architecture",
  );
  const image = await readFile(path);
  if (!image.includes(`${grubSearchLine(label)}\n`)) {
    throw badInput(
      `${field} was built for another label than "${label}"; rebuild it with this label`,
    );
  }
}

/** Validates the inputs and returns the iPXE bundles. */
export async function checkIsoInputs(input: IsoInput): Promise<{
  label: string;
  uefi: IpxeBundle;
  bios: IpxeBundle;
}> {
  const label = parseMediaLabel(input.label);
  const uefi = pickBundle(
    input.ipxeUefi,
    "ipxeUefi",
    ["ipxe.efi", "snponly.efi"],
    "bin-x86_64-efi/ipxe/efi or bin-x86_64-efi/snponly/efi",
  );
  const bios = pickBundle(input.ipxeBios, "ipxeBios", ["ipxe.lkrn"], "bin/ipxe/lkrn");
  await checkFile(
    uefi.binary,
    "ipxeUefi",
    (h) => peMachine(h) === PE_MACHINE_X64,
    "an x86-64 UEFI iPXE",
  );
  await checkFile(bios.binary, "ipxeBios", isBzImage, "an iPXE .lkrn");
  await checkFile(uefi.script, "ipxeUefi script", isIpxeScript, "an iPXE script");
  await checkFile(bios.script, "ipxeBios script", isIpxeScript, "an iPXE script");
  await checkFile(input.ldLinux, "ldLinux", isElf, "ldlinux.c32");
  await checkFile(
    input.isolinuxBin,
    "isolinuxBin",
    (h) => h.length > 2048 && h.includes("ISOLINUX"),
    "isolinux.bin",
  );
  const mbr = await stat(input.isohdpfxBin).catch(() => undefined);
  // xorriso takes 432 to 512 bytes of MBR boot code; isohdpfx.bin is 432.
  if (!mbr || mbr.size < 432 || mbr.size > 512) {
    throw badInput("isohdpfxBin is not isohdpfx.bin (432 to 512 bytes of MBR code)");
  }
  return { label, uefi, bios };
}

export function renderIsolinuxConfig(): string {
  return [
    "DEFAULT ipxe",
    "PROMPT 0",
    "TIMEOUT 0",
    "LABEL ipxe",
    `  LINUX ${ISO_IPXE_LKRN}`,
    // ipxe.lkrn runs an initrd that is an iPXE script as its embedded script.
    `  INITRD ${ISO_IPXE_BIOS_SCRIPT}`,
    "",
  ].join("\n");
}

async function place(tree: string, target: string, source: string) {
  const destination = join(tree, target);
  await mkdir(dirname(destination), { recursive: true });
  await copyFile(source, destination);
}

/** A tool that exits non-zero on an input means the input is not of its kind; other failures stay failures. */
function notReadable<T>(fallback: () => T) {
  return (err: unknown): T => {
    if (err instanceof ToolError && err.failure === "exit") return fallback();
    throw err;
  };
}

async function fromZip(zip: string, bootFile: string, work: string, ctx: BuildContext) {
  const tool = { signal: ctx.signal, timeoutMs: TOOL_TIMEOUT_MS };
  const entry = `EFI/BOOT/${bootFile}`;
  const listing = await runTool("unzip", ["-Z1", zip], tool).catch(notReadable(() => ""));
  if (!listing.split("\n").includes(entry)) return undefined;
  const dir = join(work, "zip", bootFile);
  await mkdir(dir, { recursive: true });
  await runTool("unzip", ["-q", "-o", "-j", zip, entry, "-d", dir], tool);
  return join(dir, bootFile);
}

async function fromImg(img: string, bootFile: string, work: string, ctx: BuildContext) {
  const files = await listFatImage(img, ctx).catch(notReadable((): string[] => []));
  if (!files.includes(`/EFI/BOOT/${bootFile}`)) return undefined;
  const destination = join(work, "img", bootFile);
  await mkdir(dirname(destination), { recursive: true });
  await copyFromFatImage(img, `/EFI/BOOT/${bootFile}`, destination, ctx);
  return destination;
}

/**
 * The ESP: GRUB for x64 and ia32 plus the UEFI iPXE script, under the FAT label that
 * GRUB's config points iPXE at. grub.img's boot files win; the zips fill in the other
 * architecture. Every GRUB input is checked against the label either way.
 */
async function buildEsp(
  input: IsoInput,
  label: string,
  uefiScript: string,
  work: string,
  ctx: BuildContext,
) {
  const entries: FatEntry[] = [];
  let imgBootFiles = 0;
  const zips = [
    { arch: "x64" as const, machine: PE_MACHINE_X64, zip: input.grubEfiX64, field: "grubEfiX64" },
    { arch: "x86" as const, machine: PE_MACHINE_IA32, zip: input.grubEfiX86, field: "grubEfiX86" },
  ];
  for (const { arch, machine, zip, field } of zips) {
    const bootFile = bootFileName(arch);
    const zipped = await fromZip(zip, bootFile, work, ctx);
    if (!zipped) throw badInput(`${field} is not a GRUB zip with EFI/BOOT/${bootFile}`);
    await checkGrub(zipped, field, label, machine);
    const imaged = await fromImg(input.grubImg, bootFile, work, ctx);
    if (imaged) {
      await checkGrub(imaged, "grubImg", label, machine);
      imgBootFiles++;
    }
    entries.push({ source: imaged ?? zipped, target: `/EFI/BOOT/${bootFile}` });
  }
  if (imgBootFiles === 0) throw badInput("grubImg is not a GRUB image with EFI/BOOT/BOOT*.EFI");
  entries.push({ source: uefiScript, target: ESP_IPXE_SCRIPT });
  const esp = join(work, "esp.img");
  await makeFatImage(esp, espVolumeLabel(label), entries, ctx);
  return esp;
}

/**
 * Builds dist.iso, a hybrid image that boots as CD and as disk (USB), BIOS and UEFI:
 * - BIOS: El Torito (CD) or the isohybrid MBR (disk) starts ISOLINUX, which loads
 *   ipxe.lkrn with the script as initrd.
 * - UEFI: El Torito EFI (CD) or GPT partition 2 (disk) is the ESP; its GRUB finds the ISO
 *   by label and chainloads ipxe.efi, which reads the script from the ESP.
 */
export async function buildIso(
  input: IsoInput,
  outDir: string,
  ctx: BuildContext,
): Promise<BuildFile[]> {
  const { label, uefi, bios } = await checkIsoInputs(input);
  reportProgress(ctx, 10);
  // Beside outDir, inside the build's own directory: removed with it, also after a crash.
  const work = await mkdtemp(join(dirname(outDir), "iso-build-"));
  try {
    const esp = await buildEsp(input, label, uefi.script, work, ctx);
    reportProgress(ctx, 40);

    const tree = join(work, "tree");
    await place(tree, `${ISO_ISOLINUX_DIR}/isolinux.bin`, input.isolinuxBin);
    await place(tree, `${ISO_ISOLINUX_DIR}/ldlinux.c32`, input.ldLinux);
    await writeFile(join(tree, ISO_ISOLINUX_DIR, "isolinux.cfg"), renderIsolinuxConfig());
    await place(tree, ISO_IPXE_LKRN, bios.binary);
    await place(tree, ISO_IPXE_BIOS_SCRIPT, bios.script);
    await place(tree, ISO_IPXE_EFI, uefi.binary);
    reportProgress(ctx, 50);

    await mkdir(outDir, { recursive: true });
    const iso = join(outDir, ISO_NAME);
    await rm(iso, { force: true });
    const isolinuxDir = ISO_ISOLINUX_DIR.slice(1);
    await runTool(
      "xorriso",
      [
        "-as",
        "mkisofs",
        "-quiet",
        "-output",
        iso,
        "-volid",
        label,
        "-iso-level",
        "3",
        "-rational-rock",
        "-joliet",
        "-joliet-long",
        // BIOS, as disk: MBR boot code that jumps into isolinux.bin.
        "-isohybrid-mbr",
        input.isohdpfxBin,
        // BIOS, as CD.
        "-eltorito-catalog",
        `${isolinuxDir}/boot.cat`,
        "-eltorito-boot",
        `${isolinuxDir}/isolinux.bin`,
        "-no-emul-boot",
        "-boot-load-size",
        "4",
        "-boot-info-table",
        // UEFI, as CD: the ESP appended after the ISO filesystem is also the El Torito EFI image.
        "-eltorito-alt-boot",
        "-e",
        "--interval:appended_partition_2:all::",
        "-no-emul-boot",
        // UEFI, as disk: the same ESP as GPT partition 2.
        "-isohybrid-gpt-basdat",
        "-append_partition",
        "2",
        "0xef",
        esp,
        tree,
      ],
      { signal: ctx.signal, timeoutMs: TOOL_TIMEOUT_MS },
    );
    reportProgress(ctx, 100);
    return [{ name: ISO_NAME, path: iso }];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
