import { buildSyslinux, parseSyslinuxInput, type SyslinuxInput } from "../builders/syslinux.ts";
import type { BuildKindSpec } from "./build-kind.ts";

/** SYSLINUX fragments copied from Debian's isolinux/syslinux-common. */
export const syslinuxJob: BuildKindSpec<SyslinuxInput> = {
  kind: "syslinuxs",
  async parse(raw) {
    return { fragment: parseSyslinuxInput(raw as SyslinuxInput) };
  },
  build: (input, outDir, ctx) => buildSyslinux(input, outDir, ctx),
};
