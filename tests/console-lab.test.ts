import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHROMIUM, startBrowser, type TestBrowser } from "./helpers/browser.ts";
import { ensureConsoleBuilt } from "./helpers/console-build.ts";
import { must, setUpBootChain } from "./lab/boot-chain.ts";
import { ensureIpxeVendor } from "./lab/ipxe-vendor.ts";
import type { DhcpRouter } from "./lab/lab-dhcp-router.ts";
import { type LabAgent, type LabServer, startLabAgent } from "./lab/lab-provisioner.ts";
import type { Lab } from "./lab/netns.ts";
import { ensureNodeOs } from "./lab/node-os.ts";
import { MIRROR_PORT, startSiteLan } from "./lab/site-lan.ts";
import { randomMac, startTapVm, type TapVm } from "./lab/tap-vm.ts";
import { until } from "./lab/until.ts";

/**
 * The console's journey against the lab instead of stand-ins: one UEFI VM PXE-boots on a
 * private LAN (network namespaces, 10.97.0.0/24, never routed) through the real
 * distributor agent and its dnsmasq, chains the scripts, boots the busybox node OS and
 * calls home. Chromium runs inside the server's namespace (the LAN exists only there) and
 * watches it all in the console, live: the VM's DHCP and TFTP boot events on the
 * distributor's timeline, the node appearing on the Nodes page, then a script run on the
 * node over the distributor's SSH with its output and exit code. No page is reloaded.
 */

const SUBNET = "10.97.0";
const SITE = "console.lab.test";
const BOOT_MS = 240_000;
const REPO = fileURLToPath(new URL("../", import.meta.url));
const skipVm = process.env.PROVISIONER_SKIP_VM_TESTS === "1";
const SHOTS = "docs/console";

let dir: string;
let lab: Lab;
let router: DhcpRouter;
let server: LabServer;
let agent: LabAgent | undefined;
let vm: TapVm | undefined;
let browser: TestBrowser | undefined;
let page: Page;
let distributorId = "";
let privateKey = "";
let loads = 0;
const cleanups: Array<() => Promise<unknown>> = [];

function context(): string {
  return [
    "--- VM console (tail) ---",
    vm?.console().slice(-2500) ?? "(no VM)",
    "--- agent (tail) ---",
    agent?.lines.slice(-30).join("\n"),
    "--- server (tail) ---",
    server?.lines.slice(-15).join("\n"),
  ].join("\n");
}

/** Waits for a locator and adds what the lab was doing to the error. */
async function shown(what: { waitFor(o: { timeout: number }): Promise<void> }, timeout: number) {
  await what.waitFor({ timeout }).catch((e: unknown) => {
    throw new Error(`${e}\n${context()}`);
  });
}

async function go(title: string) {
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: title }).click();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
}

beforeAll(async () => {
  if (skipVm) return;
  const signal = AbortSignal.timeout(300_000);
  await ensureIpxeVendor(signal);
  const nodeOs = await ensureNodeOs(signal);
  await ensureConsoleBuilt();

  dir = await mkdtemp(join(tmpdir(), "console-lab-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // The embedded PostgreSQL runs as "postgres" and dnsmasq's TFTP as "nobody".
  await chmod(dir, 0o755);
  ({ lab, router, server } = await startSiteLan({
    subnet: SUBNET,
    dir,
    nodeOs,
    tokenPrefix: "console-lab",
    cleanups,
  }));
  const chain = await setUpBootChain(server.gql, {
    site: SITE,
    serverUrl: server.url,
    mirrorUrl: `http://${SUBNET}.3:${MIRROR_PORT}`,
    distributorName: "lab-dist",
    device: "lan0",
    range: `${SUBNET}.0/24`,
    embeddedScript: (mainscriptUrl) => `#!ipxe\ndhcp\nchain ${mainscriptUrl}\n`,
  });
  distributorId = chain.distributorId;
  privateKey = chain.privateKey;
  const started = startLabAgent(lab, {
    host: "dist",
    server: server.url,
    token: chain.distributorToken,
    dataDir: join(dir, "agent"),
  });
  agent = started;
  cleanups.push(() => started.stop());

  // Chromium inside the server's namespace: that is where the lab LAN is reachable.
  const launcher = join(dir, "chromium-in-lab");
  const [ip, ...netnsExec] = lab.inNamespace(lab.host("server").namespace);
  await writeFile(launcher, `#!/bin/sh\nexec ${ip} ${netnsExec.join(" ")} ${CHROMIUM} "$@"\n`, {
    mode: 0o755,
  });
  browser = await startBrowser(server.url, { width: 1280, height: 800 }, launcher);
  const opened = browser;
  cleanups.push(() => opened.close());
  page = await opened.context.newPage();
  page.on("load", () => {
    loads++;
  });
}, 420_000);

afterAll(async () => {
  await vm?.stop().catch(() => undefined);
  if (vm) {
    await mkdir(join(REPO, ".tmp"), { recursive: true });
    await writeFile(join(REPO, ".tmp/console-lab-vm.log"), vm.console());
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}, 120_000);

describe.skipIf(skipVm)(
  "the console against the lab: a VM PXE-boots through the real distributor",
  () => {
    test("boot events and the new node arrive live; a script runs on the node from the console", {
      timeout: BOOT_MS + 240_000,
    }, async () => {
      await page.goto(`${server.url}/`);
      await page.getByLabel("Operator token").fill(server.token);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();

      await go("Distributors");
      const card = page.getByRole("listitem").filter({ hasText: "lab-dist" });
      // The agent connects meanwhile; the card turns online without a reload.
      await shown(card.getByText("online", { exact: true }), 60_000);
      await until(
        "the agent's dnsmasq",
        () => agent?.lines.some((l) => l.includes("dnsmasq started")),
        60_000,
        context,
      );
      await card.getByRole("link").click();
      await page.getByRole("heading", { level: 1, name: /Distributor lab-dist/ }).waitFor();
      expect(page.url()).toBe(`${server.url}/distributors/${distributorId}`);
      await page.getByText("No boot events yet.").waitFor();

      const mac = randomMac();
      const work = await mkdtemp(join(dir, "vm-"));
      vm = await startTapVm(lab, {
        firmware: "uefi",
        mac,
        workDir: work,
        timeoutMs: BOOT_MS + 120_000,
      });
      const timeline = page.getByRole("region", { name: `boot timeline of ${mac}` });
      // OVMF's PXE client: proxy-DHCP offer, then ipxe.efi and autoexec.ipxe by TFTP.
      // (OVMF may fetch it twice: once for its size, once for real.)
      await shown(timeline.getByText("sent ipxe.efi", { exact: true }).first(), BOOT_MS);
      await shown(timeline.getByText("sent autoexec.ipxe", { exact: true }).first(), 60_000);
      // dnsmasq's own log lines, parsed by the agent: a proxy offer and the boot file it named.
      const steps = await timeline.getByRole("listitem").allTextContents();
      expect(steps).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/ DHCP proxy offer /),
          expect.stringMatching(/ DHCP boot file ipxe\.efi/),
        ]),
      );
      await page.screenshot({ path: join(SHOTS, "lab-timeline.png"), fullPage: true });

      // The node OS boots (~a minute under TCG) and calls home: it appears on the Nodes page.
      await go("Nodes");
      const nodes = await server.gql<{ localnodes: { totalCount: number } }>(
        "{ localnodes { totalCount } }",
      );
      expect(nodes.data?.localnodes.totalCount).toBe(0);
      await shown(page.getByTestId("node-count").getByText("1", { exact: true }), BOOT_MS);
      const lease = router.leases.get(mac);
      const registered = await must<{
        localnodes: { edges: Array<{ node: { id: string; ip: string } }> };
      }>(server.gql, "{ localnodes { edges { node { id ip } } } }");
      const node = registered.localnodes.edges[0]?.node;
      expect(node?.ip).toBe(lease);
      const row = page.locator(`[data-node="${node?.id}"]`);
      await row.getByText(lease ?? "no lease", { exact: true }).waitFor();

      await row.getByRole("button", { name: `node ${node?.id}` }).click();
      await page
        .getByLabel("Script", { exact: true })
        .fill("echo hello-$((6*7)) from $(uname -s)\nsleep 5\necho after the pause\nexit 3\n");
      await page.getByLabel(/^Private key/).fill(privateKey);
      await page.getByRole("button", { name: `Run on node ${node?.id}` }).click();
      // The output streams: its first line is on screen while the script still runs.
      const output = page.getByTestId("run-output");
      await shown(output.getByText(/hello-42 from Linux/), 90_000);
      const status = page.getByRole("region", { name: "script output" });
      expect(await status.getByText("running", { exact: true }).count()).toBe(1);
      expect(await page.getByTestId("exit-code").count()).toBe(0);
      await shown(page.getByTestId("exit-code").getByText("3", { exact: true }), 60_000);
      expect(await output.textContent()).toBe("hello-42 from Linux\nafter the pause\n");
      await page.screenshot({ path: join(SHOTS, "lab-run.png"), fullPage: true });

      // Back on the distributor: the registration sits under the VM's MAC.
      await go("Distributors");
      await card.getByRole("link").click();
      await shown(timeline.getByText(`registered as node ${node?.id} (${lease})`), 30_000);
      // Everything arrived over the live views: the only page load was the first one.
      expect(loads).toBe(1);
    });
  },
);
