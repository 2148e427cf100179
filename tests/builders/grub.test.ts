import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listFatImage } from "../../src/builders/fat.ts";
import { PE_MACHINE_IA32, PE_MACHINE_X64, peMachine } from "../../src/builders/formats.ts";
import {
  buildGrub,
  type GrubInput,
  grubSearchLine,
  parseGrubInput,
  renderGrubConfig,
} from "../../src/builders/grub.ts";
import { espVolumeLabel, parseMediaLabel } from "../../src/builders/media.ts";
import { runTool } from "../../src/builders/tool.ts";
import { readFatLabel } from "../helpers/fat-label.ts";

const LABEL = "Cluster Platform Provisioner ISO";
const ctx = () => ({ signal: AbortSignal.timeout(30_000) });
const toolOpts = () => ({ signal: AbortSignal.timeout(30_000), timeoutMs: 30_000 });

function input(fields: Partial<GrubInput> = {}): GrubInput {
  return {
    label: LABEL,
    architecture: "x64",
    fragment: "img",
    platform: "x86_64-efi",
    extension: "efi",
    ...fields,
  };
}

describe("parseMediaLabel", () => {
  test.each([
    ["the seed's label", LABEL],
    ["32 characters", "A".repeat(32)],
    ["dots, dashes and underscores", "prov_1.2-b"],
  ])("accepts %s", (_what, label) => {
    expect(parseMediaLabel(label)).toBe(label);
  });

  test.each([
    ["an empty label", ""],
    ["33 characters", "A".repeat(33)],
    ["a double quote", 'ISO"; reboot; "'],
    ["a dollar sign", "ISO$root"],
    ["a newline", "ISO\nboot"],
    ["a slash", "ISO/x"],
    ["a semicolon", "ISO;x"],
    ["a leading space", " ISO"],
    ["a trailing space", "ISO "],
    ["non-ASCII", "ISÖ"],
  ])("refuses %s", (_what, label) => {
    expect(() => parseMediaLabel(label)).toThrow(/label/);
  });

  test("derives an 11-character FAT label that differs between labels", () => {
    expect(espVolumeLabel(LABEL)).toMatch(/^IPXE[0-9A-F]{7}$/);
    expect(espVolumeLabel(LABEL)).toBe(espVolumeLabel(LABEL));
    expect(espVolumeLabel("Other")).not.toBe(espVolumeLabel(LABEL));
  });
});

describe("parseGrubInput", () => {
  test("accepts the seed's values", () => {
    expect(parseGrubInput(input({ architecture: "x86", fragment: "efi" }))).toEqual({
      label: LABEL,
      architecture: "x86",
      fragment: "efi",
    });
  });

  test.each([
    [
      "architecture",
      { architecture: "arm64" },
      /architecture "arm64" is not supported; supported: x64, x86/,
    ],
    ["fragment", { fragment: "iso" }, /fragment "iso" is not supported; supported: img, efi/],
    [
      "platform",
      { platform: "i386-pc" },
      /platform "i386-pc" is not supported; supported: x86_64-efi/,
    ],
    ["extension", { extension: "img" }, /extension "img" is not supported; supported: efi/],
    ["label", { label: "bad\nlabel" }, /label may contain only/],
  ])("refuses an unsupported %s", (_field, fields, message) => {
    expect(() => parseGrubInput(input(fields))).toThrow(message);
  });
});

describe("renderGrubConfig", () => {
  test("x64 matches the golden file", async () => {
    await expect(renderGrubConfig(LABEL, "x64")).toMatchFileSnapshot("golden/grub-x64.cfg");
  });

  test("x86 looks for a 32-bit iPXE", () => {
    const config = renderGrubConfig(LABEL, "x86");
    expect(config).toContain("chainloader /EFI/ipxe/ipxe-ia32.efi ");
    expect(config).toContain(grubSearchLine(LABEL));
  });
});

describe("buildGrub", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "grub-build-test-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test("img: a FAT ESP image with EFI/BOOT/BOOTX64.EFI and the derived volume label", async () => {
    const out = join(dir, "img");
    const progress: number[] = [];
    const files = await buildGrub(input(), out, { ...ctx(), onProgress: (p) => progress.push(p) });
    expect(files).toEqual([{ name: "grub.img", path: join(out, "grub.img") }]);
    expect(await listFatImage(join(out, "grub.img"), ctx())).toEqual([
      "/EFI/",
      "/EFI/BOOT/",
      "/EFI/BOOT/BOOTX64.EFI",
    ]);
    expect(await readFatLabel(join(out, "grub.img"))).toBe(espVolumeLabel(LABEL));
    expect(progress.at(-1)).toBe(100);
  });

  test.each([
    ["x64", "BOOTX64.EFI", PE_MACHINE_X64],
    ["x86", "BOOTIA32.EFI", PE_MACHINE_IA32],
  ] as const)(
    "efi %s: grub.zip holds EFI/BOOT/%s for that machine, config embedded",
    async (architecture, bootFile, machine) => {
      const out = join(dir, `efi-${architecture}`);
      const files = await buildGrub(input({ architecture, fragment: "efi" }), out, ctx());
      expect(files).toEqual([{ name: "grub.zip", path: join(out, "grub.zip") }]);
      const listing = await runTool("unzip", ["-Z1", join(out, "grub.zip")], toolOpts());
      expect(listing.trim().split("\n")).toEqual(["EFI/", "EFI/BOOT/", `EFI/BOOT/${bootFile}`]);

      await runTool("unzip", ["-q", join(out, "grub.zip"), "-d", join(out, "x")], toolOpts());
      const efi = await readFile(join(out, "x", "EFI", "BOOT", bootFile));
      expect(peMachine(efi)).toBe(machine);
      expect(efi.includes(grubSearchLine(LABEL))).toBe(true);
    },
  );

  test("refuses bad input before running any tool", async () => {
    await expect(
      buildGrub(input({ label: "x".repeat(40) }), join(dir, "bad"), ctx()),
    ).rejects.toThrow(/1 to 32 characters/);
  });
});
