import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { renderDnsmasqConfig } from "../../src/distributor/dnsmasq/render.ts";
import {
  type DnsmasqExit,
  type DnsmasqSupervisor,
  superviseDnsmasq,
} from "../../src/distributor/dnsmasq/supervise.ts";
import { createLogger } from "../../src/logger.ts";
import { until } from "../helpers/until.ts";
import { createLab, type Lab } from "../lab/netns.ts";

/**
 * The supervisor against a real dnsmasq inside a network namespace made for this file
 * (one veth on a private bridge, 10.99.0.0/24, never routed anywhere).
 */

const logger = createLogger("silent");
let lab: Lab;
let dir: string;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** UDP ports something listens on inside the lab's distributor namespace. */
async function udpPorts(): Promise<string> {
  return lab.run(lab.host("dist").namespace, "ss", ["-ulnH"]);
}

beforeAll(async () => {
  lab = await createLab({
    hosts: [{ name: "dist", address: "10.99.0.2" }],
    signal: AbortSignal.timeout(60_000),
  });
  dir = await mkdtemp(join(tmpdir(), "dnsmasq-supervise-"));
  // dnsmasq drops to "nobody" after start; the TFTP root must stay readable for it.
  await chmod(dir, 0o755);
});

afterAll(async () => {
  await lab?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function config(): string {
  return renderDnsmasqConfig({
    interface: "lan0",
    range: "10.99.0.0/24",
    tftpRoot: dir,
    scriptUrl: "http://10.99.0.2:8098/boot.ipxe",
    uefiBootFile: "ipxe.efi",
    biosBootFile: "undionly.kpxe",
    leaseFile: join(dir, "leases"),
    pidFile: join(dir, "dnsmasq.pid"),
  });
}

describe("superviseDnsmasq", () => {
  test("runs dnsmasq in the foreground, streams its log, restarts it after SIGKILL, stops it", async () => {
    const configFile = join(dir, "proxy.conf");
    await writeFile(configFile, config());
    const lines: string[] = [];
    const exits: DnsmasqExit[] = [];
    const supervisor = superviseDnsmasq({
      configFile,
      logger,
      launcher: lab.inNamespace(lab.host("dist").namespace),
      onLine: (line) => lines.push(line),
      onExit: (exit) => exits.push(exit),
      backoff: { initialMs: 200 },
    });
    try {
      await until(
        "dnsmasq's start-up lines",
        () => lines.some((l) => /TFTP root is/.test(l)),
        15_000,
        () => "",
        50,
      );
      expect(lines.join("\n")).toMatch(/started, version [0-9.]+ DNS disabled/);
      expect(lines.join("\n")).toMatch(/DHCP, proxy on subnet 10\.99\.0\.0/);
      const first = supervisor.pid();
      expect(first).toBeTypeOf("number");
      expect(supervisor.state()).toBe("running");
      // Bound to the lab interface: proxy-DHCP (67), PXE boot server (4011), TFTP (69).
      await until(
        "the DHCP, PXE and TFTP sockets",
        async () => {
          const ports = await udpPorts();
          return [":67 ", ":69 ", ":4011 "].every((p) => ports.includes(p));
        },
        15_000,
        () => "",
        50,
      );

      const startedLines = () => lines.filter((l) => /started, version/.test(l)).length;
      process.kill(first as number, "SIGKILL");
      await until(
        "a restart",
        () => supervisor.starts() === 2 && startedLines() === 2,
        15_000,
        () => "",
        50,
      );
      expect(exits[0]).toMatchObject({ signal: "SIGKILL", restartInMs: 200 });
      const second = supervisor.pid() as number;
      expect(second).not.toBe(first);
      expect(alive(second)).toBe(true);
      expect(supervisor.state()).toBe("running");

      await supervisor.stop();
      expect(supervisor.state()).toBe("stopped");
      expect(alive(second)).toBe(false);
      expect(exits.at(-1)?.restartInMs).toBeUndefined();
      // Proving that nothing happens needs time to pass: longer than the test's restart
      // backoff, in which a wrongly scheduled restart would have started a third dnsmasq.
      await new Promise((r) => setTimeout(r, 600));
      expect(supervisor.starts()).toBe(2);
      expect(await udpPorts()).not.toContain(":67 ");
    } finally {
      await supervisor.stop();
    }
  });

  test("gives up at once on a configuration dnsmasq refuses", async () => {
    const configFile = join(dir, "bad.conf");
    await writeFile(configFile, "no-such-option=1\n");
    const reasons: string[] = [];
    const lines: string[] = [];
    const supervisor = superviseDnsmasq({
      configFile,
      logger,
      launcher: lab.inNamespace(lab.host("dist").namespace),
      onLine: (line) => lines.push(line),
      onGiveUp: (reason) => reasons.push(reason),
      backoff: { initialMs: 50 },
    });
    await until(
      "giving up",
      () => reasons.length > 0,
      15_000,
      () => "",
      50,
    );
    expect(reasons).toEqual(["dnsmasq refused its configuration (exit code 1)"]);
    expect(lines.join("\n")).toMatch(/bad option|no-such-option/);
    expect(supervisor.state()).toBe("failed");
    expect(supervisor.starts()).toBe(1);
    await supervisor.stop();
  });

  test("restarts a program that keeps dying a bounded number of times, with growing delays", async () => {
    const reasons: string[] = [];
    const exits: DnsmasqExit[] = [];
    let supervisor: DnsmasqSupervisor | undefined;
    try {
      supervisor = superviseDnsmasq({
        configFile: join(dir, "unused.conf"),
        logger,
        // Exits 0 at once: from the supervisor's view, a dnsmasq that keeps dying.
        binary: "/bin/true",
        onLine: () => {},
        onExit: (exit) => exits.push(exit),
        onGiveUp: (reason) => reasons.push(reason),
        backoff: { initialMs: 20, maxMs: 80, maxRestarts: 4 },
      });
      await until(
        "giving up",
        () => reasons.length > 0,
        15_000,
        () => "",
        50,
      );
      expect(reasons[0]).toMatch(/died 5 times in a row/);
      expect(supervisor.starts()).toBe(5);
      expect(exits.map((e) => e.restartInMs)).toEqual([20, 40, 80, 80, undefined]);
    } finally {
      await supervisor?.stop();
    }
  });

  test("a spawn failure is reported, not retried forever", async () => {
    const reasons: string[] = [];
    const supervisor = superviseDnsmasq({
      configFile: join(dir, "unused.conf"),
      logger,
      binary: join(dir, "no-such-dnsmasq"),
      onLine: () => {},
      onGiveUp: (reason) => reasons.push(reason),
    });
    await until(
      "giving up",
      () => reasons.length > 0,
      15_000,
      () => "",
      50,
    );
    const missing = join(dir, "no-such-dnsmasq");
    expect(reasons).toEqual([
      `dnsmasq could not be started: Command failed with ENOENT: ${missing} --keep-in-foreground '--log-facility=-' '--conf-file=${join(dir, "unused.conf")}'\nspawn ${missing} ENOENT`,
    ]);
    await supervisor.stop();
  });

  test("an aborted signal stops dnsmasq", async () => {
    const configFile = join(dir, "proxy2.conf");
    await writeFile(configFile, config());
    const controller = new AbortController();
    const lines: string[] = [];
    const supervisor = superviseDnsmasq({
      configFile,
      logger,
      launcher: lab.inNamespace(lab.host("dist").namespace),
      onLine: (line) => lines.push(line),
      signal: controller.signal,
    });
    await until(
      "start-up",
      () => lines.some((l) => /TFTP root is/.test(l)),
      15_000,
      () => "",
      50,
    );
    const pid = supervisor.pid() as number;
    controller.abort();
    await until(
      "the stop",
      () => supervisor.state() === "stopped" && !alive(pid),
      15_000,
      () => "",
      50,
    );
    await supervisor.stop();
  });
});
