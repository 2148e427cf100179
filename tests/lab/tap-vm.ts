import { randomBytes } from "node:crypto";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import type { Lab } from "./netns.ts";
import { processLock } from "./process-lock.ts";
import { type Firmware, OVMF_CODE, OVMF_VARS, plainConsole } from "./qemu.ts";

/**
 * A QEMU VM on the lab LAN: its NIC is one of the lab's tap devices (so QEMU runs inside
 * the bridge namespace) and it PXE-boots (`-boot n`). TCG only.
 *
 * The machines have 2 cores, so test files that run in parallel take turns: a VM starts
 * only while its process holds a lock directory under .tmp/ (released when the process's
 * last VM stops or exits; a lock whose owner process is gone is taken over). The lock
 * counts within its process, so one test file may run several VMs at once (the
 * tutorial's two WireGuard peers) while VMs of other test files wait for all of them.
 *
 * UEFI: OVMF with virtio-net and `romfile=`, so the firmware's own PXE client fetches the
 * NBP over TFTP. BIOS: SeaBIOS with the e1000's iPXE option ROM (user class "iPXE").
 */

export type TapVmOptions = {
  firmware: Firmware;
  mac: string;
  /** Scratch directory (OVMF's writable variable store goes here). */
  workDir: string;
  /** Hard limit; QEMU is killed after it whatever happens. */
  timeoutMs: number;
  /** Which of the lab's taps; default the first. */
  tap?: string;
  memoryMiB?: number;
  /** How long to wait for another test's VM to finish; default 10 min. */
  lockTimeoutMs?: number;
};

export type TapVm = {
  /** Serial console so far, escape sequences removed (the last 512 KiB). */
  console(): string;
  exited: ResultPromise;
  stop(): Promise<void>;
};

const CONSOLE_LIMIT = 512 * 1024;
const takeVmLock = processLock(
  join(fileURLToPath(new URL("../../.tmp/", import.meta.url)), "vm.lock"),
);

/** A locally administered MAC in QEMU's 52:54:00 range, random in its last three bytes. */
export function randomMac(): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, "0")).join(":");
  return `52:54:00:${tail}`;
}

export async function startTapVm(lab: Lab, opts: TapVmOptions): Promise<TapVm> {
  const tap = opts.tap ?? lab.taps[0];
  if (!tap) throw new Error("the lab has no tap device");
  const args = [
    "-accel",
    "tcg",
    "-m",
    String(opts.memoryMiB ?? 512),
    "-nographic",
    "-no-reboot",
    "-boot",
    "n",
    "-netdev",
    `tap,id=n0,ifname=${tap},script=no,downscript=no`,
  ];
  if (opts.firmware === "uefi") {
    const vars = join(opts.workDir, "OVMF_VARS.fd");
    await copyFile(OVMF_VARS, vars);
    args.push(
      "-drive",
      `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
      "-drive",
      `if=pflash,format=raw,file=${vars}`,
      // romfile= leaves the firmware's own UEFI PXE client in charge (no iPXE ROM).
      "-device",
      `virtio-net-pci,netdev=n0,mac=${opts.mac},romfile=`,
    );
  } else {
    // The e1000's option ROM is iPXE: a BIOS PXE client that says "iPXE" in its user class.
    args.push("-device", `e1000,netdev=n0,mac=${opts.mac}`);
  }
  const release = await takeVmLock(opts.lockTimeoutMs ?? 600_000);
  const [cmd = "ip", ...prefix] = lab.inBridge();
  const vm: ResultPromise = execa(cmd, [...prefix, "qemu-system-x86_64", ...args], {
    buffer: false,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    reject: false,
    timeout: opts.timeoutMs,
    forceKillAfterDelay: 3000,
  });
  let raw = "";
  const append = (chunk: Buffer) => {
    raw += chunk.toString("latin1");
    if (raw.length > CONSOLE_LIMIT) raw = raw.slice(-CONSOLE_LIMIT);
  };
  vm.stdout?.on("data", append);
  vm.stderr?.on("data", append);
  void vm.then(release);
  return {
    console: () => plainConsole(raw),
    exited: vm,
    stop: async () => {
      vm.kill("SIGKILL");
      await vm;
      await release();
    },
  };
}
