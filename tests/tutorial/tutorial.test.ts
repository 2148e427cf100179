import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../helpers/until.ts";
import { ensureIpxeVendor } from "../lab/ipxe-vendor.ts";
import { type DhcpRouter, startLabDhcpRouter } from "../lab/lab-dhcp-router.ts";
import { NODE } from "../lab/lab-provisioner.ts";
import { createLab, type Lab } from "../lab/netns.ts";
import { CONSOLE_UNITS_RAN, ensureNodeOs } from "../lab/node-os.ts";
import type { Firmware } from "../lab/qemu.ts";
import { randomMac, startTapVm, type TapVm } from "../lab/tap-vm.ts";
import { tutorialBlocks } from "./markdown-blocks.ts";

/**
 * Runs every `sh` block of docs/tutorial.md in order, as a reader would, and checks
 * what each prints. The operator's shell runs in the lab's "site" namespace, which also
 * holds the server the tutorial starts, its distributor agent on lan0 and a "mirror"
 * (DI_MIRROR) serving the lab node OS under the Debian installer's file names; "router"
 * is the LAN's plain DHCP server. Variables a block exports carry over to the next (the
 * state file), as in one terminal session.
 *
 * Where the tutorial switches hosts on (`<!-- before: hosts boot -->`), two QEMU VMs on
 * the lab bridge, one UEFI and one BIOS, PXE-boot through the distributor and the
 * bundles the tutorial built; the node OS follows the tutorial's preseed (early_command
 * registers, late_command installs the key and the call-home unit). The test waits until
 * both have run their call-home unit, then the remaining blocks (script run, WireGuard
 * join and ping) run against them.
 */
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const SUBNET = "10.99.73";
const ROUTER_IP = `${SUBNET}.1`;
const SITE_IP = `${SUBNET}.2`;
const MIRROR_PORT = 8099;
const BLOCK_TIMEOUT_MS = 15 * 60_000;
const HOSTS_UP_MS = 300_000;
/** A quick local run without VMs stops where the hosts would boot. */
const skipVm = process.env.PROVISIONER_SKIP_VM_TESTS === "1";
const HOSTS: Array<{ name: string; firmware: Firmware }> = [
  { name: "uefi", firmware: "uefi" },
  { name: "bios", firmware: "bios" },
];

let lab: Lab | undefined;
let work: string;
let router: DhcpRouter | undefined;
let mirror: ResultPromise | undefined;
const vms: Array<{ name: string; vm: TapVm }> = [];
const aborter = new AbortController();

beforeAll(async () => {
  const signal = AbortSignal.any([aborter.signal, AbortSignal.timeout(600_000)]);
  await ensureIpxeVendor(signal);
  const nodeOs = await ensureNodeOs(signal);
  work = await mkdtemp(path.join(tmpdir(), "tutorial-"));
  // The embedded PostgreSQL runs as user postgres and must reach ./data.
  await chmod(work, 0o755);
  const bin = path.join(work, ".bin");
  await mkdir(bin);
  await symlink(path.join(REPO, "bin/provisioner.js"), path.join(bin, "provisioner"));
  const mirrorDir = path.join(work, ".mirror");
  await mkdir(mirrorDir);
  await copyFile(nodeOs.kernel, path.join(mirrorDir, "linux"));
  await copyFile(nodeOs.initrd, path.join(mirrorDir, "initrd.gz"));

  lab = await createLab({
    hosts: [
      { name: "router", address: ROUTER_IP },
      { name: "site", address: SITE_IP },
    ],
    taps: HOSTS.length,
    signal: aborter.signal,
  });
  router = await startLabDhcpRouter(lab, {
    host: "router",
    first: `${SUBNET}.100`,
    last: `${SUBNET}.199`,
    dir: work,
  });
  const [cmd = "ip", ...prefix] = lab.inNamespace(lab.host("site").namespace);
  mirror = execa(
    cmd,
    [
      ...prefix,
      NODE,
      "--disable-warning=ExperimentalWarning",
      path.join(REPO, "tests/lab/lab-boot-http.ts"),
      SITE_IP,
      String(MIRROR_PORT),
      mirrorDir,
    ],
    { buffer: false, stdin: "ignore", stdout: "ignore", stderr: "inherit", reject: false },
  );
}, 660_000);

afterAll(async () => {
  aborter.abort();
  await mkdir(path.join(REPO, ".tmp"), { recursive: true });
  for (const { name, vm } of vms.splice(0)) {
    await vm.stop();
    // Kept for a look after a failure.
    await writeFile(path.join(REPO, `.tmp/tutorial-${name}-console.log`), vm.console());
  }
  mirror?.kill("SIGTERM");
  await mirror;
  await router?.stop();
  // Kills the server, its embedded PostgreSQL, the agent and dnsmasq: all live in the lab.
  await lab?.teardown();
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

const env = () => ({
  PATH: `${path.join(work, ".bin")}:${process.env.PATH ?? ""}`,
  HOME: work,
  PROVISIONER_SERVER: `http://${SITE_IP}:8080`,
  SITE: "tutorial.example",
  LAN_DEVICE: "lan0",
  LAN_RANGE: `${SUBNET}.0/24`,
  DI_MIRROR: `http://${SITE_IP}:${MIRROR_PORT}`,
});

const consoles = () =>
  vms
    .map(({ name, vm }) => `--- ${name} console (tail) ---\n${vm.console().slice(-2500)}`)
    .join("\n");

/** "The reader switches the hosts on": both VMs boot at once; resolves when both are up. */
async function bootHosts(current: Lab): Promise<void> {
  for (const [i, host] of HOSTS.entries()) {
    const workDir = await mkdtemp(path.join(work, `.vm-${host.name}-`));
    const vm = await startTapVm(current, {
      firmware: host.firmware,
      mac: randomMac(),
      workDir,
      tap: current.taps[i],
      timeoutMs: BLOCK_TIMEOUT_MS,
    });
    vms.push({ name: host.name, vm });
  }
  // From here: startTapVm may have waited for another test file's VMs first.
  const started = Date.now();
  for (const { name, vm } of vms) {
    await until(
      `the ${name} VM to register and run its call-home unit`,
      () => vm.console().includes(CONSOLE_UNITS_RAN),
      HOSTS_UP_MS,
      consoles,
      1000,
    );
    console.info(
      `[tutorial] ${name} host up after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
}

describe("docs/tutorial.md", () => {
  it(
    "runs from an empty server to two booted nodes that reach each other over WireGuard",
    async () => {
      if (!lab) throw new Error("no lab");
      const blocks = tutorialBlocks(await readFile(path.join(REPO, "docs/tutorial.md"), "utf8"));
      expect(blocks.length).toBeGreaterThanOrEqual(14);
      expect(blocks.filter((b) => b.hostsBoot)).toHaveLength(1);
      const state = path.join(work, ".tutorial-env");
      for (const block of blocks) {
        if (block.hostsBoot && skipVm) {
          console.info("[tutorial] PROVISIONER_SKIP_VM_TESTS=1: stopping where the hosts boot");
          return;
        }
        if (block.hostsBoot) await bootHosts(lab);
        const script = [
          "set -eu -o pipefail",
          `[ -f '${state}' ] && . '${state}'`,
          block.code,
          `export -p > '${state}'`,
        ].join("\n");
        const began = Date.now();
        const result = await execa(
          "ip",
          ["netns", "exec", lab.host("site").namespace, "bash", "-c", script],
          {
            cwd: work,
            env: env(),
            extendEnv: false,
            reject: false,
            stdin: "ignore",
            timeout: BLOCK_TIMEOUT_MS,
            all: true,
          },
        );
        console.info(
          `[tutorial] block at line ${block.line}: ${((Date.now() - began) / 1000).toFixed(1)} s`,
        );
        const output = String(result.all ?? "");
        const context = `block at docs/tutorial.md:${block.line} printed:\n${output.slice(-4000)}\n${block.hostsBoot || vms.length ? consoles() : ""}`;
        expect(result.exitCode, context).toBe(0);
        for (const pattern of block.expect) expect(output, context).toMatch(pattern);
      }
    },
    45 * 60_000,
  );
});
