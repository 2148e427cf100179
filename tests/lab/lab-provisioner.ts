import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { until } from "../helpers/until.ts";
import type { Lab } from "./netns.ts";

/**
 * The real `provisioner` processes on the lab LAN, each inside its lab host's network
 * namespace (`ip netns exec`): `serve` on the embedded PostgreSQL (no DATABASE_URL) and
 * the `distributor` agent. The test in the root namespace reaches the server only through
 * `ip netns exec <server ns> curl`, so the lab subnet never appears outside its namespaces.
 */

const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** Node 24 (a dev dependency); the machine's own node may be older. */
export const NODE = join(REPO, "node_modules/.bin/node");
const BIN = join(REPO, "bin/provisioner.js");
const MAX_LINES = 20_000;

export type Gql = <T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
) => Promise<{
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}>;

/** GraphQL over HTTP from inside `namespace` (curl there; the body goes through stdin). */
export function namespaceGql(lab: Lab, namespace: string, url: string, token: string): Gql {
  return async (query, variables) => {
    const [cmd = "ip", ...prefix] = lab.inNamespace(namespace);
    const result = await execa(
      cmd,
      [
        ...prefix,
        "curl",
        "-sS",
        "--max-time",
        "20",
        "-H",
        "content-type: application/json",
        "-H",
        `authorization: Bearer ${token}`,
        "--data-binary",
        "@-",
        "-w",
        "\n%{http_code}",
        `${url}/graphql`,
      ],
      { input: JSON.stringify({ query, variables }), reject: false, timeout: 30_000 },
    );
    const cut = result.stdout.lastIndexOf("\n");
    const status = Number(result.stdout.slice(cut + 1));
    if (result.exitCode !== 0 || cut < 0) {
      throw new Error(`curl ${url}/graphql failed (${result.exitCode}): ${result.stderr}`);
    }
    return { status, ...(JSON.parse(result.stdout.slice(0, cut)) as object) };
  };
}

/** A child process whose stdout and stderr lines are kept (bounded) for assertions. */
function spawnLogged(
  lab: Lab,
  namespace: string,
  args: string[],
  env: Record<string, string>,
  lines: string[],
): ResultPromise {
  const [cmd = "ip", ...prefix] = lab.inNamespace(namespace);
  const child: ResultPromise = execa(
    cmd,
    [...prefix, NODE, "--disable-warning=ExperimentalWarning", BIN, ...args],
    {
      env,
      extendEnv: true,
      buffer: false,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      reject: false,
      forceKillAfterDelay: 10_000,
    },
  );
  const keep = (line: string) => {
    if (lines.length >= MAX_LINES) lines.shift();
    lines.push(line);
  };
  if (child.stdout) createInterface({ input: child.stdout }).on("line", keep);
  if (child.stderr) createInterface({ input: child.stderr }).on("line", keep);
  return child;
}

export type LabServerOptions = {
  /** Lab host (namespace) to run in. */
  host: string;
  port: number;
  /** DATA_DIR: the embedded PostgreSQL and artifacts; its parent must be world-traversable. */
  dataDir: string;
  adminToken: string;
};

export type LabServer = {
  /** PUBLIC_URL: http://<host's LAN address>:<port>. */
  url: string;
  /** Log lines of every run so far. */
  lines: string[];
  /** The operator token (ADMIN_TOKEN), for a browser signing in. */
  token: string;
  gql: Gql;
  /** Starts `provisioner serve` (again) and waits until it is ready. */
  start(): Promise<void>;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number | undefined>;
  running(): boolean;
};

export function labServer(lab: Lab, opts: LabServerOptions): LabServer {
  const host = lab.host(opts.host);
  const url = `http://${host.address}:${opts.port}`;
  const lines: string[] = [];
  let current: ResultPromise | undefined;
  const server: LabServer = {
    url,
    lines,
    token: opts.adminToken,
    gql: namespaceGql(lab, host.namespace, url, opts.adminToken),
    running: () => current !== undefined,
    async start() {
      if (current) throw new Error("the lab server already runs");
      const from = lines.length;
      const child = spawnLogged(
        lab,
        host.namespace,
        ["serve"],
        {
          PORT: String(opts.port),
          HOST: "0.0.0.0",
          PUBLIC_URL: url,
          DATA_DIR: opts.dataDir,
          ADMIN_TOKEN: opts.adminToken,
          // Empty means unset: the embedded PostgreSQL and local artifact storage.
          DATABASE_URL: "",
          S3_ENDPOINT: "",
          LOG_LEVEL: "info",
        },
        lines,
      );
      current = child;
      let exited = false;
      void child.then(() => {
        exited = true;
      });
      await until(
        "provisioner serve to get ready",
        () => {
          if (exited) throw new Error(`provisioner serve exited:\n${lines.slice(from).join("\n")}`);
          return lines.slice(from).some((l) => l.includes("provisioner is ready"));
        },
        90_000,
        () => lines.slice(from).join("\n"),
      );
    },
    async stop() {
      const child = current;
      if (!child) return undefined;
      child.kill("SIGTERM");
      const result = await child;
      current = undefined;
      return result.exitCode;
    },
  };
  return server;
}

export type LabAgentOptions = {
  host: string;
  server: string;
  token: string;
  dataDir: string;
  heartbeatSeconds?: number;
};

export type LabAgent = { lines: string[]; stop(): Promise<void> };

/** `provisioner distributor` on the lab host's LAN port, token from PROVISIONER_TOKEN. */
export function startLabAgent(lab: Lab, opts: LabAgentOptions): LabAgent {
  const host = lab.host(opts.host);
  const lines: string[] = [];
  const child = spawnLogged(
    lab,
    host.namespace,
    [
      "distributor",
      "--server",
      opts.server,
      "--interface",
      host.interface,
      "--data-dir",
      opts.dataDir,
    ],
    {
      PROVISIONER_TOKEN: opts.token,
      PROVISIONER_HEARTBEAT_SECONDS: String(opts.heartbeatSeconds ?? 2),
      LOG_LEVEL: "info",
    },
    lines,
  );
  return {
    lines,
    stop: async () => {
      child.kill("SIGTERM");
      await child;
    },
  };
}
