import { chmod, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../helpers/until.ts";
import { NODE } from "../lab/lab-provisioner.ts";
import { createLab, type Lab } from "../lab/netns.ts";
import { tutorialBlocks } from "./markdown-blocks.ts";

/**
 * Runs every `sh` block of docs/tutorial.md in order, as a reader would, and checks
 * what each prints. The operator's shell runs in the lab's "site" namespace (which
 * also holds the server the tutorial starts and its distributor agent on lan0); blocks
 * marked `<!-- on: node -->` run in the "node" namespace, a host on the same LAN whose
 * SSH server trusts the key the tutorial generated. Variables a block exports carry
 * over to the next (the state file), as in one terminal session.
 *
 * Not covered here (see docs/design/operator-journey.md): a VM booting
 * through the bundles into the real Debian installer, and the WireGuard join on two VMs.
 */
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const SUBNET = "10.99.73";
const SITE_IP = `${SUBNET}.2`;
const NODE_IP = `${SUBNET}.50`;
const BLOCK_TIMEOUT_MS = 15 * 60_000;

let lab: Lab | undefined;
let work: string;
let sshNode: ResultPromise | undefined;
const aborter = new AbortController();

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "tutorial-"));
  // The embedded PostgreSQL runs as user postgres and must reach ./data.
  await chmod(work, 0o755);
  const bin = path.join(work, ".bin");
  await mkdir(bin);
  await symlink(path.join(REPO, "bin/provisioner.js"), path.join(bin, "provisioner"));
  lab = await createLab({
    hosts: [
      { name: "site", address: SITE_IP },
      { name: "node", address: NODE_IP },
    ],
    signal: aborter.signal,
  });
}, 120_000);

afterAll(async () => {
  aborter.abort();
  sshNode?.kill("SIGKILL");
  await sshNode?.catch(() => undefined);
  // Kills the server, its embedded PostgreSQL, the agent and dnsmasq: all live in the lab.
  await lab?.teardown();
  await rm(work, { recursive: true, force: true });
});

const env = () => ({
  PATH: `${path.join(work, ".bin")}:${process.env.PATH ?? ""}`,
  HOME: work,
  PROVISIONER_SERVER: `http://${SITE_IP}:8080`,
  SITE: "tutorial.example",
  LAN_DEVICE: "lan0",
  LAN_RANGE: `${SUBNET}.0/24`,
});

/** The lab's stand-in for "the host booted and %post installed the site's key". */
async function bootNode(current: Lab): Promise<void> {
  if (sshNode) return;
  const lines: string[] = [];
  sshNode = execa(
    "ip",
    [
      "netns",
      "exec",
      current.host("node").namespace,
      NODE,
      "--disable-warning=ExperimentalWarning",
      path.join(REPO, "tests/tutorial/ssh-node.ts"),
      NODE_IP,
      path.join(work, "id_node.pub"),
    ],
    { reject: false, buffer: false, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  if (sshNode.stdout) createInterface({ input: sshNode.stdout }).on("line", (l) => lines.push(l));
  if (sshNode.stderr) createInterface({ input: sshNode.stderr }).on("line", (l) => lines.push(l));
  await until(
    "the lab node's SSH server",
    () => lines.some((l) => l.startsWith("ssh node ready")),
    30_000,
    () => lines.join("\n"),
  );
}

describe("docs/tutorial.md", () => {
  it(
    "runs from an empty server to a script run on a registered node",
    async () => {
      if (!lab) throw new Error("no lab");
      const blocks = tutorialBlocks(await readFile(path.join(REPO, "docs/tutorial.md"), "utf8"));
      expect(blocks.length).toBeGreaterThanOrEqual(15);
      const state = path.join(work, ".tutorial-env");
      for (const block of blocks) {
        const where = block.on === "node" ? lab.host("node") : lab.host("site");
        if (block.on === "node") await bootNode(lab);
        // Operator blocks save what they export for the next block; node blocks only read it.
        const script = [
          "set -eu -o pipefail",
          `[ -f '${state}' ] && . '${state}'`,
          block.code,
          block.on === "operator" ? `export -p > '${state}'` : "",
        ].join("\n");
        const result = await execa("ip", ["netns", "exec", where.namespace, "bash", "-c", script], {
          cwd: work,
          env: env(),
          extendEnv: false,
          reject: false,
          stdin: "ignore",
          timeout: BLOCK_TIMEOUT_MS,
          all: true,
        });
        const output = String(result.all ?? "");
        const context = `block at docs/tutorial.md:${block.line} (${block.on}) printed:\n${output.slice(-4000)}`;
        expect(result.exitCode, context).toBe(0);
        for (const pattern of block.expect) expect(output, context).toMatch(pattern);
      }
    },
    45 * 60_000,
  );
});
