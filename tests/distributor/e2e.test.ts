import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { until } from "../helpers/until.ts";
import { must, runScriptToEnd, setUpBootChain } from "../lab/boot-chain.ts";
import { ensureIpxeVendor } from "../lab/ipxe-vendor.ts";
import type { DhcpRouter } from "../lab/lab-dhcp-router.ts";
import { type LabAgent, type LabServer, startLabAgent } from "../lab/lab-provisioner.ts";
import type { Lab } from "../lab/netns.ts";
import { CONSOLE_CALLED_HOME, ensureNodeOs, type NodeOs } from "../lab/node-os.ts";
import type { Firmware } from "../lab/qemu.ts";
import { MIRROR_PORT, startSiteLan } from "../lab/site-lan.ts";
import { randomMac, startTapVm, type TapVm } from "../lab/tap-vm.ts";

/**
 * The whole boot chain with the real processes, on a private LAN made of network
 * namespaces (10.99.0.0/24, never routed anywhere):
 * - "router": plain DHCP (dnsmasq, no PXE), as a site's router;
 * - "server": `provisioner serve` on the embedded PostgreSQL, PUBLIC_URL on the LAN, plus a
 *   static HTTP server for the node OS's kernel and initramfs (standing in for a distro
 *   mirror: the provisioner has no file registry for kernels, and HTTP is what a subscript
 *   normally loads them over);
 * - "dist": `provisioner distributor --interface lan0`, configured only through GraphQL.
 * The test drives the server with GraphQL from inside the server's namespace (curl).
 *
 * One VM at a time: UEFI (OVMF PXE → ipxe.efi + autoexec.ipxe by TFTP from the
 * distributor) and BIOS (SeaBIOS + e1000 iPXE ROM → the script URL from the proxy) each
 * chain mainscript → subscript → node OS, which fetches /api/sshkeys/<id> and calls home;
 * then runScript over the distributor's SSH must return the output and exit code.
 *
 * Resilience: with the server stopped, a UEFI VM still gets iPXE and its embedded script
 * from the distributor's TFTP cache (the script then waits for the server); the restarted
 * server (same DATA_DIR) sees the distributor back within 30 s, receives the boot events
 * queued meanwhile, and the waiting VM finishes its boot and runs a script.
 */

const SUBNET = "10.99.0";
const DISTRIBUTOR = `${SUBNET}.2`;
const SERVER = `${SUBNET}.3`;
const SITE = "e2e.lab.test";
const BOOT_TIMEOUT_MS = 180_000;
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const skipVm = process.env.PROVISIONER_SKIP_VM_TESTS === "1";
const SCRIPT = "echo hello-$((6*7)); exit 3";
const RETRY_LINE = "e2e: provisioner unreachable, retrying";

type Localnode = { id: string; ip: string; pingable: boolean; artifactId: string };
type BootEventView = { kind: string; mac: string | null; ip: string | null; detail: string };
type DistributorView = { id: string; online: boolean; lastSeenAt: string | null };

let dir: string;
let lab: Lab;
let router: DhcpRouter;
let server: LabServer;
let agent: LabAgent;
let nodeOs: NodeOs;
let distributorId: string;
let privateKey: string;
/** Path of the mainscript the embedded iPXE script chains (set when the chain is made). */
let mainscriptPath = "";
const cleanups: Array<() => Promise<unknown>> = [];
let vm: TapVm | undefined;
let vmName = "";
let vmStartedAt = 0;
const lap = (what: string) =>
  console.info(`[${vmName}] ${what} at ${((Date.now() - vmStartedAt) / 1000).toFixed(1)} s`);

async function stopVm(): Promise<void> {
  if (!vm) return;
  await vm.stop();
  // Kept for a look after a failure.
  await mkdir(join(REPO, ".tmp"), { recursive: true });
  await writeFile(join(REPO, `.tmp/e2e-${vmName}-console.log`), vm.console());
  vm = undefined;
}

function context(): string {
  return [
    "--- console (tail) ---",
    vm?.console().slice(-3000) ?? "(no VM)",
    "--- agent (tail) ---",
    agent?.lines.slice(-40).join("\n"),
    "--- server (tail) ---",
    server?.lines.slice(-20).join("\n"),
    "--- router (tail) ---",
    router?.lines.slice(-15).join("\n"),
  ].join("\n");
}

async function distributorView(): Promise<DistributorView> {
  const d = await must<{ distributor: DistributorView }>(
    server.gql,
    "query($id: ID!) { distributor(id: $id) { id online lastSeenAt } }",
    { id: distributorId },
  );
  return d.distributor;
}

async function eventsOf(mac: string): Promise<BootEventView[]> {
  const d = await must<{ distributor: { events: BootEventView[] } }>(
    server.gql,
    "query($id: ID!) { distributor(id: $id) { events(first: 500) { kind mac ip detail } } }",
    { id: distributorId },
  );
  return d.distributor.events.filter((e) => e.mac === mac);
}

async function bootVm(name: string, firmware: Firmware, mac: string): Promise<TapVm> {
  vmName = name;
  vmStartedAt = Date.now();
  const work = await mkdtemp(join(dir, `vm-${firmware}-`));
  vm = await startTapVm(lab, { firmware, mac, workDir: work, timeoutMs: BOOT_TIMEOUT_MS + 60_000 });
  return vm;
}

/** Waits for the node with this MAC's lease to register, then runs the script on it. */
async function registeredAndScripted(mac: string): Promise<Localnode> {
  const ip = await until(
    "the router to lease an address to the VM",
    () => router.leases.get(mac),
    BOOT_TIMEOUT_MS,
    context,
  );
  const node = await until(
    `a localnode ${ip} in ${SITE}`,
    async () => {
      const d = await must<{ localnodes: { edges: Array<{ node: Localnode }> } }>(
        server.gql,
        "query($a: String) { localnodes(artifactId: $a, first: 100) { edges { node { id ip pingable artifactId } } } }",
        { a: SITE },
      );
      return d.localnodes.edges.map((e) => e.node).find((n) => n.ip === router.leases.get(mac));
    },
    BOOT_TIMEOUT_MS,
    context,
    1000,
  );
  lap(`registered as ${node.ip}`);
  expect(node).toMatchObject({ pingable: true, artifactId: SITE, ip: router.leases.get(mac) });
  // The node prints its line after the HTTP answer; the serial console may lag behind it.
  await until(
    "the node's console to say it called home",
    () => (vm?.console().includes(`${CONSOLE_CALLED_HOME}${node.ip}`) ? true : undefined),
    30_000,
    context,
  );

  const run = await runScriptToEnd(
    server.gql,
    { localnodeId: node.id, script: SCRIPT, privateKey, user: "root" },
    context,
  );
  lap("script run done");
  expect(run, context()).toMatchObject({ status: "DONE", exitCode: 3, error: null });
  expect(run.output).toContain("hello-42");
  return node;
}

beforeAll(async () => {
  if (skipVm) return;
  const signal = AbortSignal.timeout(300_000);
  await ensureIpxeVendor(signal);
  nodeOs = await ensureNodeOs(signal);

  dir = await mkdtemp(join(tmpdir(), "e2e-distributor-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // The embedded PostgreSQL runs as "postgres" and dnsmasq's TFTP as "nobody": both must
  // pass through the directory.
  await chmod(dir, 0o755);

  ({ lab, router, server } = await startSiteLan({
    subnet: SUBNET,
    dir,
    nodeOs,
    tokenPrefix: "e2e",
    cleanups,
  }));
  const gql = server.gql;
  const url = server.url;

  // The site, its key, and the boot chain: iPXE build → mainscript → subscript → node OS.
  // The embedded script keeps trying while the server is away, so a host that PXE-boots
  // during an outage finishes once the server is back.
  const chain = await setUpBootChain(gql, {
    site: SITE,
    serverUrl: url,
    mirrorUrl: `http://${SERVER}:${MIRROR_PORT}`,
    distributorName: "lab-dist",
    device: "lan0",
    range: `${SUBNET}.0/24`,
    label: "e2e",
    embeddedScript: (mainscriptUrl) => {
      mainscriptPath = new URL(mainscriptUrl).pathname;
      return [
        "#!ipxe",
        "dhcp",
        ":chain",
        // The MAC lets the server attribute the fetch (a boot event of kind HTTP).
        `chain ${mainscriptUrl}?mac=\${net0/mac} || goto retry`,
        ":retry",
        `echo ${RETRY_LINE} in 3 s`,
        "sleep 3",
        "goto chain",
        "",
      ].join("\n");
    },
  });
  privateKey = chain.privateKey;
  distributorId = chain.distributorId;

  const agentDir = join(dir, "agent");
  agent = startLabAgent(lab, {
    host: "dist",
    server: url,
    token: chain.distributorToken,
    dataDir: agentDir,
  });
  cleanups.push(() => agent.stop());
  await until(
    "the distributor to come online",
    async () => (await distributorView()).online,
    30_000,
    context,
    500,
  );
  await until(
    "the agent's dnsmasq",
    () => agent.lines.some((l) => l.includes("dnsmasq started")),
    30_000,
    context,
  );
}, 420_000);

afterAll(async () => {
  await stopVm().catch(() => {});
  if (lab) {
    // Kept for a look after a failure.
    await mkdir(join(REPO, ".tmp"), { recursive: true });
    await writeFile(join(REPO, ".tmp/e2e-agent.log"), agent?.lines.join("\n") ?? "");
    await writeFile(join(REPO, ".tmp/e2e-server.log"), server?.lines.join("\n") ?? "");
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
}, 120_000);

describe.skipIf(skipVm)("e2e: server + distributor + PXE-booting VMs on a private LAN", () => {
  test("UEFI VM (OVMF PXE, virtio-net): TFTP iPXE → scripts → node OS → runScript", {
    timeout: BOOT_TIMEOUT_MS + 120_000,
  }, async () => {
    const mac = randomMac();
    await bootVm("uefi", "uefi", mac);
    await registeredAndScripted(mac);
    await stopVm();

    const events = await until(
      "DHCP and TFTP boot events of the VM",
      async () => {
        const mine = await eventsOf(mac);
        const sent = mine.filter((e) => e.kind === "TFTP").map((e) => e.detail);
        return mine.some((e) => e.kind === "DHCP") &&
          sent.includes("sent ipxe.efi") &&
          sent.includes("sent autoexec.ipxe")
          ? mine
          : undefined;
      },
      15_000,
      context,
      1000,
    );
    expect(
      events.filter((e) => e.kind === "TFTP").every((e) => e.ip === router.leases.get(mac)),
    ).toBe(true);
    // Its fetch of the mainscript from the server, attributed by the MAC iPXE passed.
    expect(
      events
        .filter((e) => e.kind === "HTTP" && e.detail === `GET ${mainscriptPath}`)
        .map((e) => e.mac),
    ).toContain(mac);
  });

  test("BIOS VM (SeaBIOS, e1000 iPXE ROM): script URL from the proxy → node OS → runScript", {
    timeout: BOOT_TIMEOUT_MS + 120_000,
  }, async () => {
    const mac = randomMac();
    await bootVm("bios", "bios", mac);
    await registeredAndScripted(mac);
    await stopVm();

    // An iPXE client is offered the script URL: the BIOS build's autoexec.ipxe, served by the
    // distributor itself so BIOS hosts get it even while the server is away.
    await until(
      "the DHCP boot event naming the script URL",
      async () =>
        (await eventsOf(mac)).some(
          (e) =>
            e.kind === "DHCP" &&
            e.detail.startsWith(`boot file http://${DISTRIBUTOR}:8098/autoexec.ipxe`),
        ),
      15_000,
      context,
      1000,
    );
  });

  test("server down: the distributor still boots a UEFI VM from its cache; the restarted server sees it back", {
    timeout: BOOT_TIMEOUT_MS + 180_000,
  }, async () => {
    expect(await server.stop()).toBe(0);
    const mac = randomMac();
    const machine = await bootVm("outage", "uefi", mac);
    // iPXE came by TFTP (OVMF has no iPXE of its own here) and ran the embedded script,
    // which the distributor also serves from its TFTP root; only the server is missing.
    await until(
      "iPXE's embedded script to wait for the server",
      () => machine.console().includes(RETRY_LINE),
      BOOT_TIMEOUT_MS,
      context,
      1000,
    );
    expect(machine.console()).toContain(`${server.url}/api/mainscripts/`);

    lap("iPXE waits for the server");
    const restartedAt = Date.now();
    await server.start();
    const back = await until(
      "the distributor to be back online",
      async () => {
        const d = await distributorView();
        return d.online && d.lastSeenAt && Date.parse(d.lastSeenAt) >= restartedAt ? d : undefined;
      },
      30_000,
      context,
      500,
    );
    expect(Date.parse(back.lastSeenAt ?? "") - restartedAt).toBeLessThan(60_000);

    // The TFTP transfers happened while the server was away; their events were queued.
    await until(
      "the boot events queued during the outage",
      async () => {
        const sent = (await eventsOf(mac)).filter((e) => e.kind === "TFTP").map((e) => e.detail);
        return sent.includes("sent ipxe.efi") && sent.includes("sent autoexec.ipxe");
      },
      30_000,
      context,
      1000,
    );

    // The waiting VM chains on now and ends up a node that runs scripts.
    await registeredAndScripted(mac);
    await stopVm();
  });
});
