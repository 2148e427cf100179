import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { espVolumeLabel } from "../../src/builders/media.ts";
import { type BootServer, startBootServer } from "../lab/boot-server.ts";
import { ensureIpxeVendor } from "../lab/ipxe-vendor.ts";
import { type BootMedium, type Firmware, withVm } from "../lab/qemu.ts";
import { buildTestIso } from "./build-all.ts";

/**
 * Boots the built ISO in QEMU (TCG) and checks that the iPXE embedded in it ran its script:
 * `dhcp`, then `chain` to the mainscript served by this test, which chains to a marker URL
 * unique to the boot. The marker request arriving with iPXE's User-Agent is the proof;
 * the serial console is kept for the failure message and to check which path booted.
 */

const VM_TIMEOUT_MS = 120_000;
const LABEL = "Provisioner Boot Test";

let server: BootServer;
let dir: string;
let iso: string;

async function bootUntilMarker(firmware: Firmware, kind: BootMedium["kind"]) {
  const id = randomUUID();
  const marker = server.armMarker(id);
  const vmDir = await mkdtemp(join(dir, `vm-${firmware}-${kind}-`));
  const started = Date.now();
  return withVm(
    { firmware, medium: { kind, path: iso }, workDir: vmDir, timeoutMs: VM_TIMEOUT_MS },
    async (vm) => {
      const outcome = await Promise.race([
        marker.then((request) => ({ request })),
        vm.exited.then((exit) => ({ exit })),
      ]);
      const serial = vm.console();
      if (!("request" in outcome)) {
        const how = outcome.exit.timedOut ? "timed out" : `exited (${outcome.exit.exitCode})`;
        throw new Error(
          `QEMU ${how} before the marker request; requests: ${JSON.stringify(server.requests.slice(-5))}\n--- console tail ---\n${serial.slice(-3000)}`,
        );
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.info(`${firmware} ${kind}: marker after ${seconds} s`);
      return { request: outcome.request, serial };
    },
  );
}

describe.skipIf(process.env.PROVISIONER_SKIP_VM_TESTS === "1")("ISO boots in QEMU", () => {
  beforeAll(async () => {
    const signal = AbortSignal.timeout(120_000);
    await ensureIpxeVendor(signal);
    server = await startBootServer();
    dir = await mkdtemp(join(tmpdir(), "iso-boot-"));
    const script = `#!ipxe\necho embedded script running\ndhcp\nchain ${server.mainscriptUrl}\n`;
    iso = await buildTestIso(LABEL, script, dir, { signal });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("BIOS, as CD: ISOLINUX loads ipxe.lkrn with the script as initrd", {
    timeout: 180_000,
  }, async () => {
    const { request, serial } = await bootUntilMarker("bios", "cdrom");
    expect(request.userAgent).toMatch(/^iPXE\/1\.21\.1/);
    expect(serial).toContain("ISOLINUX");
    expect(serial).toContain("embedded script running");
  });

  test("BIOS, as raw disk (USB): isohybrid MBR starts ISOLINUX", { timeout: 180_000 }, async () => {
    const { request, serial } = await bootUntilMarker("bios", "disk");
    expect(request.userAgent).toMatch(/^iPXE\/1\.21\.1/);
    expect(serial).toContain("Booting from Hard Disk");
    expect(serial).toContain("ISOLINUX");
  });

  test("UEFI, as CD: GRUB finds the label, chainloads ipxe.efi, iPXE reads the script from the ESP", {
    timeout: 180_000,
  }, async () => {
    const { request, serial } = await bootUntilMarker("uefi", "cdrom");
    expect(request.userAgent).toMatch(/^iPXE\/1\.21\.1/);
    expect(serial).toContain("GRUB");
    expect(serial).toContain(`file://${espVolumeLabel(LABEL)}/EFI/ipxe/autoexec.ipxe... ok`);
  });

  test("UEFI, as raw disk (USB): the ESP is GPT partition 2", { timeout: 180_000 }, async () => {
    const { request, serial } = await bootUntilMarker("uefi", "disk");
    expect(request.userAgent).toMatch(/^iPXE\/1\.21\.1/);
    expect(serial).toContain(`file://${espVolumeLabel(LABEL)}/EFI/ipxe/autoexec.ipxe... ok`);
  });
});
