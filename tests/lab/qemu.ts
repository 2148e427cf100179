import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

/**
 * QEMU helpers for boot tests. TCG only (KVM does not work on these machines), user-mode
 * networking only: the guest reaches 10.0.2.2, which QEMU maps to the host's loopback.
 * Run one VM at a time; the machines have 2 cores.
 */

export type Firmware = "bios" | "uefi";
export type BootMedium = { kind: "cdrom" | "disk"; path: string };
export type VmOptions = {
  firmware: Firmware;
  medium: BootMedium;
  /** Scratch directory for the UEFI variable store. */
  workDir: string;
  /** Hard limit; QEMU is killed after it whatever happens. */
  timeoutMs: number;
  memoryMiB?: number;
};

export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
export const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";
const CONSOLE_LIMIT = 256 * 1024;

/** The QEMU command line; `varsPath` is a writable copy of OVMF's variable store. */
export function qemuArgs(opts: VmOptions, varsPath: string): string[] {
  const args = [
    "-accel",
    "tcg",
    "-m",
    String(opts.memoryMiB ?? 512),
    "-nographic",
    "-no-reboot",
    "-netdev",
    "user,id=n0",
  ];
  if (opts.firmware === "uefi") {
    args.push(
      "-drive",
      `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
      "-drive",
      `if=pflash,format=raw,file=${varsPath}`,
      // romfile= keeps the NIC's own boot ROM out, so only the medium can boot.
      "-device",
      "virtio-net-pci,netdev=n0,romfile=",
    );
  } else {
    args.push("-device", "e1000,netdev=n0,romfile=");
  }
  if (opts.medium.kind === "cdrom") {
    args.push("-drive", `file=${opts.medium.path},format=raw,media=cdrom,readonly=on`);
    if (opts.firmware === "bios") args.push("-boot", "order=d");
  } else {
    // snapshot=on: the guest's writes never reach the image under test.
    const bus = opts.firmware === "uefi" ? "virtio" : "ide";
    args.push("-drive", `file=${opts.medium.path},format=raw,if=${bus},snapshot=on`);
    if (opts.firmware === "bios") args.push("-boot", "order=c");
  }
  return args;
}

// ANSI/VT100 sequences the firmware and iPXE paint with; removed so text can be matched.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const ESCAPES = /\u001b(?:\[[0-9;?=]*[A-Za-z]|[()][0-9A-Za-z]|[78=>c])/g;

export function plainConsole(raw: string): string {
  return raw.replace(ESCAPES, "").replace(/\r/g, "");
}

export type Vm = {
  /** Serial console so far, escape sequences removed (the last 256 KiB). */
  console(): string;
  /** Resolves when QEMU has exited, for whatever reason. */
  exited: Promise<{ exitCode: number | undefined; timedOut: boolean }>;
  stop(): Promise<void>;
};

export async function startVm(opts: VmOptions): Promise<Vm> {
  const varsPath = join(opts.workDir, "OVMF_VARS.fd");
  if (opts.firmware === "uefi") await copyFile(OVMF_VARS, varsPath);
  const controller = new AbortController();
  const subprocess = execa("qemu-system-x86_64", qemuArgs(opts, varsPath), {
    cancelSignal: controller.signal,
    timeout: opts.timeoutMs,
    forceKillAfterDelay: 3000,
    reject: false,
    buffer: false,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let raw = "";
  const append = (chunk: Buffer) => {
    raw += chunk.toString("latin1");
    if (raw.length > CONSOLE_LIMIT) raw = raw.slice(raw.length - CONSOLE_LIMIT);
  };
  subprocess.stdout?.on("data", append);
  subprocess.stderr?.on("data", append);
  const exited = subprocess.then((result) => ({
    exitCode: result.exitCode,
    timedOut: result.timedOut,
  }));
  return {
    console: () => plainConsole(raw),
    exited,
    stop: async () => {
      controller.abort();
      await exited;
    },
  };
}

/** Boots a VM, runs `fn`, and always stops the VM afterwards. */
export async function withVm<T>(opts: VmOptions, fn: (vm: Vm) => Promise<T>): Promise<T> {
  const vm = await startVm(opts);
  try {
    return await fn(vm);
  } finally {
    await vm.stop();
  }
}
