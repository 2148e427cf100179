import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binPath } from "./helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.ts";
import { until } from "./helpers/until.ts";

// `provisioner serve` as a person starts it: JSON logs when stdout is a pipe, readable
// lines on a terminal (a real pseudo-terminal from util-linux `script`), and the first
// start explaining where the console and the operator token are.
let database: TestDatabase;
let dataDir: string;
const running: ResultPromise[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "cli-logging-"));
});
afterAll(async () => {
  for (const child of running) child.kill("SIGKILL");
  await Promise.all(running.map((c) => c.catch(() => undefined)));
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const env = () => ({
  DATABASE_URL: database.url,
  DATA_DIR: dataDir,
  PORT: "0",
  HOST: "127.0.0.1",
  LOG_FORMAT: "",
});

/** Starts a command, collecting stdout and stderr, until `ready` shows up in stdout. */
async function startUntil(file: string, args: string[], ready: RegExp, extraEnv = {}) {
  const out = { stdout: "", stderr: "" };
  const child = execa(file, args, {
    env: { ...env(), ...extraEnv },
    reject: false,
    buffer: false,
    stdin: "ignore",
  });
  running.push(child);
  child.stdout?.on("data", (c: Buffer) => {
    out.stdout += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out.stderr += c.toString();
  });
  await until(
    "the server ready",
    () => ready.test(out.stdout),
    60_000,
    () => JSON.stringify(out),
  );
  return { child, out };
}

async function stop(child: ResultPromise): Promise<void> {
  child.kill("SIGTERM");
  await child;
}

describe("provisioner serve output", () => {
  it("first start, stdout a pipe: JSON log lines, and a plain-words welcome on stderr", async () => {
    const { child, out } = await startUntil(
      process.execPath,
      [binPath, "serve"],
      /"msg":"provisioner is ready"/,
    );
    await stop(child);
    const lines = out.stdout.trim().split("\n");
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const tokenFile = path.join(dataDir, "admin-token");
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out.stdout)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out.stderr).toContain("Provisioner is running for the first time.");
    expect(out.stderr).toContain(`  Console (GraphiQL):  ${url}/graphql`);
    expect(out.stderr).toContain(`  Operator token:      ${tokenFile}  (written once`);
    expect(out.stderr).toContain("  Next command:        provisioner site upsert my-site.example");
    const token = (await readFile(tokenFile, "utf8")).trim();
    // prov_ and 32 random bytes in base64url.
    expect(token).toMatch(/^prov_[A-Za-z0-9_-]{43}$/);
    expect(out.stdout + out.stderr).not.toContain(token);
  }, 90_000);

  it("on a terminal: readable lines, no JSON; no welcome on a later start", async () => {
    // `script` runs the command on a new pseudo-terminal and copies what it prints.
    const command = [process.execPath, binPath, "serve"].map((a) => `'${a}'`).join(" ");
    const { child, out } = await startUntil(
      "script",
      ["-qfec", command, "/dev/null"],
      /INFO.*provisioner is ready/,
    );
    await stop(child);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes from pino-pretty
    const plain = out.stdout.replace(/\u001b\[[0-9;]*m/g, "");
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: provisioner is ready\r?$/m);
    expect(plain).toMatch(/^ {4}graphql: "http:\/\/127\.0\.0\.1:\d+\/graphql"\r?$/m);
    expect(plain).not.toContain('{"level"');
    expect(plain).not.toContain("for the first time");
  }, 90_000);

  it("LOG_FORMAT=json wins on a terminal; a wrong LOG_FORMAT is refused in words", async () => {
    const command = [process.execPath, binPath, "serve"].map((a) => `'${a}'`).join(" ");
    const { child, out } = await startUntil(
      "script",
      ["-qfec", command, "/dev/null"],
      /"msg":"provisioner is ready"/,
      { LOG_FORMAT: "json" },
    );
    await stop(child);
    expect(out.stdout).not.toMatch(/INFO: /);
    const wrong = await execa(process.execPath, [binPath, "serve"], {
      env: { ...env(), LOG_FORMAT: "xml" },
      reject: false,
      timeout: 30_000,
    });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toBe('provisioner: LOG_FORMAT must be json, pretty or auto (got "xml")');
  }, 90_000);

  it("the distributor agent logs readable lines on a terminal too", async () => {
    // Port 9 on loopback: nothing listens, so the agent says it keeps retrying.
    const agentDir = path.join(dataDir, "agent");
    const command = [
      process.execPath,
      binPath,
      "distributor",
      "--server",
      "http://127.0.0.1:9",
      "--token",
      `dist_${"A".repeat(43)}`,
      "--data-dir",
      agentDir,
    ]
      .map((a) => `'${a}'`)
      .join(" ");
    const { child, out } = await startUntil(
      "script",
      ["-qfec", command, "/dev/null"],
      /WARN.*connection to the server closed; retrying/,
    );
    await stop(child);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes from pino-pretty
    const plain = out.stdout.replace(/\u001b\[[0-9;]*m/g, "");
    expect(plain).toMatch(
      /^\[\d\d:\d\d:\d\d\] WARN: connection to the server closed; retrying\r?$/m,
    );
    expect(plain).toMatch(/^ {4}server: "http:\/\/127\.0\.0\.1:9"\r?$/m);
    expect(plain).not.toContain('{"level"');
  }, 60_000);
});
