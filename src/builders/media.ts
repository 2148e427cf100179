import { createHash } from "node:crypto";
import { badInput } from "../domain/errors.ts";

/**
 * Layout of the boot medium, shared by the GRUB and ISO builders so that what GRUB
 * looks for is what the ISO contains.
 *
 * UEFI firmware reads FAT only, not ISO 9660, and a stock iPXE finds its script only on
 * a FAT filesystem. So: GRUB (on the ESP) finds the ISO 9660 volume by its label and
 * chainloads ipxe.efi from it, with a one-line command line that makes iPXE fetch the
 * real script from the ESP, which it finds by the ESP's FAT volume label.
 */

/** ipxe.efi on the ISO 9660 filesystem (GRUB reads ISO 9660 itself). */
export const ISO_IPXE_EFI = "/EFI/ipxe/ipxe.efi";
/** Debian ships no 32-bit UEFI iPXE; GRUB for ia32 looks here and reports its absence. */
export const ISO_IPXE_EFI_IA32 = "/EFI/ipxe/ipxe-ia32.efi";
/** iPXE script on the ESP (FAT), read by iPXE through the firmware's file system driver. */
export const ESP_IPXE_SCRIPT = "/EFI/ipxe/autoexec.ipxe";
/** BIOS side: SYSLINUX loads ipxe.lkrn with the script as its initrd. */
export const ISO_IPXE_LKRN = "/ipxe/ipxe.lkrn";
export const ISO_IPXE_BIOS_SCRIPT = "/ipxe/autoexec.ipxe";
export const ISO_ISOLINUX_DIR = "/isolinux";

export const MAX_LABEL_LENGTH = 32;
// ISO 9660 volume ids allow more, but these survive GRUB's quoting, SYSLINUX and shells unchanged.
const LABEL = /^[A-Za-z0-9_.-](?:[A-Za-z0-9 _.-]*[A-Za-z0-9_.-])?$/;

/** A medium label: the ISO volume id and what GRUB searches for. */
export function parseMediaLabel(raw: unknown): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_LABEL_LENGTH) {
    throw badInput(`label must be 1 to ${MAX_LABEL_LENGTH} characters`);
  }
  if (!LABEL.test(raw)) {
    throw badInput(
      "label may contain only letters, digits, spaces, '_', '.' and '-', and must not start or end with a space",
    );
  }
  return raw;
}

/**
 * The ESP's FAT volume label (11 characters at most) for a medium label. Derived, not
 * chosen, so the GRUB build (which embeds it) and the ISO build (which formats the ESP)
 * agree without sharing state, and two media with different labels do not collide.
 */
export function espVolumeLabel(label: string): string {
  const digest = createHash("sha256").update(label).digest("hex").slice(0, 7).toUpperCase();
  return `IPXE${digest}`;
}
