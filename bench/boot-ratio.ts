/**
 * Issue 4 benchmark: "boot to registered node" under QEMU TCG, the same UEFI VM (OVMF,
 * virtio-net romfile=) on the same private lab LAN (network namespaces, 10.99.0.0/24, never
 * routed), in two setups, alternating baseline/ours, N boots each, median and ratio:
 *  - baseline: a hand-written proxy-DHCP dnsmasq (rendered by src/distributor/dnsmasq/render.ts,
 *    supervised) in "dist" serving ipxe.efi + autoexec.ipxe by TFTP, and a static HTTP server
 *    (tests/lab/lab-boot-http.ts) in "server" serving boot.ipxe, the node OS's kernel and
 *    initramfs, and recording the call-home. Time: VM started → call-home received.
 *  - ours: the real `provisioner serve` in "server" and `provisioner distributor` in "dist"
 *    (the e2e test's setup: iPXE build with embedded script → mainscript → subscript), the
 *    kernel and initramfs from the same static HTTP server. Time: VM started → the node is
 *    in `localnodes` (polled every 250 ms from the server's namespace).
 * Both also report VM started → the node OS printed "called home" on its console (the POST
 * was answered), the same marker in both setups.
 * Only one of the two proxy-DHCP services runs at a time (the other is stopped between boots).
 * Usage: node bench/boot-ratio.ts [--boots 2]
 */
import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { defaultBuilderPaths } from "../src/builders/context.ts";
import { renderDnsmasqConfig } from "../src/distributor/dnsmasq/render.ts";
import { type DnsmasqSupervisor, superviseDnsmasq } from "../src/distributor/dnsmasq/supervise.ts";
import { createLogger } from "../src/logger.ts";
import { until } from "../tests/helpers/until.ts";
import { must, setUpBootChain } from "../tests/lab/boot-chain.ts";
import { ensureIpxeVendor } from "../tests/lab/ipxe-vendor.ts";
import { type DhcpRouter, startLabDhcpRouter } from "../tests/lab/lab-dhcp-router.ts";
import {
  type LabAgent,
  type LabServer,
  labServer,
  NODE,
  startLabAgent,
} from "../tests/lab/lab-provisioner.ts";
import { createLab, type Lab } from "../tests/lab/netns.ts";
import { CONSOLE_CALLED_HOME, ensureNodeOs, nodeOsCmdline } from "../tests/lab/node-os.ts";
import { randomMac, startTapVm, type TapVm } from "../tests/lab/tap-vm.ts";

const boots = Number(process.argv[process.argv.indexOf("--boots") + 1] || 2);
const SUBNET = "10.99.0";
const ROUTER = `${SUBNET}.1`;
const DISTRIBUTOR = `${SUBNET}.2`;
const SERVER = `${SUBNET}.3`;
const PORT = 8080;
const HTTP_PORT = 8099;
const SITE = "bench.lab.test";
const BASELINE_ARTIFACT = "bench.baseline.test";
const BOOT_TIMEOUT_MS = 240_000;
const REPO = fileURLToPath(new URL("../", import.meta.url));

type HttpEvent = { event: string; path?: string; ip?: string; artifactId?: string };
type Localnode = { id: string; ip: string; pingable: boolean; artifactId: string };
type Boot = { setup: "baseline" | "ours"; registeredMs: number; consoleMs: number; ip: string };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanupAll() {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
}

async function main() {
  const signal = AbortSignal.timeout(300_000);
  await ensureIpxeVendor(signal);
  const nodeOs = await ensureNodeOs(signal);

  const dir = await mkdtemp(join(tmpdir(), "bench-boot-ratio-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // The embedded PostgreSQL ("postgres") and dnsmasq's TFTP ("nobody") pass through it.
  await chmod(dir, 0o755);

  const lab: Lab = await createLab({
    hosts: [
      { name: "router", address: ROUTER },
      { name: "dist", address: DISTRIBUTOR },
      { name: "server", address: SERVER },
    ],
    taps: 1,
    signal: AbortSignal.timeout(60_000),
  });
  cleanups.push(() => lab.teardown());
  const distNs = lab.host("dist").namespace;
  const serverNs = lab.host("server").namespace;

  const router: DhcpRouter = await startLabDhcpRouter(lab, {
    host: "router",
    first: `${SUBNET}.100`,
    last: `${SUBNET}.199`,
    dir,
  });
  cleanups.push(() => router.stop());

  // The static HTTP server beside the provisioner: the node OS for both setups, and the
  // baseline's boot script, keys and call-home.
  const http = join(dir, "http");
  await mkdir(http, { mode: 0o755 });
  await copyFile(nodeOs.kernel, join(http, "vmlinuz"));
  await copyFile(nodeOs.initrd, join(http, "initrd.gz"));
  const httpUrl = `http://${SERVER}:${HTTP_PORT}`;
  const httpEvents: HttpEvent[] = [];
  {
    const [cmd = "ip", ...prefix] = lab.inNamespace(serverNs);
    const child = execa(
      cmd,
      [
        ...prefix,
        NODE,
        "--disable-warning=ExperimentalWarning",
        join(REPO, "tests/lab/lab-boot-http.ts"),
        SERVER,
        String(HTTP_PORT),
        http,
      ],
      { buffer: false, stdin: "ignore", stdout: "pipe", stderr: "inherit", reject: false },
    );
    if (child.stdout) {
      createInterface({ input: child.stdout }).on("line", (line) => {
        try {
          httpEvents.push(JSON.parse(line) as HttpEvent);
        } catch {
          // Not one of ours.
        }
      });
    }
    cleanups.push(async () => {
      child.kill("SIGTERM");
      await child;
    });
    await until("the HTTP server", () => httpEvents.some((e) => e.event === "listening"), 20_000);
  }

  // ---- ours: provisioner serve + the boot chain, as tests/distributor/e2e.test.ts ----
  const server: LabServer = labServer(lab, {
    host: "server",
    port: PORT,
    dataDir: join(dir, "server-data"),
    adminToken: `bench-${randomBytes(16).toString("hex")}`,
  });
  cleanups.push(() => server.stop());
  await server.start();
  const gql = server.gql;
  const url = server.url;
  const chain = await setUpBootChain(gql, {
    site: SITE,
    serverUrl: url,
    mirrorUrl: httpUrl,
    distributorName: "bench-dist",
    device: "lan0",
    range: `${SUBNET}.0/24`,
    embeddedScript: (mainscriptUrl) => ["#!ipxe", "dhcp", `chain ${mainscriptUrl}`, ""].join("\n"),
  });
  const distributorId = chain.distributorId;

  // ---- baseline: rendered proxy dnsmasq + static files, as lab-boot.test.ts ----
  const tftp = join(dir, "tftp");
  await mkdir(tftp, { mode: 0o755 });
  const scriptUrl = `${httpUrl}/boot.ipxe`;
  await copyFile(join(defaultBuilderPaths.ipxeDir, "ipxe-amd64.efi"), join(tftp, "ipxe.efi"));
  await copyFile(join(defaultBuilderPaths.ipxeDir, "undionly.kpxe"), join(tftp, "undionly.kpxe"));
  await writeFile(join(tftp, "autoexec.ipxe"), `#!ipxe\ndhcp\nchain ${scriptUrl}\n`);
  await writeFile(join(http, "authorized_keys"), `${chain.publicKey}\n`);
  const baseCmdline = nodeOsCmdline({
    keysUrl: `${httpUrl}/authorized_keys`,
    callhomeUrl: `${httpUrl}/api/localnodes`,
    artifactId: BASELINE_ARTIFACT,
  });
  await writeFile(
    join(http, "boot.ipxe"),
    [
      "#!ipxe",
      `kernel ${httpUrl}/vmlinuz initrd=initrd.gz ${baseCmdline}`,
      `initrd ${httpUrl}/initrd.gz`,
      "boot",
      "",
    ].join("\n"),
  );
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

  /** Port 67 free in the distributor's namespace: the other setup's proxy is gone. */
  const proxyGone = () =>
    until(
      "the previous proxy-DHCP to release port 67",
      async () => !/:67\b/.test(await lab.run(distNs, "ss", ["-Hlun"])),
      20_000,
    );

  let vm: TapVm | undefined;
  const stopVm = async (name: string) => {
    if (!vm) return;
    await vm.stop();
    await mkdir(join(REPO, ".tmp"), { recursive: true });
    await writeFile(join(REPO, `.tmp/bench-boot-${name}-console.log`), vm.console());
    vm = undefined;
  };
  cleanups.push(() => stopVm("last"));

  /** Starts the VM; resolves the time from its start to the console's call-home line. */
  const startVm = async (name: string, mac: string) => {
    const work = await mkdtemp(join(dir, `vm-${name}-`));
    const machine = await startTapVm(lab, {
      firmware: "uefi",
      mac,
      workDir: work,
      timeoutMs: BOOT_TIMEOUT_MS + 60_000,
    });
    vm = machine;
    const t0 = performance.now();
    const consoleDone = until(
      "the node OS's call-home line",
      () => machine.console().includes(CONSOLE_CALLED_HOME) && performance.now() - t0,
      BOOT_TIMEOUT_MS,
      () => machine.console().slice(-3000),
      100,
    );
    consoleDone.catch(() => {});
    return { t0, consoleDone };
  };

  async function baselineBoot(i: number): Promise<Boot> {
    const name = `baseline-${i}`;
    await proxyGone();
    const lines: string[] = [];
    let ready = false;
    const supervisor: DnsmasqSupervisor = superviseDnsmasq({
      configFile,
      logger: createLogger("silent"),
      launcher: lab.inNamespace(distNs),
      onLine: (line) => {
        lines.push(line);
        if (/TFTP root is/.test(line)) ready = true;
      },
    });
    try {
      await until(
        "the proxy dnsmasq",
        () => ready,
        20_000,
        () => lines.join("\n"),
      );
      const mac = randomMac();
      const from = httpEvents.length;
      const { t0, consoleDone } = await startVm(name, mac);
      const callhome = await until(
        "the node to call home",
        () =>
          httpEvents
            .slice(from)
            .find((e) => e.event === "callhome" && e.artifactId === BASELINE_ARTIFACT),
        BOOT_TIMEOUT_MS,
        () => `${vm?.console().slice(-3000)}\n--- proxy ---\n${lines.slice(-40).join("\n")}`,
        50,
      );
      const registeredMs = performance.now() - t0;
      const consoleMs = await consoleDone;
      await stopVm(name);
      return { setup: "baseline", registeredMs, consoleMs, ip: callhome.ip ?? "" };
    } finally {
      await supervisor.stop();
    }
  }

  async function oursBoot(i: number): Promise<Boot> {
    const name = `ours-${i}`;
    await proxyGone();
    const agent: LabAgent = startLabAgent(lab, {
      host: "dist",
      server: url,
      token: chain.distributorToken,
      dataDir: join(dir, "agent"),
    });
    const context = () =>
      `${vm?.console().slice(-3000)}\n--- agent ---\n${agent.lines.slice(-40).join("\n")}`;
    try {
      await until(
        "the distributor to come online",
        async () =>
          (
            await must<{ distributor: { online: boolean } }>(
              gql,
              "query($id: ID!) { distributor(id: $id) { online } }",
              { id: distributorId },
            )
          ).distributor.online,
        30_000,
        context,
        500,
      );
      await until(
        "the agent's dnsmasq",
        () => agent.lines.some((l) => l.includes("dnsmasq started")),
        60_000,
        context,
      );
      const mac = randomMac();
      const { t0, consoleDone } = await startVm(name, mac);
      const node = await until(
        "the node in localnodes",
        async () => {
          const ip = router.leases.get(mac);
          if (!ip) return undefined;
          const d = await must<{ localnodes: { edges: Array<{ node: Localnode }> } }>(
            gql,
            "query($a: String) { localnodes(artifactId: $a, first: 100) { edges { node { id ip pingable artifactId } } } }",
            { a: SITE },
          );
          return d.localnodes.edges.map((e) => e.node).find((n) => n.ip === ip);
        },
        BOOT_TIMEOUT_MS,
        context,
        250,
      );
      const registeredMs = performance.now() - t0;
      const consoleMs = await consoleDone;
      await stopVm(name);
      return { setup: "ours", registeredMs, consoleMs, ip: node.ip };
    } finally {
      await agent.stop();
    }
  }

  const results: Boot[] = [];
  for (let i = 1; i <= boots; i++) {
    for (const run of [baselineBoot, oursBoot]) {
      const boot = await run(i);
      console.error(
        `[${boot.setup} ${i}] registered ${(boot.registeredMs / 1000).toFixed(1)} s, console ${(boot.consoleMs / 1000).toFixed(1)} s (${boot.ip})`,
      );
      results.push(boot);
    }
  }
  const of = (setup: Boot["setup"], k: "registeredMs" | "consoleMs") =>
    results.filter((b) => b.setup === setup).map((b) => Math.round(b[k]));
  const summary = (setup: Boot["setup"]) => ({
    registeredMs: of(setup, "registeredMs"),
    consoleMs: of(setup, "consoleMs"),
    medianRegisteredMs: median(of(setup, "registeredMs")),
    medianConsoleMs: median(of(setup, "consoleMs")),
  });
  const baseline = summary("baseline");
  const ours = summary("ours");
  const ratio = ours.medianRegisteredMs / baseline.medianRegisteredMs;
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        firmware: "uefi (OVMF, virtio-net romfile=), TCG",
        boots,
        baseline,
        ours,
        ratio: Number(ratio.toFixed(3)),
        ratioConsole: Number((ours.medianConsoleMs / baseline.medianConsoleMs).toFixed(3)),
        target: "ratio ≤ 1.1",
        pass: ratio <= 1.1,
      },
      null,
      2,
    ),
  );
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    void cleanupAll().finally(() => process.exit(130));
  });
}
try {
  await main();
} catch (error) {
  process.exitCode = 1;
  console.error(error);
} finally {
  await cleanupAll();
}
