import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { badInput } from "../domain/errors.ts";
import {
  type BuildContext,
  type BuilderPaths,
  type BuildFile,
  builderPaths,
  reportProgress,
} from "./context.ts";

/** SYSLINUX fragments come unchanged from Debian's isolinux and syslinux-common packages. */
const FRAGMENTS = {
  "ldlinux.c32": "ldlinuxC32",
  "isolinux.bin": "isolinuxBin",
  "isohdpfx.bin": "isohdpfxBin",
} as const satisfies Record<string, keyof BuilderPaths>;

export type SyslinuxFragment = keyof typeof FRAGMENTS;
export const SUPPORTED_SYSLINUX_FRAGMENTS = Object.keys(FRAGMENTS) as SyslinuxFragment[];
export type SyslinuxInput = { fragment: string };

export function parseSyslinuxInput(raw: SyslinuxInput): SyslinuxFragment {
  const found = SUPPORTED_SYSLINUX_FRAGMENTS.find((f) => f === raw.fragment);
  if (found === undefined) {
    const shown = typeof raw.fragment === "string" ? JSON.stringify(raw.fragment.slice(0, 40)) : "";
    throw badInput(
      `fragment ${shown} is not supported; supported: ${SUPPORTED_SYSLINUX_FRAGMENTS.join(", ")}`,
    );
  }
  return found;
}

export async function buildSyslinux(
  input: SyslinuxInput,
  outDir: string,
  ctx: BuildContext,
): Promise<BuildFile[]> {
  const fragment = parseSyslinuxInput(input);
  reportProgress(ctx, 10);
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, fragment);
  await copyFile(builderPaths(ctx)[FRAGMENTS[fragment]], path);
  reportProgress(ctx, 100);
  return [{ name: fragment, path }];
}
