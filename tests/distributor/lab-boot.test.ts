import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { defaultBuilderPaths } from "../../src/builders/context.ts";
import {
  type BootEvent,
  createBootEventParser,
} from "../../src/distributor/dnsmasq/boot-events.ts";
import { withNeighbourMac } from "../../src/distributor/dnsmasq/neighbours.ts";
import { renderDnsmasqConfig } from "../../src/distributor/dnsmasq/render.ts";
import {
  type DnsmasqSupervisor,
  superviseDnsmasq,
} from "../../src/distributor/dnsmasq/supervise.ts";
import { createLogger } from "../../src/logger.ts";
import { until } from "../helpers/until.ts";
import { ensureIpxeVendor } from "../lab/ipxe-vendor.ts";
import { type DhcpRouter, startLabDhcpRouter } from "../lab/lab-dhcp-router.ts";
import { createLab, type Lab } from "../lab/netns.ts";
import {
  CONSOLE_CALLED_HOME,
  CONSOLE_HOST_KEY,
  ensureNodeOs,
  type NodeOs,
  nodeOsCmdline,
} from "../lab/node-os.ts";
import type { Firmware } from "../lab/qemu.ts";
import { randomMac, startTapVm } from "../lab/tap-vm.ts";

/**
 * The distributor's own pieces, end to end, without the GraphQL server: a private LAN
 * (network namespaces, 10.99.0.0/24, never routed) with a plain DHCP "router", and a
 * "distributor" host running the rendered proxy-DHCP dnsmasq under the supervisor plus a
 * small HTTP server standing in for the provisioner (boot script, keys, call-home).
 *
 * One VM at a time (TCG, 2 cores) PXE-boots from nothing to the lab node OS, which
 * fetches its authorized_keys, starts dropbear and calls home; then SSH from the
 * distributor's namespace must run a command with its output and exit code, against the
 * host key the node printed on its console (pinned, not ignored). The dnsmasq log lines
 * must have become DHCP and TFTP boot events for the VM's MAC.
 *
 * BIOS: SeaBIOS + the e1000's iPXE ROM (user class iPXE) gets the script URL straight
 * from the proxy; UEFI: OVMF's own PXE client fetches ipxe.efi by TFTP, which runs
 * autoexec.ipxe (dhcp, chain the script). In both, the script loads the node OS's kernel
 * and initramfs from the distributor's TFTP root, as a site's distributor serves binaries.
 */

const SUBNET = "10.99.0";
const ROUTER = `${SUBNET}.1`;
const DISTRIBUTOR = `${SUBNET}.2`;
const HTTP_PORT = 8098;
const ARTIFACT_ID = "lab.distributor.test";
const BOOT_TIMEOUT_MS = 240_000;
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const NODE = join(REPO, "node_modules/.bin/node");
const skipVm = process.env.PROVISIONER_SKIP_VM_TESTS === "1";

type HttpEvent = {
  event: string;
  method?: string;
  path?: string;
  ip?: string;
  artifactId?: string;
  pingable?: string;
  from?: string;
};

let nodeOs: NodeOs;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  if (skipVm) return;
  const signal = AbortSignal.timeout(300_000);
  await ensureIpxeVendor(signal);
  nodeOs = await ensureNodeOs(signal);
}, 320_000);

afterEach(async () => {
  // Reverse order: VM, servers, then the namespaces (which also kills any straggler).
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch(() => {});
  }
});

async function startHttp(lab: Lab, dir: string) {
  const [cmd = "ip", ...prefix] = lab.inNamespace(lab.host("dist").namespace);
  const child = execa(
    cmd,
    [
      ...prefix,
      NODE,
      "--disable-warning=ExperimentalWarning",
      join(REPO, "tests/lab/lab-boot-http.ts"),
      DISTRIBUTOR,
      String(HTTP_PORT),
      dir,
    ],
    { buffer: false, stdin: "ignore", stdout: "pipe", stderr: "inherit", reject: false },
  );
  const events: HttpEvent[] = [];
  if (child.stdout) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        events.push(JSON.parse(line) as HttpEvent);
      } catch {
        // Not one of ours; ignore.
      }
    });
  }
  cleanups.push(async () => {
    child.kill("SIGTERM");
    await child;
  });
  await until(
    "the HTTP server",
    () => events.some((e) => e.event === "listening"),
    20_000,
    () => "",
  );
  return events;
}

async function bootOnce(firmware: Firmware) {
  const t0 = Date.now();
  const lap = (what: string) =>
    console.info(`[${firmware}] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const dir = await mkdtemp(join(tmpdir(), `lab-boot-${firmware}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // dnsmasq serves TFTP as "nobody": everything under the root must be readable to it.
  await chmod(dir, 0o755);
  const tftp = join(dir, "tftp");
  const http = join(dir, "http");
  await mkdir(tftp, { mode: 0o755 });
  await mkdir(http, { mode: 0o755 });

  const lab = await createLab({
    hosts: [
      { name: "router", address: ROUTER },
      { name: "dist", address: DISTRIBUTOR },
    ],
    taps: 1,
    signal: AbortSignal.timeout(60_000),
  });
  cleanups.push(() => lab.teardown());

  const router: DhcpRouter = await startLabDhcpRouter(lab, {
    host: "router",
    first: `${SUBNET}.100`,
    last: `${SUBNET}.199`,
    dir,
  });
  cleanups.push(() => router.stop());

  // TFTP root: the trixie iPXE binaries, the UEFI bootstrap script, the node OS.
  const scriptUrl = `http://${DISTRIBUTOR}:${HTTP_PORT}/boot.ipxe`;
  await copyFile(join(defaultBuilderPaths.ipxeDir, "ipxe-amd64.efi"), join(tftp, "ipxe.efi"));
  await copyFile(join(defaultBuilderPaths.ipxeDir, "undionly.kpxe"), join(tftp, "undionly.kpxe"));
  await writeFile(join(tftp, "autoexec.ipxe"), `#!ipxe\ndhcp\nchain ${scriptUrl}\n`);
  await copyFile(nodeOs.kernel, join(tftp, "vmlinuz"));
  await copyFile(nodeOs.initrd, join(tftp, "initrd.gz"));

  // HTTP: the boot script and the keys the node fetches.
  const keyFile = join(dir, "id_ed25519");
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lab", "-f", keyFile], {
    timeout: 30_000,
  });
  await copyFile(`${keyFile}.pub`, join(http, "authorized_keys"));
  const cmdline = nodeOsCmdline({
    keysUrl: `http://${DISTRIBUTOR}:${HTTP_PORT}/authorized_keys`,
    callhomeUrl: `http://${DISTRIBUTOR}:${HTTP_PORT}/api/localnodes`,
    artifactId: ARTIFACT_ID,
  });
  await writeFile(
    join(http, "boot.ipxe"),
    [
      "#!ipxe",
      "echo lab boot script reached",
      `kernel tftp://${DISTRIBUTOR}/vmlinuz initrd=initrd.gz ${cmdline}`,
      `initrd tftp://${DISTRIBUTOR}/initrd.gz`,
      "boot",
      "",
    ].join("\n"),
  );
  const httpEvents = await startHttp(lab, http);

  // The distributor's dnsmasq: rendered config, supervised, its lines parsed.
  const configFile = join(dir, "dnsmasq.conf");
  await writeFile(
    configFile,
    renderDnsmasqConfig({
      interface: "lan0",
      range: `${DISTRIBUTOR}/24`,
      tftpRoot: tftp,
      scriptUrl,
      uefiBootFile: "ipxe.efi",
      biosBootFile: "undionly.kpxe",
      leaseFile: join(dir, "proxy.leases"),
      pidFile: join(dir, "proxy.pid"),
    }),
  );
  const lines: string[] = [];
  const events: BootEvent[] = [];
  const parse = createBootEventParser();
  const distNs = lab.host("dist").namespace;
  let enriching: Promise<void> = Promise.resolve();
  const started = { value: false };
  const supervisor: DnsmasqSupervisor = superviseDnsmasq({
    configFile,
    logger: createLogger("silent"),
    launcher: lab.inNamespace(distNs),
    onLine: (line) => {
      lines.push(line);
      if (/TFTP root is/.test(line)) started.value = true;
      const event = parse(line);
      if (!event) return;
      // As the agent does: a MAC the line lacks comes from the LAN's neighbour table,
      // here the distributor namespace's /proc/net/arp.
      enriching = enriching.then(async () => {
        events.push(await withNeighbourMac(event, () => lab.run(distNs, "cat", ["/proc/net/arp"])));
      });
    },
  });
  cleanups.push(() => supervisor.stop());
  // Kept for a look after a failure (and as raw material for the parser's golden tests).
  cleanups.push(async () => {
    await mkdir(join(REPO, ".tmp"), { recursive: true });
    await writeFile(join(REPO, `.tmp/lab-boot-${firmware}.log`), lines.join("\n"));
  });
  await until(
    "the proxy dnsmasq",
    () => started.value || undefined,
    20_000,
    () => lines.join("\n"),
  );

  const mac = randomMac();
  const vm = await startTapVm(lab, {
    firmware,
    mac,
    workDir: dir,
    timeoutMs: BOOT_TIMEOUT_MS + 60_000,
  });
  cleanups.push(() => vm.stop());
  lap("VM started");
  const context = () =>
    [
      "--- console (tail) ---",
      vm.console().slice(-4000),
      "--- proxy dnsmasq ---",
      lines.slice(-80).join("\n"),
      "--- router dnsmasq ---",
      router.lines.slice(-30).join("\n"),
      "--- http ---",
      JSON.stringify(httpEvents.slice(-20)),
    ].join("\n");

  const callhome = await until(
    "the node to call home",
    () => httpEvents.find((e) => e.event === "callhome"),
    BOOT_TIMEOUT_MS,
    context,
  );
  lap(`node called home as ${callhome.ip}`);
  const nodeIp = callhome.ip ?? "";
  expect(callhome).toMatchObject({ artifactId: ARTIFACT_ID, pingable: "true", from: nodeIp });
  expect(router.leases.get(mac)).toBe(nodeIp);
  expect(httpEvents.some((e) => e.path === "/boot.ipxe")).toBe(true);
  // The node prints its line after the HTTP answer; the serial console may lag behind it.
  await until(
    "the node's console to say it called home",
    () => (vm.console().includes(`${CONSOLE_CALLED_HOME}${nodeIp}`) ? true : undefined),
    30_000,
    context,
  );

  // Pin the host key the node printed; never accept an unknown one.
  const hostKey = new RegExp(`${CONSOLE_HOST_KEY}(ssh-ed25519 [A-Za-z0-9+/=]+)`).exec(
    vm.console(),
  )?.[1];
  expect(hostKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}=?$/);
  const knownHosts = join(dir, "known_hosts");
  await writeFile(knownHosts, `${nodeIp} ${hostKey}\n`);
  const [cmd = "ip", ...prefix] = lab.inNamespace(distNs);
  const ssh = await execa(
    cmd,
    [
      ...prefix,
      "ssh",
      "-F",
      "/dev/null",
      "-i",
      keyFile,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      `UserKnownHostsFile=${knownHosts}`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=30",
      `root@${nodeIp}`,
      "echo hello-$((6*7)); exit 3",
    ],
    { reject: false, timeout: 60_000, stdin: "ignore" },
  );
  lap("ssh done");
  expect(
    { stdout: ssh.stdout.trim(), exitCode: ssh.exitCode },
    `ssh: ${ssh.stderr}\n${context()}`,
  ).toEqual({ stdout: "hello-42", exitCode: 3 });

  // The proxy's log, parsed: this MAC was offered the boot script (BIOS: straight away;
  // UEFI: after ipxe.efi) and fetched the node OS from the distributor's TFTP root.
  await enriching;
  const mine = events.filter((e) => e.mac === mac);
  const dhcp = mine.filter((e) => e.kind === "DHCP").map((e) => e.detail);
  const tftpSent = mine.filter((e) => e.kind === "TFTP").map((e) => e.detail);
  expect(dhcp.some((d) => d.startsWith(`boot file ${scriptUrl} `))).toBe(true);
  expect(tftpSent).toEqual(expect.arrayContaining(["sent vmlinuz", "sent initrd.gz"]));
  if (firmware === "uefi") {
    expect(dhcp.some((d) => d.startsWith("boot file ipxe.efi "))).toBe(true);
    expect(tftpSent).toEqual(expect.arrayContaining(["sent ipxe.efi", "sent autoexec.ipxe"]));
  }
  expect(mine.filter((e) => e.kind === "TFTP").every((e) => e.ip === nodeIp)).toBe(true);
  expect(supervisor.starts()).toBe(1);
}

describe.skipIf(skipVm)("distributor lab: PXE to node OS to SSH, no server", () => {
  test("BIOS (SeaBIOS, e1000 iPXE ROM)", { timeout: BOOT_TIMEOUT_MS + 120_000 }, async () => {
    await bootOnce("bios");
  });

  test("UEFI (OVMF PXE, virtio-net)", { timeout: BOOT_TIMEOUT_MS + 120_000 }, async () => {
    await bootOnce("uefi");
  });
});
