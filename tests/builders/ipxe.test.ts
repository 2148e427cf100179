import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { defaultBuilderPaths } from "../../src/builders/context.ts";
import {
  buildIpxe,
  type IpxeInput,
  normalizeIpxeScript,
  parseIpxeInput,
  SUPPORTED_IPXE_TARGETS,
} from "../../src/builders/ipxe.ts";
import { MAX_SCRIPT_BYTES } from "../../src/domain/validation.ts";
import { ensureIpxeVendor } from "../lab/ipxe-vendor.ts";

const SCRIPT = "#!ipxe\ndhcp\nchain http://10.0.2.2:8080/api/mainscripts/1\n";

function input(target: string, script = SCRIPT): IpxeInput {
  const [platform = "", driver = "", extension = ""] = target.split("/");
  return { script, platform, driver, extension };
}

const sha256 = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

describe("parseIpxeInput", () => {
  test.each([
    ["bin-x86_64-efi/ipxe/efi", "ipxe-amd64.efi", "ipxe.efi"],
    ["bin-x86_64-efi/snponly/efi", "snponly.efi", "snponly.efi"],
    ["bin-arm64-efi/ipxe/efi", "ipxe-arm64.efi", "ipxe.efi"],
    ["bin-x86_64-pcbios/ipxe/kpxe", "ipxe.pxe", "ipxe.kpxe"],
    ["bin-x86_64-pcbios/undionly/kpxe", "undionly.kpxe", "undionly.kpxe"],
    ["bin/ipxe/lkrn", "ipxe.lkrn", "ipxe.lkrn"],
  ])("maps %s to Debian's %s, output %s", (target, debianFile, outputName) => {
    expect(parseIpxeInput(input(target))).toMatchObject({ target, debianFile, outputName });
  });

  test("refuses an unsupported combination and lists the supported ones", () => {
    const attempt = () => parseIpxeInput(input("bin-x86_64-efi/undionly/kpxe"));
    expect(attempt).toThrow(
      /unsupported iPXE platform\/driver\/extension bin-x86_64-efi\/undionly\/kpxe/,
    );
    for (const supported of SUPPORTED_IPXE_TARGETS) expect(attempt).toThrow(supported);
  });

  test.each([
    ["a '/' inside a field", { platform: "bin-x86_64-efi/ipxe", driver: "ipxe", extension: "efi" }],
    ["'..'", { platform: "bin", driver: "..", extension: "lkrn" }],
    ["a newline", { platform: "bin", driver: "ipxe", extension: "lkrn\n" }],
    ["a semicolon", { platform: "bin;reboot", driver: "ipxe", extension: "lkrn" }],
    ["command substitution", { platform: "bin", driver: "$(id)", extension: "lkrn" }],
    ["backticks", { platform: "bin", driver: "`id`", extension: "lkrn" }],
    ["a pipe", { platform: "bin", driver: "ipxe|id", extension: "lkrn" }],
    ["a space", { platform: "bin", driver: "ipxe ", extension: "lkrn" }],
    ["upper case", { platform: "BIN", driver: "ipxe", extension: "lkrn" }],
    ["an empty field", { platform: "", driver: "ipxe", extension: "lkrn" }],
  ])("refuses %s", (_what, fields) => {
    expect(() => parseIpxeInput({ script: SCRIPT, ...fields })).toThrow(/is not valid/);
  });

  test("refuses a non-string field", () => {
    const bad = { script: SCRIPT, platform: 7, driver: "ipxe", extension: "lkrn" };
    expect(() => parseIpxeInput(bad as unknown as IpxeInput)).toThrow(/platform must be a string/);
  });

  test("refuses scripts with NUL bytes or over the size limit", () => {
    expect(() => parseIpxeInput(input("bin/ipxe/lkrn", "#!ipxe\n\0"))).toThrow(/NUL/);
    const huge = `#!ipxe\n${"echo x\n".repeat(MAX_SCRIPT_BYTES / 7 + 1)}`;
    expect(() => parseIpxeInput(input("bin/ipxe/lkrn", huge))).toThrow(/larger than/);
  });
});

describe("normalizeIpxeScript", () => {
  test("prepends the #!ipxe magic when it is missing", () => {
    expect(normalizeIpxeScript("dhcp\nchain http://x/\n")).toBe("#!ipxe\ndhcp\nchain http://x/\n");
    expect(normalizeIpxeScript("\n#!ipxe\ndhcp\n")).toBe("#!ipxe\n\n#!ipxe\ndhcp\n");
    expect(normalizeIpxeScript("#!ipxeboot\n")).toBe("#!ipxe\n#!ipxeboot\n");
  });

  test("keeps a script that has it, adding only a final newline", () => {
    expect(normalizeIpxeScript(SCRIPT)).toBe(SCRIPT);
    expect(normalizeIpxeScript("#!ipxe\r\ndhcp")).toBe("#!ipxe\r\ndhcp\n");
    expect(normalizeIpxeScript("#!gpxe\ndhcp\n")).toBe("#!gpxe\ndhcp\n");
    expect(normalizeIpxeScript("#!ipxe")).toBe("#!ipxe\n");
  });
});

describe("buildIpxe", () => {
  let outDir: string;
  beforeAll(() => ensureIpxeVendor(AbortSignal.timeout(120_000)), 150_000);
  beforeEach(async () => {
    outDir = await mkdtemp(join(tmpdir(), "ipxe-build-"));
  });
  afterEach(() => rm(outDir, { recursive: true, force: true }));

  test.each(SUPPORTED_IPXE_TARGETS.map((t) => [t]))(
    "%s: writes Debian's binary under its conventional name and autoexec.ipxe",
    async (target) => {
      const progress: number[] = [];
      const files = await buildIpxe(input(target), outDir, {
        signal: AbortSignal.timeout(10_000),
        onProgress: (pct) => progress.push(pct),
      });
      const { debianFile, outputName } = parseIpxeInput(input(target));
      expect(files).toEqual([
        { name: outputName, path: join(outDir, outputName) },
        { name: "autoexec.ipxe", path: join(outDir, "autoexec.ipxe") },
      ]);
      expect(await sha256(join(outDir, outputName))).toBe(
        await sha256(join(defaultBuilderPaths.ipxeDir, debianFile)),
      );
      expect(await readFile(join(outDir, "autoexec.ipxe"), "utf8")).toBe(SCRIPT);
      expect(progress.at(-1)).toBe(100);
    },
  );

  test("keeps a long script intact and adds the magic line", async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `echo line ${i}`).join("\n");
    await buildIpxe(input("bin-x86_64-efi/ipxe/efi", body), outDir, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(await readFile(join(outDir, "autoexec.ipxe"), "utf8")).toBe(`#!ipxe\n${body}\n`);
  });

  test("says how to fix missing iPXE binaries", async () => {
    const ctx = { signal: AbortSignal.timeout(10_000), paths: { ipxeDir: join(outDir, "none") } };
    await expect(buildIpxe(input("bin/ipxe/lkrn"), outDir, ctx)).rejects.toThrow(/fetch-ipxe\.sh/);
  });

  test("stops when aborted", async () => {
    const signal = AbortSignal.abort();
    await expect(buildIpxe(input("bin/ipxe/lkrn"), outDir, { signal })).rejects.toThrow(/abort/i);
  });
});
