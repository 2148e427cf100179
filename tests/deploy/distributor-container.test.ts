import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureImage } from "../helpers/images.ts";
import { until } from "../helpers/until.ts";
import { must, runScriptToEnd, setUpBootChain } from "../lab/boot-chain.ts";
import { ensureIpxeVendor } from "../lab/ipxe-vendor.ts";
import type { DhcpRouter } from "../lab/lab-dhcp-router.ts";
import type { LabServer } from "../lab/lab-provisioner.ts";
import type { Lab } from "../lab/netns.ts";
import { CONSOLE_CALLED_HOME, ensureNodeOs, type NodeOs } from "../lab/node-os.ts";
import { MIRROR_PORT, startSiteLan } from "../lab/site-lan.ts";
import { randomMac, startTapVm, type TapVm } from "../lab/tap-vm.ts";
import { podman } from "./podman.ts";

/**
 * The distributor image on a PXE LAN, as tests/distributor/e2e.test.ts does with processes:
 * lab namespaces (10.98.0.0/24, never routed anywhere) with a plain DHCP "router", the real
 * `provisioner serve` (embedded PostgreSQL) in "server", and in "dist" the container
 * `podman run --network ns:/run/netns/<dist>` with only the capabilities it needs
 * (NET_ADMIN, NET_BIND_SERVICE, NET_RAW, SETUID, SETGID), a read-only root file system and
 * a named volume as its data directory. One UEFI VM PXE-boots through it to a registered
 * node, and runScript reaches the node over SSH from inside the container.
 */

const SUBNET = "10.98.0";
const SERVER = `${SUBNET}.3`;
const SITE = "container.lab.test";
const BOOT_TIMEOUT_MS = 240_000;
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = "echo hello-$((6*7)); exit 3";
const CAPABILITIES = ["NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID"];
const MAX_LINES = 20_000;
const skipVm = process.env.PROVISIONER_SKIP_VM_TESTS === "1";

let dir: string;
let lab: Lab;
let router: DhcpRouter;
let server: LabServer;
let nodeOs: NodeOs;
let distributorId: string;
let privateKey: string;
let vm: TapVm | undefined;
const container = `provisioner-distributor-test-${randomBytes(4).toString("hex")}`;
const volume = `${container}-data`;
const agentLines: string[] = [];
let agent: ResultPromise | undefined;
const cleanups: Array<() => Promise<unknown>> = [];

function context(): string {
  return [
    "--- console (tail) ---",
    vm?.console().slice(-3000) ?? "(no VM)",
    "--- distributor container (tail) ---",
    agentLines.slice(-40).join("\n"),
    "--- server (tail) ---",
    server?.lines.slice(-20).join("\n"),
    "--- router (tail) ---",
    router?.lines.slice(-15).join("\n"),
  ].join("\n");
}

beforeAll(async () => {
  if (skipVm) return;
  const signal = AbortSignal.timeout(300_000);
  const image = await ensureImage("distributor");
  await ensureIpxeVendor(signal);
  nodeOs = await ensureNodeOs(signal);

  dir = await mkdtemp(join(tmpdir(), "distributor-container-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o755);

  ({ lab, router, server } = await startSiteLan({
    subnet: SUBNET,
    dir,
    nodeOs,
    tokenPrefix: "ctr",
    cleanups,
  }));

  const chain = await setUpBootChain(server.gql, {
    site: SITE,
    serverUrl: server.url,
    mirrorUrl: `http://${SERVER}:${MIRROR_PORT}`,
    distributorName: "container-dist",
    device: "lan0",
    range: `${SUBNET}.0/24`,
    label: "ctr",
    embeddedScript: (mainscriptUrl) => ["#!ipxe", "dhcp", `chain ${mainscriptUrl}`, ""].join("\n"),
  });
  privateKey = chain.privateKey;
  distributorId = chain.distributorId;

  // The site host's command (README "Run on Kubernetes"), with the lab namespace as its LAN.
  await podman(["volume", "create", volume]);
  cleanups.push(() => podman(["volume", "rm", "-f", volume]));
  cleanups.push(() => podman(["rm", "-f", "-t", "5", container]));
  agent = execa(
    "podman",
    [
      "run",
      "--rm",
      "--name",
      container,
      "--network",
      `ns:/run/netns/${lab.host("dist").namespace}`,
      "--cap-drop=all",
      ...CAPABILITIES.map((c) => `--cap-add=${c}`),
      "--read-only",
      "-v",
      `${volume}:/var/lib/provisioner-distributor`,
      "-e",
      `PROVISIONER_TOKEN=${chain.distributorToken}`,
      "-e",
      "PROVISIONER_HEARTBEAT_SECONDS=2",
      image,
      "--server",
      server.url,
      "--interface",
      lab.host("dist").interface,
    ],
    { buffer: false, stdin: "ignore", stdout: "pipe", stderr: "pipe", reject: false },
  );
  const keep = (line: string) => {
    if (agentLines.length >= MAX_LINES) agentLines.shift();
    agentLines.push(line);
  };
  if (agent.stdout) createInterface({ input: agent.stdout }).on("line", keep);
  if (agent.stderr) createInterface({ input: agent.stderr }).on("line", keep);

  await until(
    "the distributor container to come online",
    async () =>
      (
        await must<{ distributor: { online: boolean } }>(
          server.gql,
          "query($id: ID!) { distributor(id: $id) { online } }",
          { id: distributorId },
        )
      ).distributor.online,
    60_000,
    context,
    500,
  );
  await until(
    "the container's dnsmasq",
    () => agentLines.some((l) => l.includes("dnsmasq started")),
    60_000,
    context,
  );
}, 2_700_000);

afterAll(async () => {
  if (skipVm) return;
  if (vm) await vm.stop().catch(() => {});
  await mkdir(join(REPO, ".tmp"), { recursive: true });
  await writeFile(join(REPO, ".tmp/distributor-container.log"), agentLines.join("\n")).catch(
    () => {},
  );
  if (vm)
    await writeFile(join(REPO, ".tmp/distributor-container-console.log"), vm.console()).catch(
      () => {},
    );
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  await agent?.catch(() => {});
}, 120_000);

describe.skipIf(skipVm)("distributor image in the lab's LAN namespace", () => {
  test("runs as root with exactly NET_ADMIN, NET_BIND_SERVICE, NET_RAW, SETGID, SETUID; healthy once configured", {
    timeout: 120_000,
  }, async () => {
    const caps = await podman(["inspect", "--format", "{{json .EffectiveCaps}}", container]);
    expect((JSON.parse(caps) as string[]).map((c) => c.replace(/^CAP_/, "")).sort()).toEqual(
      CAPABILITIES,
    );
    // The image's HEALTHCHECK: healthy once the agent holds its configuration.
    const health = await until(
      "the container's health check to pass",
      async () => {
        const r = await execa("podman", ["healthcheck", "run", container], { reject: false });
        return r.exitCode === 0 ? "healthy" : undefined;
      },
      60_000,
      context,
      1000,
    );
    expect(health).toBe("healthy");
  });

  test("a UEFI VM PXE-boots through the container to a registered node that runs a script", {
    timeout: BOOT_TIMEOUT_MS + 180_000,
  }, async () => {
    const mac = randomMac();
    const started = Date.now();
    vm = await startTapVm(lab, {
      firmware: "uefi",
      mac,
      workDir: await mkdtemp(join(dir, "vm-")),
      timeoutMs: BOOT_TIMEOUT_MS + 60_000,
    });
    const ip = await until(
      "the router's lease for the VM",
      () => router.leases.get(mac),
      BOOT_TIMEOUT_MS,
      context,
    );
    const node = await until(
      `the localnode ${ip}`,
      async () => {
        const d = await must<{
          localnodes: { edges: Array<{ node: { id: string; ip: string } }> };
        }>(
          server.gql,
          "query($a: String) { localnodes(artifactId: $a, first: 100) { edges { node { id ip } } } }",
          { a: SITE },
        );
        return d.localnodes.edges.map((e) => e.node).find((n) => n.ip === ip);
      },
      BOOT_TIMEOUT_MS,
      context,
      1000,
    );
    console.info(
      `[distributor container] VM registered after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    // The node prints its line after the HTTP answer; the serial console may lag behind it.
    await until(
      "the node's console to say it called home",
      () => (vm?.console().includes(`${CONSOLE_CALLED_HOME}${ip}`) ? true : undefined),
      30_000,
      context,
    );
    // The boot went through the container's dnsmasq: its DHCP and TFTP log lines came back
    // to the server as this VM's boot events.
    await until(
      "the VM's DHCP and TFTP boot events from the container",
      async () => {
        const d = await must<{
          distributor: { events: Array<{ kind: string; mac: string | null; detail: string }> };
        }>(
          server.gql,
          "query($id: ID!) { distributor(id: $id) { events(first: 500) { kind mac detail } } }",
          { id: distributorId },
        );
        const mine = d.distributor.events.filter((e) => e.mac === mac);
        const sent = mine.filter((e) => e.kind === "TFTP").map((e) => e.detail);
        return (
          mine.some((e) => e.kind === "DHCP") &&
          sent.includes("sent ipxe.efi") &&
          sent.includes("sent autoexec.ipxe")
        );
      },
      30_000,
      context,
      1000,
    );

    const done = await runScriptToEnd(
      server.gql,
      { localnodeId: node.id, script: SCRIPT, privateKey, user: "root" },
      context,
    );
    expect(done, context()).toMatchObject({ status: "DONE", exitCode: 3, error: null });
    expect(done.output).toContain("hello-42");
  });
});
