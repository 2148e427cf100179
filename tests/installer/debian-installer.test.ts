import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIpxe, waitForBuild } from "../helpers/builds.ts";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";
import { until } from "../helpers/until.ts";
import { ensureIpxeVendor } from "../lab/ipxe-vendor.ts";
import { plainConsole } from "../lab/qemu.ts";

/**
 * Debian 12's real network installer, not our test OS: a VM (QEMU, TCG, user networking:
 * the guest reaches the host's loopback as 10.0.2.2) boots the iPXE bundle this server
 * built (ipxe.lkrn with its embedded script as initrd); the script chains the server's
 * mainscript, which chains the subscript, which boots the installer's kernel and initrd
 * (from Debian's debian-installer-12-netboot-amd64, served by a plain file server here)
 * with url=<server>/api/kickstarts/<id>. The installer fetches that preseed, and its
 * early_command fetches /api/prebootscripts/<id> and runs it, which registers the node
 * with the site's enrollment token (the site is closed: nothing else could register it).
 */
const GUEST_HOST = "10.0.2.2";
const DI = "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64";
const SITE = "installer.example";
const VM_TIMEOUT_MS = 10 * 60_000;

let server: TestServer;
let files: Server;
let dir: string;
let vm: ResultPromise | undefined;
let consoleText = "";

beforeAll(async () => {
  await ensureIpxeVendor(AbortSignal.timeout(120_000));
  server = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), "d-i-"));
  // A "mirror" for the installer's kernel and initrd, on the host's loopback.
  files = createServer((req, res) => {
    const name = req.url === "/linux" ? "linux" : req.url === "/initrd.gz" ? "initrd.gz" : "";
    if (!name) {
      res.statusCode = 404;
      res.end();
      return;
    }
    createReadStream(path.join(DI, name)).pipe(res);
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
}, 180_000);

afterAll(async () => {
  vm?.kill("SIGKILL");
  await vm?.catch(() => undefined);
  await new Promise((resolve) => files?.close(resolve));
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function must<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  if (!r.data) throw new Error(`${query}: ${JSON.stringify(r.errors)}`);
  return r.data;
}

async function createScript(kind: string, text: string): Promise<string> {
  const field = `create${kind}`;
  const data = await must<Record<string, { id: string }>>(
    `mutation($t: String!) { ${field}(input: { text: $t }) { id } }`,
    { t: text },
  );
  return data[field]?.id ?? "";
}

describe("Debian 12 network installer through an iPXE bundle of this server", () => {
  it(
    "fetches the preseed and runs the prebootscript, which registers the node with the site's token",
    async () => {
      expect((await stat(path.join(DI, "linux"))).size).toBeGreaterThan(1_000_000);
      const api = `http://${GUEST_HOST}:${new URL(server.url).port}`;
      const mirror = `http://${GUEST_HOST}:${(files.address() as AddressInfo).port}`;
      const { upsertSite } = await must<{ upsertSite: { enrollmentToken: string } }>(
        `mutation { upsertSite(input: { artifactId: "${SITE}" }) { enrollmentToken } }`,
      );
      const token = upsertSite.enrollmentToken;

      // The tutorial's prebootscript, as the installer's busybox runs it.
      const pre = await createScript(
        "Prebootscript",
        [
          "#!/bin/sh",
          `ip="$(ip route get ${GUEST_HOST} | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p')"`,
          `url="${api}/api/localnodes?ip=$ip&artifactId=${SITE}&pingable=true&token=${token}"`,
          `if command -v curl > /dev/null; then curl -fsS -X POST "$url"; else wget -q -O- --post-data '' "$url"; fi`,
          'echo "prebootscript: registered $ip" > /dev/console',
          "",
        ].join("\n"),
      );
      const preseed = await createScript(
        "Kickstart",
        [
          "d-i debian-installer/locale string en_US.UTF-8",
          "d-i keyboard-configuration/xkb-keymap select us",
          "d-i netcfg/choose_interface select auto",
          "d-i netcfg/get_hostname string node",
          "d-i netcfg/get_domain string installer.example",
          `d-i preseed/early_command string wget -q -O /tmp/preboot.sh ${api}/api/prebootscripts/${pre}; sh /tmp/preboot.sh`,
          "",
        ].join("\n"),
      );
      const sub = await createScript(
        "Subscript",
        [
          "#!ipxe",
          `kernel ${mirror}/linux auto=true priority=critical url=${api}/api/kickstarts/${preseed} console=ttyS0,115200n8`,
          `initrd ${mirror}/initrd.gz`,
          "boot",
          "",
        ].join("\n"),
      );
      const main = await createScript("Mainscript", `#!ipxe\nchain ${api}/api/subscripts/${sub}\n`);
      const build = await waitForBuild(
        server,
        (
          await createIpxe(server, {
            script: `#!ipxe\ndhcp\nchain ${api}/api/mainscripts/${main}\n`,
            platform: "bin",
            driver: "ipxe",
            extension: "lkrn",
          })
        ).id,
        120_000,
      );
      expect(build.status).toBe("DONE");
      for (const file of build.files) {
        const res = await fetch(`${server.url}${new URL(file.url).pathname}`);
        await writeFile(path.join(dir, file.name), Buffer.from(await res.arrayBuffer()));
      }

      vm = execa(
        "qemu-system-x86_64",
        [
          "-accel",
          "tcg",
          "-m",
          "1024",
          "-nographic",
          "-no-reboot",
          "-netdev",
          "user,id=n0",
          "-device",
          "e1000,netdev=n0,romfile=",
          "-kernel",
          path.join(dir, "ipxe.lkrn"),
          "-initrd",
          path.join(dir, "autoexec.ipxe"),
        ],
        {
          timeout: VM_TIMEOUT_MS,
          reject: false,
          buffer: false,
          stdin: "ignore",
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      const append = (chunk: Buffer) => {
        consoleText = (consoleText + chunk.toString("latin1")).slice(-256 * 1024);
      };
      vm.stdout?.on("data", append);
      vm.stderr?.on("data", append);

      type Nodes = { localnodes: { edges: Array<{ node: { ip: string; pingable: boolean } }> } };
      const nodes = await until(
        "the installer's prebootscript to register the node",
        async () => {
          const data = await must<Nodes>(
            `{ localnodes(artifactId: "${SITE}") { edges { node { ip pingable } } } }`,
          );
          return data.localnodes.edges.length > 0 ? data.localnodes.edges : undefined;
        },
        VM_TIMEOUT_MS,
        () => plainConsole(consoleText).slice(-3000),
        2000,
      );
      // QEMU user networking gives the guest 10.0.2.15.
      expect(nodes.map((e) => e.node)).toEqual([{ ip: "10.0.2.15", pingable: true }]);
      // The server itself saw the whole chain: every script was fetched (GET, 200).
      const metrics = (await (await fetch(`${server.url}/metrics`)).text()).split("\n");
      for (const route of ["mainscripts", "subscripts", "kickstarts", "prebootscripts"]) {
        const line = metrics.find(
          (l) =>
            l.startsWith("provisioner_http_request_duration_seconds_count{") &&
            l.includes(`route="/api/${route}/:id"`) &&
            l.includes('method="GET"') &&
            l.includes('status="200"'),
        );
        expect(Number(line?.slice(line.lastIndexOf(" ") + 1) ?? 0), route).toBeGreaterThan(0);
      }
    },
    15 * 60_000,
  );
});
