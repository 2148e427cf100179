import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

const run = promisify(execFile);
let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), "sshkeys-"));
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

type Pair = {
  generateSshKeyPair: {
    publicKey: string;
    privateKey: string;
    fingerprint: string;
    algorithm: string;
  };
};

describe("generateSshKeyPair", () => {
  it.each(["ED25519", "ECDSA", "RSA"])(
    "makes an OpenSSH %s pair that ssh-keygen accepts, and stores nothing",
    async (algorithm) => {
      const r = await server.gql<Pair>(
        `mutation($a: KeyAlgorithm) { generateSshKeyPair(input: { algorithm: $a }) { algorithm publicKey privateKey fingerprint } }`,
        { a: algorithm },
      );
      const pair = r.data?.generateSshKeyPair;
      expect(pair?.algorithm).toBe(algorithm);
      expect(pair?.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
      const file = path.join(dir, `id_${algorithm}`);
      await writeFile(file, pair?.privateKey ?? "", { mode: 0o600 });
      const { stdout } = await run("ssh-keygen", ["-y", "-f", file]);
      const [type, blob] = stdout.trim().split(" ");
      expect(pair?.publicKey.startsWith(`${type} ${blob}`)).toBe(true);
      const fp = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", file]);
      expect(fp.stdout).toContain(pair?.fingerprint);
      const keys = await server.gql<{ sshkeys: { totalCount: number } }>(
        `{ sshkeys { totalCount } }`,
      );
      expect(keys.data?.sshkeys.totalCount).toBe(0);
    },
  );

  it("defaults to ED25519", async () => {
    const r = await server.gql<Pair>(`mutation { generateSshKeyPair { algorithm publicKey } }`);
    expect(r.data?.generateSshKeyPair.publicKey).toMatch(/^ssh-ed25519 /);
  });
});

describe("sshkeys registry", () => {
  it("adds a validated public key, serves it at /api/sshkeys/:id, lists by site and deletes", async () => {
    const { stdout } = await run("ssh-keygen", [
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "op@example",
      "-f",
      path.join(dir, "k1"),
    ]);
    expect(stdout).toContain(`Your public key has been saved in ${path.join(dir, "k1")}.pub`);
    const pub = readFile(path.join(dir, "k1.pub"), "utf8");
    const text = (await pub).trim();
    const added = await server.gql<{
      addSshKey: { id: string; text: string; fingerprint: string; artifactId: string };
    }>(
      `mutation($t: String!) { addSshKey(input: { text: $t, artifactId: "lab.example" }) { id text fingerprint artifactId } }`,
      { t: `${text}\n` },
    );
    const key = added.data?.addSshKey;
    expect(key?.text).toBe(text);
    const fp = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", path.join(dir, "k1.pub")]);
    expect(fp.stdout).toContain(key?.fingerprint);
    const raw = await fetch(`${server.url}/api/sshkeys/${key?.id}`);
    expect(await raw.text()).toBe(text);

    const dup = await server.gql(
      `mutation($t: String!) { addSshKey(input: { text: $t, artifactId: "lab.example" }) { id } }`,
      { t: text },
    );
    expect(dup.errors?.[0]?.extensions?.code).toBe("CONFLICT");

    const bySite = await server.gql<{ sshkeys: { totalCount: number } }>(
      `{ sshkeys(artifactId: "lab.example") { totalCount } }`,
    );
    expect(bySite.data?.sshkeys.totalCount).toBe(1);
    const other = await server.gql<{ sshkeys: { totalCount: number } }>(
      `{ sshkeys(artifactId: "other.example") { totalCount } }`,
    );
    expect(other.data?.sshkeys.totalCount).toBe(0);

    await server.gql(`mutation($id: ID!) { deleteSshKey(input: { id: $id }) { id } }`, {
      id: key?.id,
    });
    expect((await fetch(`${server.url}/api/sshkeys/${key?.id}`)).status).toBe(404);
  });

  it("refuses a private key without storing it, echoing it or logging it", async () => {
    await run("ssh-keygen", ["-t", "ed25519", "-N", "", "-f", path.join(dir, "k2")]);
    const secret = await readFile(path.join(dir, "k2"), "utf8");
    const body = secret.split("\n")[1] ?? "";
    expect(body.length).toBeGreaterThan(20);
    const r = await server.gql(
      `mutation($t: String!) { addSshKey(input: { text: $t, artifactId: "lab.example" }) { id } }`,
      { t: secret },
    );
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toBe(
      "this is a private key; it was not stored. Paste the public key (the .pub file) instead",
    );
    expect(JSON.stringify(r)).not.toContain(body);
    expect(server.logs.join("")).not.toContain(body);
    const rows = await server.gql<{ sshkeys: { totalCount: number } }>(
      `{ sshkeys { totalCount } }`,
    );
    expect(rows.data?.sshkeys.totalCount).toBe(0);
  });

  it.each([
    ["garbage", "not a key"],
    ["truncated", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"],
    ["two lines", "ssh-ed25519 AAAA\nssh-rsa AAAA"],
    ["wrong type", "ssh-dss AAAAB3NzaC1kc3MAAACBAP"],
  ])("refuses %s", async (_name, text) => {
    const r = await server.gql(
      `mutation($t: String!) { addSshKey(input: { text: $t, artifactId: "lab.example" }) { id } }`,
      { t: text },
    );
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("refuses a bad artifactId", async () => {
    const r = await server.gql(
      `mutation { addSshKey(input: { text: "x", artifactId: "../etc" }) { id } }`,
    );
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
