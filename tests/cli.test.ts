import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisioner } from "./helpers/cli.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

let server: TestServer;
let dir: string;
let auth: string[];
beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), "cli-"));
  auth = ["--server", server.url, "--token", server.token];
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("provisioner CLI", () => {
  it("creates a mainscript from a file and the boot endpoint serves it", async () => {
    const file = path.join(dir, "menu.ipxe");
    await writeFile(file, "#!ipxe\nchain http://example.invalid/next\n");
    const created = await provisioner([...auth, "--json", "mainscript", "create", "--file", file]);
    expect(created.exitCode, created.stderr).toBe(0);
    const { id, url } = JSON.parse(created.stdout) as { id: string; url: string };
    expect(url).toBe(`${server.url}/api/mainscripts/${id}`);
    expect(await (await fetch(url)).text()).toBe("#!ipxe\nchain http://example.invalid/next\n");

    const updated = await provisioner([...auth, "mainscript", "update", id, "--file", "-"], {
      input: "#!ipxe\necho v2\n",
    });
    expect(updated.exitCode, updated.stderr).toBe(0);
    const ls = await provisioner([...auth, "--json", "mainscript", "ls"]);
    expect(JSON.parse(ls.stdout)).toEqual([
      expect.objectContaining({ id, text: "#!ipxe\necho v2\n" }),
    ]);
  });

  it("lists nodes as a table and as JSON, filtered by site", async () => {
    await server.gql(
      `mutation { upsertSite(input: { artifactId: "cli.example", openEnrollment: true }) { artifactId } }`,
    );
    await fetch(`${server.url}/api/localnodes?ip=10.99.0.7&artifactId=cli.example&pingable=true`, {
      method: "POST",
    });
    await fetch(`${server.url}/api/localnodes?ip=10.99.0.8&artifactId=cli.example`, {
      method: "POST",
    });
    const table = await provisioner([...auth, "nodes", "ls"]);
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+IP\s+ARTIFACTID\s+PINGABLE\s+LASTSEENAT$/);
    expect(table.stdout).toMatch(/10\.99\.0\.7\s+cli\.example\s+true/);
    const json = await provisioner([
      ...auth,
      "--json",
      "nodes",
      "ls",
      "--artifact-id",
      "cli.example",
    ]);
    const nodes = JSON.parse(json.stdout) as Array<{ ip: string }>;
    expect(nodes.map((n) => n.ip).sort()).toEqual(["10.99.0.7", "10.99.0.8"]);
    const page = await provisioner([
      ...auth,
      "nodes",
      "ls",
      "--artifact-id",
      "cli.example",
      "--first",
      "1",
    ]);
    expect(page.stdout.trim().split("\n")).toHaveLength(2);
    expect(page.stderr).toBe("showing 1 of 2; narrow it with --artifact-id or raise --first");
  });

  it("generates a key pair into files and registers the public half", async () => {
    const out = path.join(dir, "id_node");
    const gen = await provisioner([
      ...auth,
      "sshkey",
      "generate",
      "--algorithm",
      "ecdsa",
      "-o",
      out,
    ]);
    expect(gen.exitCode, gen.stderr).toBe(0);
    expect(await readFile(out, "utf8")).toMatch(/OPENSSH PRIVATE KEY/);
    const add = await provisioner([
      ...auth,
      "--json",
      "sshkey",
      "add",
      "--file",
      `${out}.pub`,
      "--artifact-id",
      "cli.example",
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout).text).toMatch(/^ecdsa-sha2-nistp256 /);
  });

  it("explains a missing token, a wrong id and an unreachable server, exiting 1", async () => {
    const noToken = await provisioner(["--server", server.url, "nodes", "ls"], {
      cwd: dir,
      env: { PROVISIONER_TOKEN: "" },
    });
    expect(noToken.exitCode).toBe(1);
    expect(noToken.stderr).toMatch(/operator token.*--token/);
    const bad = await provisioner([...auth, "mainscript", "get", "abc"]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/BAD_USER_INPUT: id must be a positive integer/);
    const down = await provisioner([
      "--server",
      "http://127.0.0.1:9",
      "--token",
      "x",
      "nodes",
      "ls",
    ]);
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
