import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { defaultBuilderPaths } from "../../src/builders/context.ts";
import {
  buildSyslinux,
  parseSyslinuxInput,
  SUPPORTED_SYSLINUX_FRAGMENTS,
} from "../../src/builders/syslinux.ts";

describe("parseSyslinuxInput", () => {
  test.each(["pxelinux.0", "menu.c32", "../../etc/passwd", "ldlinux.c32\n", "", "ISOLINUX.BIN"])(
    "refuses %j and lists the supported fragments",
    (fragment) => {
      const attempt = () => parseSyslinuxInput({ fragment });
      expect(attempt).toThrow(
        /is not supported; supported: ldlinux\.c32, isolinux\.bin, isohdpfx\.bin/,
      );
    },
  );
});

describe("buildSyslinux", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "syslinux-build-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const sources = {
    "ldlinux.c32": defaultBuilderPaths.ldlinuxC32,
    "isolinux.bin": defaultBuilderPaths.isolinuxBin,
    "isohdpfx.bin": defaultBuilderPaths.isohdpfxBin,
  };

  test.each(SUPPORTED_SYSLINUX_FRAGMENTS)("%s is Debian's file, unchanged", async (fragment) => {
    const out = join(dir, fragment);
    const files = await buildSyslinux({ fragment }, out, { signal: AbortSignal.timeout(10_000) });
    expect(files).toEqual([{ name: fragment, path: join(out, fragment) }]);
    expect((await readFile(join(out, fragment))).equals(await readFile(sources[fragment]))).toBe(
      true,
    );
  });
});
