import { open } from "node:fs/promises";

/**
 * Cheap checks of what an input file is, so that a wrong input (say a BIOS iPXE where
 * the UEFI one belongs) fails the build with a clear message instead of a medium that
 * silently does not boot.
 */

export async function readHead(path: string, length: number): Promise<Buffer> {
  const file = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

export const PE_MACHINE_X64 = 0x8664;
export const PE_MACHINE_IA32 = 0x014c;
export const PE_MACHINE_ARM64 = 0xaa64;

/** The COFF machine type of a PE (EFI) image, or undefined when it is not one. */
export function peMachine(head: Buffer): number | undefined {
  if (head.length < 0x40 || head.toString("latin1", 0, 2) !== "MZ") return undefined;
  const pe = head.readUInt32LE(0x3c);
  if (pe + 6 > head.length || head.toString("latin1", pe, pe + 4) !== "PE\0\0") return undefined;
  return head.readUInt16LE(pe + 4);
}

/** A Linux boot-protocol kernel image (what SYSLINUX's LINUX loads), e.g. ipxe.lkrn. */
export function isBzImage(head: Buffer): boolean {
  return head.length >= 0x206 && head.toString("latin1", 0x202, 0x206) === "HdrS";
}

export function isElf(head: Buffer): boolean {
  return head.length >= 4 && head.toString("latin1", 0, 4) === "\x7fELF";
}

export function isIpxeScript(head: Buffer): boolean {
  return /^#!(ipxe|gpxe)(\s|$)/.test(head.toString("latin1", 0, 8));
}
