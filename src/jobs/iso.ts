import { mkdir } from "node:fs/promises";
import path from "node:path";
import { buildIso } from "../builders/iso.ts";
import { parseMediaLabel } from "../builders/media.ts";
import type { BuildKind, BuildRow } from "../db/schema.ts";
import { badInput } from "../domain/errors.ts";
import type { BuildKindSpec } from "./build-kind.ts";

/** Which earlier build each ISO input must be, checked when the ISO is requested. */
const SLOTS = {
  ipxeUefi: {
    kind: "ipxes",
    fits: { platform: "bin-x86_64-efi", driver: "ipxe", extension: "efi" },
  },
  ipxeBios: { kind: "ipxes", fits: { platform: "bin", driver: "ipxe", extension: "lkrn" } },
  grubImg: { kind: "grubs", fits: { fragment: "img" } },
  grubEfiX64: { kind: "grubs", fits: { fragment: "efi", architecture: "x64" } },
  grubEfiX86: { kind: "grubs", fits: { fragment: "efi", architecture: "x86" } },
  ldLinux: { kind: "syslinuxs", fits: { fragment: "ldlinux.c32" } },
  isolinuxBin: { kind: "syslinuxs", fits: { fragment: "isolinux.bin" } },
  isohdpfxBin: { kind: "syslinuxs", fits: { fragment: "isohdpfx.bin" } },
} as const satisfies Record<string, { kind: BuildKind; fits: Record<string, string> }>;

export type IsoSlot = keyof typeof SLOTS;
export const ISO_SLOTS = Object.keys(SLOTS) as IsoSlot[];
export type IsoJobInput = { label: string } & Record<IsoSlot, number>;

function describe(fits: Record<string, string>): string {
  return Object.entries(fits)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function checkSlot(slot: IsoSlot, build: BuildRow): number {
  const { kind, fits } = SLOTS[slot];
  const wrong = build.kind !== kind || Object.entries(fits).some(([k, v]) => build.input[k] !== v);
  if (wrong)
    throw badInput(
      `${slot} must be a ${kind.slice(0, -1)} build with ${describe(fits)}; build ${build.id} is not`,
    );
  if (build.status !== "DONE")
    throw badInput(`${slot}: build ${build.id} is ${build.status}; wait until it is DONE`);
  return build.id;
}

/** Hybrid ISO (BIOS + UEFI, CD + USB) assembled from earlier builds of this server. */
export const isoJob: BuildKindSpec<IsoJobInput> = {
  kind: "isos",
  async parse(raw, lookup) {
    const label = parseMediaLabel(raw.label);
    const input = { label } as IsoJobInput;
    for (const slot of ISO_SLOTS) input[slot] = checkSlot(slot, await lookup(raw[slot], slot));
    return input;
  },
  async build(input, outDir, ctx, inputs) {
    const work = path.join(outDir, "..", "inputs");
    const one = async (slot: IsoSlot) => {
      const dir = path.join(work, slot);
      await mkdir(dir, { recursive: true });
      const [file] = await inputs.filesOf(input[slot], dir);
      if (!file) throw new Error(`build ${input[slot]} (${slot}) has no files`);
      return file.path;
    };
    const bundle = async (slot: IsoSlot) => {
      const dir = path.join(work, slot);
      await mkdir(dir, { recursive: true });
      return inputs.filesOf(input[slot], dir);
    };
    return buildIso(
      {
        label: input.label,
        ipxeUefi: await bundle("ipxeUefi"),
        ipxeBios: await bundle("ipxeBios"),
        grubImg: await one("grubImg"),
        grubEfiX64: await one("grubEfiX64"),
        grubEfiX86: await one("grubEfiX86"),
        ldLinux: await one("ldLinux"),
        isolinuxBin: await one("isolinuxBin"),
        isohdpfxBin: await one("isohdpfxBin"),
      },
      outDir,
      ctx,
    );
  },
};
