import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { copyFromFatImage, listFatImage } from "../../src/builders/fat.ts";
import { buildGrub } from "../../src/builders/grub.ts";
import { buildIso, type IsoInput, renderIsolinuxConfig } from "../../src/builders/iso.ts";
import { espVolumeLabel } from "../../src/builders/media.ts";
import { runTool } from "../../src/builders/tool.ts";
import { readFatLabel } from "../helpers/fat-label.ts";
import { ensureIpxeVendor } from "../lab/ipxe-vendor.ts";
import { buildIsoInputs } from "./build-all.ts";

const LABEL = "Cluster Platform Provisioner ISO";
const SCRIPT = "#!ipxe\ndhcp\nchain http://10.0.2.2:8080/api/mainscripts/1\n";
const ctx = () => ({ signal: AbortSignal.timeout(60_000) });
const toolOpts = () => ({ signal: AbortSignal.timeout(60_000), timeoutMs: 60_000 });

let dir: string;
let inputs: IsoInput;

beforeAll(async () => {
  await ensureIpxeVendor(AbortSignal.timeout(120_000));
  dir = await mkdtemp(join(tmpdir(), "iso-build-test-"));
  inputs = await buildIsoInputs(LABEL, SCRIPT, join(dir, "inputs"), ctx());
}, 150_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Copies MBR partition `n` (1-based) out of a disk image. */
async function extractPartition(image: string, n: number, to: string) {
  const bytes = await readFile(image);
  const entry = 446 + (n - 1) * 16;
  const start = bytes.readUInt32LE(entry + 8) * 512;
  const length = bytes.readUInt32LE(entry + 12) * 512;
  await writeFile(to, bytes.subarray(start, start + length));
  return { type: bytes[entry + 4] };
}

describe("buildIso", () => {
  let iso: string;
  const xorriso = (...args: string[]) => runTool("xorriso", ["-indev", iso, ...args], toolOpts());

  beforeAll(async () => {
    const progress: number[] = [];
    const files = await buildIso(inputs, join(dir, "iso"), {
      ...ctx(),
      onProgress: (p) => progress.push(p),
    });
    expect(files).toEqual([{ name: "dist.iso", path: join(dir, "iso", "dist.iso") }]);
    expect(progress.at(-1)).toBe(100);
    iso = join(dir, "iso", "dist.iso");
  }, 60_000);

  test("the volume id is the label", async () => {
    const info = await xorriso("-pvd_info");
    expect(info).toContain(`Volume Id    : ${LABEL}`);
  });

  test("ISO 9660 holds ISOLINUX, ipxe.lkrn + script and ipxe.efi", async () => {
    const listing = await xorriso("-find", "/", "-type", "f");
    const files = [...listing.matchAll(/^'(.*)'$/gm)].map((m) => m[1]).sort();
    expect(files).toEqual([
      "/EFI/ipxe/ipxe.efi",
      "/ipxe/autoexec.ipxe",
      "/ipxe/ipxe.lkrn",
      "/isolinux/isolinux.bin",
      "/isolinux/isolinux.cfg",
      "/isolinux/ldlinux.c32",
    ]);
  });

  test("has El Torito entries for BIOS and UEFI and an isohybrid MBR with GPT", async () => {
    const report = await xorriso("-report_el_torito", "plain", "-report_system_area", "plain");
    expect(report).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y\s+none/);
    expect(report).toMatch(/El Torito boot img :\s+2\s+UEFI\s+y\s+none/);
    expect(report).toContain("El Torito cat path : /isolinux/boot.cat");
    expect(report).toContain("El Torito img path :   1  /isolinux/isolinux.bin");
    expect(report).toMatch(/System area summary: MBR isohybrid .*GPT/);
  });

  test("partition 2 is the ESP: both GRUBs and the UEFI script, under the derived FAT label", async () => {
    const esp = join(dir, "esp.img");
    const { type } = await extractPartition(iso, 2, esp);
    expect(type).toBe(0xef);
    expect(await readFatLabel(esp)).toBe(espVolumeLabel(LABEL));
    expect(await listFatImage(esp, ctx())).toEqual([
      "/EFI/",
      "/EFI/BOOT/",
      "/EFI/ipxe/",
      "/EFI/BOOT/BOOTX64.EFI",
      "/EFI/BOOT/BOOTIA32.EFI",
      "/EFI/ipxe/autoexec.ipxe",
    ]);
    await copyFromFatImage(esp, "/EFI/ipxe/autoexec.ipxe", join(dir, "esp-script"), ctx());
    expect(await readFile(join(dir, "esp-script"), "utf8")).toBe(SCRIPT);
  });

  test("isolinux.cfg matches the golden file", async () => {
    await expect(renderIsolinuxConfig()).toMatchFileSnapshot("golden/isolinux.cfg");
  });
});

describe("buildIso refuses", () => {
  const out = () => join(dir, "refused");

  test("GRUB built for another label", async () => {
    const [other] = await buildGrub(
      {
        label: "Other",
        architecture: "x64",
        fragment: "efi",
        platform: "x86_64-efi",
        extension: "efi",
      },
      join(dir, "grub-other"),
      ctx(),
    );
    const input = { ...inputs, grubEfiX64: other?.path ?? "" };
    await expect(buildIso(input, out(), ctx())).rejects.toThrow(
      /grubEfiX64 was built for another label/,
    );
  });

  test("the BIOS iPXE where the UEFI one belongs", async () => {
    await expect(buildIso({ ...inputs, ipxeUefi: inputs.ipxeBios }, out(), ctx())).rejects.toThrow(
      /ipxeUefi must be an iPXE build of bin-x86_64-efi\/ipxe\/efi/,
    );
  });

  test("an arm64 ipxe.efi", async () => {
    const arm = await import("../../src/builders/ipxe.ts").then((m) =>
      m.buildIpxe(
        { script: SCRIPT, platform: "bin-arm64-efi", driver: "ipxe", extension: "efi" },
        join(dir, "ipxe-arm"),
        ctx(),
      ),
    );
    await expect(buildIso({ ...inputs, ipxeUefi: arm }, out(), ctx())).rejects.toThrow(
      /ipxeUefi is not an x86-64 UEFI iPXE/,
    );
  });

  test("swapped SYSLINUX fragments", async () => {
    const swapped = { ...inputs, isolinuxBin: inputs.isohdpfxBin, isohdpfxBin: inputs.isolinuxBin };
    await expect(buildIso(swapped, out(), ctx())).rejects.toThrow(
      /isolinuxBin is not isolinux\.bin/,
    );
  });

  test("a bad label", async () => {
    await expect(buildIso({ ...inputs, label: "x;y" }, out(), ctx())).rejects.toThrow(/label/);
  });
});
