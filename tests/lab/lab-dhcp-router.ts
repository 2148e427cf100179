import { createInterface } from "node:readline";
import { execa } from "execa";
import type { Lab } from "./netns.ts";

/**
 * The lab LAN's ordinary DHCP server (the "router" of a real site): plain DHCP, no PXE,
 * no gateway and no DNS announced, so a guest never tries to reach past the lab. The
 * distributor under test answers beside it in proxy mode, as it would on a real LAN.
 */

export type DhcpRouter = {
  /** Everything dnsmasq logged (bounded). */
  lines: string[];
  /** Addresses acknowledged so far, by MAC (lower case). */
  leases: Map<string, string>;
  stop(): Promise<void>;
};

export type DhcpRouterOptions = {
  /** Lab host (namespace) to run in, e.g. "router". */
  host: string;
  /** First and last address handed out, e.g. 10.99.0.100 and 10.99.0.199. */
  first: string;
  last: string;
  netmask?: string;
  /** Directory for the lease file. */
  dir: string;
};

const MAX_LINES = 5000;

export async function startLabDhcpRouter(lab: Lab, opts: DhcpRouterOptions): Promise<DhcpRouter> {
  const host = lab.host(opts.host);
  const args = [
    "dnsmasq",
    "--keep-in-foreground",
    "--log-facility=-",
    // Only these options: never /etc/dnsmasq.conf.
    "--conf-file=/dev/null",
    "--port=0",
    `--interface=${host.interface}`,
    "--bind-interfaces",
    `--dhcp-range=${opts.first},${opts.last},${opts.netmask ?? "255.255.255.0"},10m`,
    // Empty options 3 (router) and 6 (DNS): the lab has neither, on purpose.
    "--dhcp-option=3",
    "--dhcp-option=6",
    "--dhcp-authoritative",
    `--dhcp-leasefile=${opts.dir}/router.leases`,
    "--pid-file=",
    "--log-dhcp",
  ];
  const [cmd = "ip", ...prefix] = lab.inNamespace(host.namespace);
  const subprocess = execa(cmd, [...prefix, ...args], {
    buffer: false,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    reject: false,
    forceKillAfterDelay: 3000,
  });
  const lines: string[] = [];
  const leases = new Map<string, string>();
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  if (subprocess.stderr) {
    createInterface({ input: subprocess.stderr }).on("line", (line) => {
      if (lines.length < MAX_LINES) lines.push(line);
      if (/DHCP, IP range/.test(line)) ready();
      const ack = /DHCPACK\([^)]*\) ([0-9.]+) ([0-9a-fA-F:]{17})/.exec(line);
      if (ack?.[1] && ack[2]) leases.set(ack[2].toLowerCase(), ack[1]);
    });
  }
  const exited = subprocess.then((r) => r);
  const outcome = await Promise.race([
    started.then(() => "started" as const),
    exited.then(() => "exited" as const),
    new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 15_000).unref()),
  ]);
  if (outcome !== "started") {
    subprocess.kill("SIGKILL");
    await exited;
    throw new Error(`the lab's DHCP router did not start (${outcome}):\n${lines.join("\n")}`);
  }
  return {
    lines,
    leases,
    stop: async () => {
      subprocess.kill("SIGTERM");
      await exited;
    },
  };
}
