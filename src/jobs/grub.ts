import { buildGrub, type GrubInput, parseGrubInput } from "../builders/grub.ts";
import type { BuildKindSpec } from "./build-kind.ts";

/** GRUB for UEFI media: grub.img (FAT ESP) or grub.zip (EFI/BOOT/BOOT*.EFI). */
export const grubJob: BuildKindSpec<GrubInput> = {
  kind: "grubs",
  async parse(raw) {
    const input = raw as GrubInput;
    const parsed = parseGrubInput(input);
    return {
      label: parsed.label,
      platform: input.platform,
      architecture: parsed.architecture,
      extension: input.extension,
      fragment: parsed.fragment,
    };
  },
  build: (input, outDir, ctx) => buildGrub(input, outDir, ctx),
};
