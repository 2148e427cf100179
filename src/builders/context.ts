import { fileURLToPath } from "node:url";

/** One output file of a build, written into the caller's output directory. */
export type BuildFile = { name: string; path: string };

/** Where the builders find their inputs; the defaults match Debian's packages and scripts/fetch-ipxe.sh. */
export type BuilderPaths = {
  /** Directory holding Debian trixie's iPXE binaries (ipxe-amd64.efi, ipxe.lkrn, …). */
  ipxeDir: string;
  /** Parent of GRUB's per-platform module directories (x86_64-efi, i386-efi). */
  grubLibDir: string;
  ldlinuxC32: string;
  isolinuxBin: string;
  isohdpfxBin: string;
};

export const defaultBuilderPaths: BuilderPaths = {
  ipxeDir: fileURLToPath(new URL("../../vendor/ipxe/usr/lib/ipxe/", import.meta.url)),
  grubLibDir: "/usr/lib/grub",
  ldlinuxC32: "/usr/lib/syslinux/modules/bios/ldlinux.c32",
  isolinuxBin: "/usr/lib/ISOLINUX/isolinux.bin",
  isohdpfxBin: "/usr/lib/ISOLINUX/isohdpfx.bin",
};

export type BuildContext = {
  signal: AbortSignal;
  /** Called with 0..100; builds are short, so only a few steps are reported. */
  onProgress?: (pct: number) => void;
  paths?: Partial<BuilderPaths>;
};

export function builderPaths(ctx: BuildContext): BuilderPaths {
  return { ...defaultBuilderPaths, ...ctx.paths };
}

export function reportProgress(ctx: BuildContext, pct: number): void {
  ctx.signal.throwIfAborted();
  ctx.onProgress?.(Math.max(0, Math.min(100, Math.round(pct))));
}

/** Every tool a builder runs gets at most this long; the slowest (xorriso, grub-mkstandalone) need ~1 s. */
export const TOOL_TIMEOUT_MS = 60_000;
