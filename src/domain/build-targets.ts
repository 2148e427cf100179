/**
 * Build targets the console offers in its forms, so an operator can only pick
 * what the server accepts. tests/console-build-targets.test.ts checks these
 * against the builders' own lists, so the two cannot drift apart.
 */
export const IPXE_TARGETS = [
  { key: "bin-x86_64-efi/ipxe/efi", label: "UEFI x86-64, all drivers (ipxe.efi)" },
  { key: "bin-x86_64-efi/snponly/efi", label: "UEFI x86-64, firmware's NIC driver (snponly.efi)" },
  { key: "bin-arm64-efi/ipxe/efi", label: "UEFI ARM64, all drivers (ipxe.efi)" },
  { key: "bin-x86_64-pcbios/ipxe/kpxe", label: "BIOS PXE, all drivers (ipxe.kpxe)" },
  { key: "bin-x86_64-pcbios/ipxe/pxe", label: "BIOS PXE, all drivers (ipxe.pxe)" },
  { key: "bin-x86_64-pcbios/undionly/kpxe", label: "BIOS PXE, firmware's UNDI (undionly.kpxe)" },
  { key: "bin/ipxe/lkrn", label: "BIOS media, Linux-kernel format (ipxe.lkrn)" },
  { key: "bin/ipxe/pxe", label: "BIOS PXE, 32-bit (ipxe.pxe)" },
  { key: "bin/undionly/kpxe", label: "BIOS PXE, 32-bit UNDI (undionly.kpxe)" },
] as const;

export const GRUB_ARCHITECTURES = ["x64", "x86"] as const;
export const GRUB_FRAGMENTS = [
  { key: "img", label: "grub.img (FAT ESP image)" },
  { key: "efi", label: "grub.zip (EFI/BOOT/BOOT*.EFI)" },
] as const;
export const SYSLINUX_FRAGMENTS = ["ldlinux.c32", "isolinux.bin", "isohdpfx.bin"] as const;

type Fits = Readonly<Record<string, string>>;
/** Which earlier build fits each ISO input (the server checks the same when the ISO is requested). */
export const ISO_SLOTS: ReadonlyArray<{ slot: string; kind: string; fits: Fits }> = [
  {
    slot: "ipxeUefi",
    kind: "Ipxe",
    fits: { platform: "bin-x86_64-efi", driver: "ipxe", extension: "efi" },
  },
  { slot: "ipxeBios", kind: "Ipxe", fits: { platform: "bin", driver: "ipxe", extension: "lkrn" } },
  { slot: "grubImg", kind: "Grub", fits: { fragment: "img" } },
  { slot: "grubEfiX64", kind: "Grub", fits: { fragment: "efi", architecture: "x64" } },
  { slot: "grubEfiX86", kind: "Grub", fits: { fragment: "efi", architecture: "x86" } },
  { slot: "ldLinux", kind: "Syslinux", fits: { fragment: "ldlinux.c32" } },
  { slot: "isolinuxBin", kind: "Syslinux", fits: { fragment: "isolinux.bin" } },
  { slot: "isohdpfxBin", kind: "Syslinux", fits: { fragment: "isohdpfx.bin" } },
];

/** Which iPXE builds a distributor can hand out as the PXE boot file of each firmware. */
export const PXE_TARGETS = {
  ipxeUefi: ["bin-x86_64-efi/ipxe/efi", "bin-x86_64-efi/snponly/efi"],
  ipxeBios: ["bin-x86_64-pcbios/undionly/kpxe", "bin-x86_64-pcbios/ipxe/kpxe"],
} as const;
