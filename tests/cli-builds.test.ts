import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisioner } from "./helpers/cli.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

let server: TestServer;
let dir: string;
let auth: string[];
beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), "cli-builds-"));
  auth = ["--server", server.url, "--token", server.token];
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function create(args: string[]): Promise<{ id: string; status: string }> {
  const result = await provisioner([...auth, "--json", ...args, "--wait"]);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { id: string; status: string };
}

describe("provisioner build commands", () => {
  it("ipxe create --wait -o DIR shows progress and downloads the bundle", async () => {
    const script = path.join(dir, "boot.ipxe");
    await writeFile(script, "#!ipxe\ndhcp\nchain http://10.0.2.2/api/mainscripts/1\n");
    const out = path.join(dir, "bundle");
    const result = await provisioner([
      ...auth,
      "ipxe",
      "create",
      "--script",
      script,
      "--platform",
      "bin",
      "--extension",
      "lkrn",
      "-o",
      out,
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/ipxe \d+ DONE 100%/);
    expect((await readdir(out)).sort()).toEqual(["autoexec.ipxe", "ipxe.lkrn"]);
    expect(await readFile(path.join(out, "autoexec.ipxe"), "utf8")).toBe(
      await readFile(script, "utf8"),
    );
  });

  it("iso create from earlier builds writes dist.iso, verified by sha256", async () => {
    const efiScript = path.join(dir, "efi.ipxe");
    await writeFile(efiScript, "#!ipxe\necho iso\n");
    const ids = {
      "--ipxe-uefi": (await create(["ipxe", "create", "--script", efiScript])).id,
      "--ipxe-bios": (
        await create([
          "ipxe",
          "create",
          "--script",
          efiScript,
          "--platform",
          "bin",
          "--extension",
          "lkrn",
        ])
      ).id,
      "--grub-img": (await create(["grub", "create", "--label", "CLI ISO", "--fragment", "img"]))
        .id,
      "--grub-efi-x64": (
        await create(["grub", "create", "--label", "CLI ISO", "--fragment", "efi"])
      ).id,
      "--grub-efi-x86": (
        await create([
          "grub",
          "create",
          "--label",
          "CLI ISO",
          "--fragment",
          "efi",
          "--architecture",
          "x86",
        ])
      ).id,
      "--ld-linux": (await create(["syslinux", "create", "--fragment", "ldlinux.c32"])).id,
      "--isolinux-bin": (await create(["syslinux", "create", "--fragment", "isolinux.bin"])).id,
      "--isohdpfx-bin": (await create(["syslinux", "create", "--fragment", "isohdpfx.bin"])).id,
    };
    const iso = path.join(dir, "dist.iso");
    const result = await provisioner([
      ...auth,
      "--json",
      "iso",
      "create",
      "--label",
      "CLI ISO",
      ...Object.entries(ids).flat(),
      "-o",
      iso,
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const { id } = JSON.parse(result.stdout) as { id: string };
    const r = await server.gql<{ build: { files: Array<{ sha256: string }> } }>(
      `query($id: ID!) { build(id: $id) { files { sha256 } } }`,
      { id },
    );
    const bytes = await readFile(iso);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(r.data?.build.files[0]?.sha256);
    // ISO 9660 primary volume descriptor at 32 KiB, carrying the label as volume id.
    expect(bytes.subarray(0x8001, 0x8006).toString()).toBe("CD001");
    expect(bytes.subarray(0x8028, 0x8028 + 7).toString()).toBe("CLI ISO");
  }, 90_000);

  it("refused input exits 1 with the server's reason", async () => {
    const result = await provisioner([...auth, "syslinux", "create", "--fragment", "pxelinux.0"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/BAD_USER_INPUT: fragment "pxelinux.0" is not supported/);
  });
});
