import { join } from "node:path";
import type { BuildContext, BuildFile } from "../../src/builders/context.ts";
import { buildGrub } from "../../src/builders/grub.ts";
import { buildIpxe } from "../../src/builders/ipxe.ts";
import { buildIso, type IsoInput } from "../../src/builders/iso.ts";
import { buildSyslinux } from "../../src/builders/syslinux.ts";

function only(files: BuildFile[]): string {
  const [file] = files;
  if (!file || files.length !== 1) throw new Error(`expected one file, got ${files.length}`);
  return file.path;
}

/** Builds every input of an ISO the way the jobs will, each into its own directory under `dir`. */
export async function buildIsoInputs(
  label: string,
  script: string,
  dir: string,
  ctx: BuildContext,
): Promise<IsoInput> {
  const grub = (architecture: string, fragment: string) =>
    buildGrub(
      { label, architecture, fragment, platform: "x86_64-efi", extension: "efi" },
      join(dir, `grub-${architecture}-${fragment}`),
      ctx,
    );
  const syslinux = (fragment: string) =>
    buildSyslinux({ fragment }, join(dir, `syslinux-${fragment}`), ctx);
  return {
    label,
    ipxeUefi: await buildIpxe(
      { script, platform: "bin-x86_64-efi", driver: "ipxe", extension: "efi" },
      join(dir, "ipxe-uefi"),
      ctx,
    ),
    ipxeBios: await buildIpxe(
      { script, platform: "bin", driver: "ipxe", extension: "lkrn" },
      join(dir, "ipxe-bios"),
      ctx,
    ),
    grubImg: only(await grub("x64", "img")),
    grubEfiX64: only(await grub("x64", "efi")),
    grubEfiX86: only(await grub("x86", "efi")),
    ldLinux: only(await syslinux("ldlinux.c32")),
    isolinuxBin: only(await syslinux("isolinux.bin")),
    isohdpfxBin: only(await syslinux("isohdpfx.bin")),
  };
}

export async function buildTestIso(label: string, script: string, dir: string, ctx: BuildContext) {
  const input = await buildIsoInputs(label, script, join(dir, "inputs"), ctx);
  return only(await buildIso(input, join(dir, "iso"), ctx));
}
