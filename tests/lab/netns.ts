import { randomBytes } from "node:crypto";
import { execa } from "execa";
import { runTool } from "../../src/builders/tool.ts";

/**
 * A private LAN for boot tests, built from network namespaces so that nothing touches the
 * host's own network: one "bridge" namespace holds a bridge with the VMs' tap devices,
 * and every lab host (router, distributor, …) gets its own namespace with one veth port
 * on that bridge. The subnet exists only inside these namespaces and is never routed.
 *
 * QEMU must run inside the bridge namespace to open its tap (see `inBridge`).
 * `teardown()` kills whatever still runs inside the lab's namespaces and deletes them;
 * it is safe to call more than once and after a failed `createLab`.
 */

export type LabHost = {
  name: string;
  namespace: string;
  /** The host's port on the lab LAN (inside its namespace). */
  interface: string;
  address: string;
};

export type Lab = {
  /** Random tag in every namespace name, so parallel labs never meet. */
  id: string;
  prefixLength: number;
  bridgeNamespace: string;
  hosts: Map<string, LabHost>;
  taps: string[];
  host(name: string): LabHost;
  /** Command prefix that runs a program inside a namespace. */
  inNamespace(namespace: string): string[];
  inBridge(): string[];
  /** Runs a program inside a namespace and returns its stdout (fails on a non-zero exit). */
  run(namespace: string, cmd: string, args: string[]): Promise<string>;
  teardown(): Promise<void>;
};

export type LabOptions = {
  /** Hosts on the LAN, e.g. { name: "router", address: "10.99.0.1" }. */
  hosts: Array<{ name: string; address: string }>;
  /** Tap devices for VMs (tap0, tap1, …) in the bridge namespace. */
  taps?: number;
  prefixLength?: number;
  signal: AbortSignal;
};

export const LAB_INTERFACE = "lan0";
const HOST_NAME = /^[a-z][a-z0-9]{0,9}$/;
const IPV4 = /^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$/;

const ip = (args: string[], signal: AbortSignal) =>
  runTool("ip", args, { signal, timeoutMs: 15_000 });

/** Kills every process inside a namespace (ours: we made the namespace), then deletes it. */
async function deleteNamespace(namespace: string): Promise<void> {
  const listed = await execa("ip", ["netns", "pids", namespace], {
    reject: false,
    timeout: 10_000,
  });
  const pids = String(listed.stdout ?? "")
    .split(/\s+/)
    .filter((p) => /^[0-9]+$/.test(p))
    .map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  await execa("ip", ["netns", "del", namespace], { reject: false, timeout: 10_000 });
}

export async function createLab(opts: LabOptions): Promise<Lab> {
  const id = randomBytes(3).toString("hex");
  const prefixLength = opts.prefixLength ?? 24;
  const created: string[] = [];
  const bridgeNamespace = `pvlab-${id}-br`;
  const hosts = new Map<string, LabHost>();
  const taps: string[] = [];

  let tornDown: Promise<void> | undefined;
  const teardown = () => {
    // Hosts first: their processes may hold the bridge namespace's veth peers busy.
    tornDown ??= (async () => {
      for (const ns of [...created].reverse()) await deleteNamespace(ns);
    })();
    return tornDown;
  };
  const lab: Lab = {
    id,
    prefixLength,
    bridgeNamespace,
    hosts,
    taps,
    host(name) {
      const found = hosts.get(name);
      if (!found) throw new Error(`no lab host ${name}`);
      return found;
    },
    inNamespace: (namespace) => ["ip", "netns", "exec", namespace],
    inBridge: () => ["ip", "netns", "exec", bridgeNamespace],
    run: (namespace, cmd, args) =>
      runTool("ip", ["netns", "exec", namespace, cmd, ...args], {
        signal: AbortSignal.timeout(60_000),
        timeoutMs: 60_000,
      }),
    teardown,
  };

  try {
    const { signal } = opts;
    const addNamespace = async (namespace: string) => {
      await ip(["netns", "add", namespace], signal);
      created.push(namespace);
      await ip(["-n", namespace, "link", "set", "lo", "up"], signal);
    };
    await addNamespace(bridgeNamespace);
    await ip(["-n", bridgeNamespace, "link", "add", "br0", "type", "bridge"], signal);
    await ip(["-n", bridgeNamespace, "link", "set", "br0", "up"], signal);

    for (const spec of opts.hosts) {
      if (!HOST_NAME.test(spec.name) || !IPV4.test(spec.address)) {
        throw new Error(`bad lab host ${JSON.stringify(spec)}`);
      }
      const namespace = `pvlab-${id}-${spec.name}`;
      await addNamespace(namespace);
      const port = `v-${spec.name}`;
      await ip(
        [
          "-n",
          bridgeNamespace,
          "link",
          "add",
          port,
          "type",
          "veth",
          "peer",
          "name",
          LAB_INTERFACE,
          "netns",
          namespace,
        ],
        signal,
      );
      await ip(["-n", bridgeNamespace, "link", "set", port, "master", "br0", "up"], signal);
      await ip(
        ["-n", namespace, "addr", "add", `${spec.address}/${prefixLength}`, "dev", LAB_INTERFACE],
        signal,
      );
      await ip(["-n", namespace, "link", "set", LAB_INTERFACE, "up"], signal);
      hosts.set(spec.name, {
        name: spec.name,
        namespace,
        interface: LAB_INTERFACE,
        address: spec.address,
      });
    }

    for (let i = 0; i < (opts.taps ?? 0); i++) {
      const tap = `tap${i}`;
      await ip(["-n", bridgeNamespace, "tuntap", "add", "dev", tap, "mode", "tap"], signal);
      await ip(["-n", bridgeNamespace, "link", "set", tap, "master", "br0", "up"], signal);
      taps.push(tap);
    }
    return lab;
  } catch (err) {
    await teardown();
    throw err;
  }
}
