import { randomBytes } from "node:crypto";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { type DhcpRouter, startLabDhcpRouter } from "./lab-dhcp-router.ts";
import { type LabServer, labServer, NODE } from "./lab-provisioner.ts";
import { createLab, type Lab } from "./netns.ts";
import type { NodeOs } from "./node-os.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const MIRROR_PORT = 8099;
export const SERVER_PORT = 8080;

export type SiteLan = {
  lab: Lab;
  router: DhcpRouter;
  server: LabServer;
  /** Where the node OS's kernel and initramfs are served over HTTP. */
  mirrorUrl: string;
  addresses: { router: string; distributor: string; server: string };
};

/**
 * A site's LAN for PXE tests: a plain DHCP router, a host for the distributor,
 * and a host running the real server (embedded PostgreSQL) beside an HTTP
 * mirror of the node OS. Everything started is pushed onto `cleanups` as it
 * starts, so a failure half-way still tears down what exists.
 */
export async function startSiteLan(opts: {
  subnet: string;
  dir: string;
  nodeOs: NodeOs;
  tokenPrefix: string;
  cleanups: Array<() => Promise<unknown>>;
}): Promise<SiteLan> {
  const addresses = {
    router: `${opts.subnet}.1`,
    distributor: `${opts.subnet}.2`,
    server: `${opts.subnet}.3`,
  };
  const lab = await createLab({
    hosts: [
      { name: "router", address: addresses.router },
      { name: "dist", address: addresses.distributor },
      { name: "server", address: addresses.server },
    ],
    taps: 1,
    signal: AbortSignal.timeout(60_000),
  });
  opts.cleanups.push(() => lab.teardown());

  const router = await startLabDhcpRouter(lab, {
    host: "router",
    first: `${opts.subnet}.100`,
    last: `${opts.subnet}.199`,
    dir: opts.dir,
  });
  opts.cleanups.push(() => router.stop());

  const mirror = join(opts.dir, "mirror");
  await mkdir(mirror, { mode: 0o755 });
  await copyFile(opts.nodeOs.kernel, join(mirror, "vmlinuz"));
  await copyFile(opts.nodeOs.initrd, join(mirror, "initrd.gz"));
  const [cmd = "ip", ...prefix] = lab.inNamespace(lab.host("server").namespace);
  const http = execa(
    cmd,
    [
      ...prefix,
      NODE,
      "--disable-warning=ExperimentalWarning",
      join(REPO, "tests/lab/lab-boot-http.ts"),
      addresses.server,
      String(MIRROR_PORT),
      mirror,
    ],
    { buffer: false, stdin: "ignore", stdout: "ignore", stderr: "inherit", reject: false },
  );
  opts.cleanups.push(async () => {
    http.kill("SIGTERM");
    await http;
  });

  const server = labServer(lab, {
    host: "server",
    port: SERVER_PORT,
    dataDir: join(opts.dir, "server-data"),
    adminToken: `${opts.tokenPrefix}-${randomBytes(16).toString("hex")}`,
  });
  opts.cleanups.push(() => server.stop());
  await server.start();
  return {
    lab,
    router,
    server,
    mirrorUrl: `http://${addresses.server}:${MIRROR_PORT}`,
    addresses,
  };
}
