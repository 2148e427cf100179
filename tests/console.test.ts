import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import type { Page } from "playwright-core";
import ssh2 from "ssh2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBrowser, type TestBrowser } from "./helpers/browser.ts";
import { binPath } from "./helpers/cli.ts";
import { ensureConsoleBuilt } from "./helpers/console-build.ts";
import { startSshServer, type TestSshServer } from "./helpers/ssh-server.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

// Debian's headless Chromium drives the built console against the real server and API.
// The node is the real distributor agent process plus an in-process SSH server on a
// loopback address (as tests/distributor-agent.test.ts does) instead of a VM: the VM
// lab (tests/lab) takes minutes per boot under TCG, and the console only sees the API.
// Boot events come in through reportBootEvents with the distributor's token: the same
// mutation the agent sends when its dnsmasq logs DHCP/TFTP lines.
const SITE = "console.example";
const NODE_IP = "127.0.0.3";
const MAC = "52:54:00:c0:ff:ee";
const SHOTS = "docs/console";

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let agent: ResultPromise | undefined;
let sshd: TestSshServer | undefined;
let dir: string;
let agentLog = "";
const keys = ssh2.utils.generateKeyPairSync("ed25519");
let enrollmentToken = "";
let distributorToken = "";
let distributorId = "";

async function shot(name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function go(title: string) {
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: title }).click();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
}

beforeAll(async () => {
  await ensureConsoleBuilt();
  await mkdir(SHOTS, { recursive: true });
  dir = await mkdtemp(path.join(tmpdir(), "console-agent-"));
  await chmod(dir, 0o755);
  server = await startTestServer();
  browser = await startBrowser(server.url);
  page = await browser.context.newPage();
});

// What the browser showed when a step failed, for whoever reads the CI log.
afterEach(async (context) => {
  if (context.task.result?.state === "fail" && page) {
    const name = context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40);
    await mkdir(".tmp", { recursive: true });
    await page.screenshot({ path: `.tmp/console-failed-${name}.png`, fullPage: true });
  }
});

afterAll(async () => {
  agent?.kill("SIGKILL");
  await agent?.catch(() => undefined);
  await sshd?.stop();
  await browser?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Generous: five engineers share two cores, and a step waits on real servers and a browser.
describe("web console in a real browser", { timeout: 90_000 }, () => {
  it("signs in with the keyboard; a wrong token is refused in plain words", async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole("heading", { name: "Provisioner" }).waitFor();
    await shot("sign-in");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("token");
    await page.keyboard.type("not-the-token");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toMatch(/^Missing or wrong operator token .*Sign in again with an operator token/);

    await page.getByLabel("Operator token").fill(server.token);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    // The token stays in this tab's session storage: not in the URL, local storage or a log.
    expect(page.url()).toBe(`${server.url}/`);
    expect(await page.evaluate(() => sessionStorage.getItem("provisioner.operatorToken"))).toBe(
      server.token,
    );
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(server.logs.join("")).not.toContain(server.token);
    // Empty states say what to do next.
    await page.getByText("Start here: add a site on Sites").waitFor();
  });

  it("sites: an invalid name is explained; enrollment toggles; the token rotates", async () => {
    await go("Sites");
    await page.getByText("No sites yet.").waitFor();
    await page.getByLabel("New site").fill("not a site!");
    await page.getByRole("button", { name: "Add site" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toMatch(/^ArtifactId must be dot-separated labels/);

    await page.getByLabel("New site").fill(SITE);
    await page.getByRole("button", { name: "Add site" }).click();
    const token = page.getByTestId(`enrollment token of ${SITE}`);
    await token.waitFor();
    const first = await token.textContent();
    await page.getByText("enrollment closed").waitFor();
    await page.getByRole("button", { name: "Open enrollment" }).click();
    await page.getByText("enrollment open").waitFor();
    await page.getByRole("button", { name: "Close enrollment" }).click();
    await page.getByText("enrollment closed").waitFor();

    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: "Rotate token" }).click();
    await expect.poll(() => token.textContent()).not.toBe(first);
    enrollmentToken = (await token.textContent()) ?? "";
    const site = await server.gql<{ site: { enrollmentToken: string } }>(
      `query($s: String!) { site(artifactId: $s) { enrollmentToken } }`,
      { s: SITE },
    );
    expect(site.data?.site.enrollmentToken).toBe(enrollmentToken);
    await shot("sites");
  });

  it("scripts: creates a mainscript in the editor and shows the URL hosts boot from", async () => {
    await go("Scripts");
    await page.getByText("No mainscripts yet.").waitFor();
    await page.getByRole("button", { name: "New mainscript" }).click();
    await page.getByLabel("New mainscript").fill("#!ipxe\necho console-made\nshell\n");
    await page.getByRole("button", { name: "Create" }).click();
    const url = `${server.url}/api/mainscripts/1`;
    await page.getByText(url, { exact: true }).waitFor();
    const served = await fetch(url);
    expect(await served.text()).toBe("#!ipxe\necho console-made\nshell\n");
    for (const kind of ["Subscripts", "Kickstarts", "Prebootscripts", "Postbootscripts"]) {
      await page.getByRole("tab", { name: kind }).click();
      await page.getByText(`No ${kind.toLowerCase()} yet.`).waitFor();
    }
    await page.getByRole("tab", { name: "Mainscripts" }).click();
    await page.getByText(url, { exact: true }).waitFor();
    await shot("scripts");
  });

  it("builds: an iPXE bundle's bar reaches 100 % live and its file downloads", async () => {
    await go("Builds");
    await page.getByText("No builds yet.").waitFor();
    // Only valid targets are offered.
    const targets = await page.getByLabel("Target").locator("option").allTextContents();
    expect(targets).toHaveLength(9);
    await page.getByRole("button", { name: "Build iPXE" }).click();
    const bar = page.getByRole("progressbar", { name: "progress of build 1" });
    await bar.waitFor();
    await expect.poll(() => bar.getAttribute("aria-valuenow"), { timeout: 60_000 }).toBe("100");
    const card = page.locator('[data-build="1"]');
    await card.getByText("done", { exact: true }).waitFor();
    const link = card.getByRole("link", { name: "ipxe.efi" });
    const href = await link.getAttribute("href");
    expect(href).toMatch(/^\/artifacts\/ipxes\/[0-9a-f-]{36}\/ipxe\.efi$/);
    const file = await fetch(`${server.url}${href}`);
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    // The ISO form says which earlier builds it still needs.
    await page.getByRole("tab", { name: "ISO" }).click();
    await page.getByText(/Build these first .*: ipxeBios, grubImg/).waitFor();
    await page.getByRole("tab", { name: "iPXE" }).click();
    await shot("builds");
  }, 90_000);

  it("distributors: token shown once, live online state, configure, boot timeline per MAC", async () => {
    await go("Distributors");
    await page.getByText("No distributors yet.").waitFor();
    await page.getByLabel("Site").fill(SITE);
    await page.getByLabel("Name").fill("rack-1");
    await page.getByRole("button", { name: "Create and show token" }).click();
    const token = page.getByTestId("distributor token");
    await token.waitFor();
    distributorToken = (await token.textContent()) ?? "";
    const card = page.getByRole("listitem").filter({ hasText: "rack-1" });
    await card.getByText("offline").waitFor();

    sshd = await startSshServer(NODE_IP, keys.public);
    agent = execa(
      process.execPath,
      [
        binPath,
        "distributor",
        "--server",
        server.url,
        "--token",
        distributorToken,
        "--data-dir",
        path.join(dir, "agent"),
      ],
      { env: { LOG_LEVEL: "info", PROVISIONER_HEARTBEAT_SECONDS: "1" }, reject: false, all: true },
    );
    agent.all?.on("data", (chunk: Buffer) => {
      agentLog = (agentLog + chunk.toString()).slice(-8000);
    });
    // Live through distributorChanged; generous only because the agent process starts cold.
    await card
      .getByText("online", { exact: true })
      .waitFor({ timeout: 40_000 })
      .catch((e) => {
        throw new Error(`${e}\nagent log:\n${agentLog}`);
      });

    await card.getByRole("link").click();
    await page.getByRole("heading", { level: 1, name: /Distributor rack-1/ }).waitFor();
    distributorId = page.url().split("/").pop() ?? "";
    await page.getByText("No boot events yet.").waitFor();
    await page.getByLabel("iPXE for UEFI hosts").selectOption("1");
    await page.getByLabel("Network interface on the LAN").fill("lo");
    await page.getByRole("button", { name: "Save configuration" }).click();
    await expect
      .poll(
        async () =>
          (
            await server.gql<{ distributor: { ipxeUefi: string; device: string } }>(
              `query($id: ID!) { distributor(id: $id) { ipxeUefi device } }`,
              { id: distributorId },
            )
          ).data?.distributor,
      )
      .toEqual({ ipxeUefi: "1", device: "lo" });

    const report = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${distributorToken}` },
      body: JSON.stringify({
        query: `mutation($e: [BootEventInput!]!) { reportBootEvents(input: { events: $e }) }`,
        variables: {
          e: [
            {
              kind: "DHCP",
              mac: MAC,
              ip: NODE_IP,
              detail: "proxy offer ipxe.efi to PXEClient:Arch:00007",
            },
            { kind: "TFTP", mac: MAC, ip: NODE_IP, detail: "sent ipxe.efi" },
            { kind: "TFTP", mac: MAC, ip: NODE_IP, detail: "sent autoexec.ipxe" },
            { kind: "HTTP", mac: MAC, ip: NODE_IP, detail: "GET /api/mainscripts/1" },
          ],
        },
      }),
    });
    expect(await report.json()).toEqual({ data: { reportBootEvents: 4 } });
    const timeline = page.getByRole("region", { name: `boot timeline of ${MAC}` });
    await timeline.getByText("sent autoexec.ipxe").waitFor();
    // Switching on without a LAN range is refused next to the button, in words that say what
    // to set. (Switched on for real, the agent would run dnsmasq on this machine's own LAN.)
    await page.getByRole("button", { name: "Switch on" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toBe(
        "Set device, range and at least one of ipxeUefi/ipxeBios with updateDistributor before turning it on",
      );
    await page.getByText("DHCP/TFTP switched off").waitFor();
    expect(await timeline.getByRole("listitem").allTextContents()).toEqual([
      expect.stringMatching(/DHCP proxy offer ipxe\.efi to PXEClient:Arch:00007 · 127\.0\.0\.3$/),
      expect.stringMatching(/TFTP file sent ipxe\.efi · 127\.0\.0\.3$/),
      expect.stringMatching(/TFTP file sent autoexec\.ipxe · 127\.0\.0\.3$/),
      expect.stringMatching(/script fetch GET \/api\/mainscripts\/1 · 127\.0\.0\.3$/),
    ]);
  }, 120_000);

  it("nodes: a registering host appears live; ping; a script runs with its output and exit code", async () => {
    await go("Nodes");
    await page.getByText("No nodes yet.").waitFor();
    expect(await page.getByTestId("node-count").textContent()).toBe("0");
    const registered = await fetch(
      `${server.url}/api/localnodes?ip=${NODE_IP}&artifactId=${SITE}&pingable=false&token=${enrollmentToken}`,
      { method: "POST" },
    );
    expect(registered.status).toBeLessThan(300);
    await expect.poll(() => page.getByTestId("node-count").textContent()).toBe("1");
    const row = page.locator('[data-node="1"]');
    await row.getByText(NODE_IP).waitFor();

    await row.getByRole("button", { name: "node 1" }).click();
    await page.getByRole("button", { name: "Ping" }).click();
    await row.getByText("pingable", { exact: true }).waitFor({ timeout: 30_000 });

    await page
      .getByLabel("Script", { exact: true })
      .fill("echo hello-$((6*7))\necho to-stderr >&2\nexit 3\n");
    await page.getByLabel(/^Private key/).fill(keys.private);
    await page.getByRole("button", { name: "Run on node 1" }).click();
    await expect
      .poll(
        () =>
          page
            .getByTestId("exit-code")
            .textContent()
            .catch(() => ""),
        { timeout: 60_000 },
      )
      .toBe("3");
    const output = await page.getByTestId("run-output").textContent();
    expect(await page.getByLabel(/^Private key/).inputValue()).toBe("");
    expect(output).toContain("hello-42");
    expect(output).toContain("to-stderr");
    await page.getByRole("region", { name: "script output" }).getByText("done").waitFor();
    // The private key went to the run only: not to the logs, not into browser storage.
    expect(server.logs.join("")).not.toContain(keys.private.split("\n")[1]);
    expect(
      await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage })),
    ).not.toContain("PRIVATE KEY");
    await shot("nodes");

    const hostKey = async () =>
      (
        await server.gql<{ localnode: { hostKey: string | null } }>(
          `query { localnode(id: "1") { hostKey } }`,
        )
      ).data?.localnode.hostKey;
    expect(await hostKey()).toBe(sshd?.fingerprint);
    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: "Reset host key" }).click();
    await expect.poll(hostKey).toBeNull();
    await page.getByText("not pinned yet").waitFor();
  }, 120_000);

  it("the boot timeline shows the registration under the host's MAC", async () => {
    await page.goto(`${server.url}/distributors/${distributorId}`);
    const timeline = page.getByRole("region", { name: `boot timeline of ${MAC}` });
    await timeline.getByText(`registered as node 1 (${NODE_IP})`).waitFor();
    await shot("distributor");
  }, 60_000);

  it("SSH keys: generates a pair (private key downloaded once) and adds its public key", async () => {
    await go("SSH keys");
    await page.getByText("No keys yet.").waitFor();
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Generate and download private key" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("provisioner_ed25519");
    const saved = await file.path();
    expect(await readFile(saved, "utf8")).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    await expect.poll(() => page.getByLabel(/^Public key/).inputValue()).toMatch(/^ssh-ed25519 /);
    await page.getByLabel("Site").fill(SITE);
    await page.getByRole("button", { name: "Add key" }).click();
    await page.getByText(`key 1 · ${SITE}`).waitFor();
    await page.getByText(/^SHA256:/).waitFor();
    await shot("sshkeys");
  });

  it("overview: counts and the latest boot events; usable at phone width", async () => {
    await go("Overview");
    await expect.poll(() => page.getByTestId("nodes-count").textContent()).toBe("1");
    expect(await page.getByTestId("sites-count").textContent()).toBe("1");
    expect(await page.getByTestId("online-count").textContent()).toBe("1");
    expect(await page.getByTestId("building-count").textContent()).toBe("0");
    await page.getByText("GET /api/mainscripts/1").waitFor();
    await shot("overview");

    await page.setViewportSize({ width: 390, height: 844 });
    for (const title of ["Overview", "Nodes", "Builds"]) {
      await go(title);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
    }
    await shot("phone-builds");
    await page.setViewportSize({ width: 1280, height: 800 });
    // A reload on a client route is answered with the console, not a 404.
    await page.goto(`${server.url}/nodes`);
    await page.getByRole("heading", { level: 1, name: "Nodes" }).waitFor();
    expect(browser.foreign).toEqual([]);
  }, 60_000);
});
