import type { BuildKind } from "../db/schema.ts";
import type { BuildKindSpec } from "./build-kind.ts";
import { grubJob } from "./grub.ts";
import { ipxeJob } from "./ipxe.ts";
import { isoJob } from "./iso.ts";
import { syslinuxJob } from "./syslinux.ts";

// Each spec is typed by its own input; the registry only needs the common shape.
export const buildKinds = {
  ipxes: ipxeJob,
  grubs: grubJob,
  syslinuxs: syslinuxJob,
  isos: isoJob,
} as unknown as Record<BuildKind, BuildKindSpec<Record<string, unknown>>>;
