import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "../src/db/migrate.ts";
import { generateAgentKeyPair } from "../src/domain/sealed-box.ts";
import { deleteOldBootEvents } from "../src/resolvers/boot-events.ts";
import { databaseUrl, withAdmin } from "./helpers/admin-database.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

let server: TestServer;
let distributorToken = "";
let nodeId = "";
const keys = ssh2.utils.generateKeyPairSync("ed25519");

beforeAll(async () => {
  server = await startTestServer({ WORKERS: "false" });
  const created = await server.gql<{ createDistributorToken: { token: string } }>(
    `mutation { createDistributorToken(input: { artifactId: "integrity.example", name: "d1" }) { token } }`,
  );
  distributorToken = created.data?.createDistributorToken.token ?? "";
  await server.gql(
    `mutation($k: String!) { registerDistributor(input: { publicKey: $k }) { id } }`,
    { k: generateAgentKeyPair().publicKey },
    distributorToken,
  );
  const node = await server.gql<{ registerLocalnode: { id: string } }>(
    `mutation { registerLocalnode(input: { ip: "10.44.0.1", artifactId: "integrity.example", pingable: false }) { id } }`,
  );
  nodeId = node.data?.registerLocalnode.id ?? "";
});
afterAll(async () => {
  await server?.stop();
});

describe("script runs", () => {
  it("a finished run is final: late output and a second finish change nothing", async () => {
    const queued = await server.gql<{ runScript: { id: string } }>(
      `mutation($id: ID!, $k: String!) { runScript(input: { localnodeId: $id, script: "true", privateKey: $k }) { id } }`,
      { id: nodeId, k: keys.private },
    );
    const id = queued.data?.runScript.id;
    const asAgent = (query: string, variables: Record<string, unknown>) =>
      server.gql<Record<string, unknown>>(query, variables, distributorToken);
    await asAgent(
      `mutation($id: ID!) { reportScriptOutput(input: { scriptRunId: $id, chunk: "before\\n" }) }`,
      { id },
    );
    await asAgent(
      `mutation($id: ID!) { finishScriptRun(input: { scriptRunId: $id, error: "host key changed" }) { id } }`,
      { id },
    );
    const late = await asAgent(
      `mutation($id: ID!) { reportScriptOutput(input: { scriptRunId: $id, chunk: "late\\n" }) }`,
      { id },
    );
    expect(late.data?.reportScriptOutput).toBe(false);
    await asAgent(
      `mutation($id: ID!) { finishScriptRun(input: { scriptRunId: $id, exitCode: 0 }) { id } }`,
      { id },
    );
    const run = await server.gql<{ scriptRun: Record<string, unknown> }>(
      `query($id: ID!) { scriptRun(id: $id) { status exitCode output error } }`,
      { id },
    );
    expect(run.data?.scriptRun).toEqual({
      status: "FAILED",
      exitCode: null,
      output: "before\n",
      error: "host key changed",
    });
  });

  it("a retried output report (same offset) is kept once; the rest of an overlapping chunk is added", async () => {
    const queued = await server.gql<{ runScript: { id: string } }>(
      `mutation($id: ID!, $k: String!) { runScript(input: { localnodeId: $id, script: "true", privateKey: $k }) { id } }`,
      { id: nodeId, k: keys.private },
    );
    const id = queued.data?.runScript.id;
    const report = async (chunk: string, offset?: number) => {
      const r = await server.gql<{ reportScriptOutput: boolean }>(
        `mutation($id: ID!, $c: String!, $o: Int) { reportScriptOutput(input: { scriptRunId: $id, chunk: $c, offset: $o }) }`,
        { id, c: chunk, o: offset },
        distributorToken,
      );
      expect(r.errors).toBeUndefined();
    };
    // Characters, not bytes or UTF-16 units: "🚀" is one, as PostgreSQL counts it.
    await report("a🚀\n", 0);
    await report("a🚀\n", 0); // the same report again, its first answer lost
    await report("b\nc\n", 3);
    await report("c\nd\n", 5); // overlaps what is stored by two characters
    await report("e\n"); // an agent that sends no offset: appended as it comes
    const refused = await server.gql(
      `mutation($id: ID!) { reportScriptOutput(input: { scriptRunId: $id, chunk: "x", offset: -1 }) }`,
      { id },
      distributorToken,
    );
    expect(refused.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ["offset must be a whole number of characters, 0 or more", "BAD_USER_INPUT"],
    ]);
    const run = await server.gql<{ scriptRun: { output: string; status: string } }>(
      `query($id: ID!) { scriptRun(id: $id) { status output } }`,
      { id },
    );
    expect(run.data?.scriptRun).toEqual({ status: "RUNNING", output: "a🚀\nb\nc\nd\ne\n" });
  });

  it("runs of a deleted node go with it; boot events need their distributor", async () => {
    const node = await server.gql<{ registerLocalnode: { id: string } }>(
      `mutation { registerLocalnode(input: { ip: "10.44.0.2", artifactId: "integrity.example", pingable: false }) { id } }`,
    );
    const doomed = node.data?.registerLocalnode.id;
    await server.gql(
      `mutation($id: ID!, $k: String!) { runScript(input: { localnodeId: $id, script: "true", privateKey: $k }) { id } }`,
      { id: doomed, k: keys.private },
    );
    await server.gql(`mutation($id: ID!) { deleteLocalnode(input: { id: $id }) { id } }`, {
      id: doomed,
    });
    const sql = postgres(server.database.url, { max: 1 });
    try {
      expect(await sql`select id from script_runs where localnode_id = ${Number(doomed)}`).toEqual(
        [],
      );
      expect(await sql`select id from distributor_work where payload->>'ip' = '10.44.0.2'`).toEqual(
        [],
      );
      await expect(
        sql`insert into boot_events (distributor_id, artifact_id, kind, detail) values (99999, 'x', 'DHCP', 'orphan')`,
      ).rejects.toThrow(/foreign key/);
    } finally {
      await sql.end();
    }
  });

  it("boot events older than the retention period are deleted, newer ones kept", async () => {
    const sql = postgres(server.database.url, { max: 1 });
    try {
      const [d] = await sql<Array<{ id: number }>>`select id from distributors limit 1`;
      await sql`insert into boot_events (distributor_id, artifact_id, kind, detail, at) values
        (${d?.id ?? 0}, 'integrity.example', 'DHCP', 'old', now() - interval '31 days'),
        (${d?.id ?? 0}, 'integrity.example', 'DHCP', 'recent', now() - interval '29 days')`;
      expect(await deleteOldBootEvents(server.deps)).toBe(1);
      const left = await sql<Array<{ detail: string }>>`select detail from boot_events order by id`;
      expect(left.map((r) => r.detail)).toEqual(["recent"]);
    } finally {
      await sql.end();
    }
  });
});

describe("the foreign-key migration", () => {
  it("applies over rows that point at deleted records, dropping or unsetting only those", async () => {
    const name = `provisioner_fk_${process.pid}_${Date.now()}`;
    const before = await mkdtemp(path.join(tmpdir(), "migrations-"));
    await withAdmin((sql) => sql.unsafe(`create database ${name}`));
    const sql = postgres(databaseUrl(name), { max: 1, onnotice: () => {} });
    try {
      // The migrations as they were before the foreign keys.
      await cp(migrationsFolder, before, { recursive: true });
      const journalFile = path.join(before, "meta", "_journal.json");
      const journal = JSON.parse(await readFile(journalFile, "utf8")) as {
        entries: Array<{ tag: string }>;
      };
      journal.entries = journal.entries.filter((e) => e.tag < "0003");
      await writeFile(journalFile, JSON.stringify(journal));
      await migrate(drizzle(sql), { migrationsFolder: before });
      await sql`insert into builds (id, kind, input) values (1, 'ipxes', '{}')`;
      await sql`insert into distributors (id, artifact_id, name, token_sha256, ipxe_uefi, ipxe_bios)
        values (1, 's', 'kept', 'a', 1, 42), (2, 's', 'other', 'b', null, null)`;
      await sql`insert into localnodes (id, ip, artifact_id) values (1, '10.0.0.1', 's')`;
      await sql`insert into boot_events (distributor_id, artifact_id, kind, detail) values
        (1, 's', 'DHCP', 'kept'), (7, 's', 'DHCP', 'orphan')`;
      await sql`insert into script_runs (localnode_id, distributor_id, "user") values
        (1, 1, 'kept'), (9, 1, 'orphan-node'), (1, 8, 'orphan-distributor')`;

      await migrate(drizzle(sql), { migrationsFolder });

      expect(await sql`select detail from boot_events`).toEqual([{ detail: "kept" }]);
      expect(await sql`select "user" from script_runs`).toEqual([{ user: "kept" }]);
      expect(await sql`select name, ipxe_uefi, ipxe_bios from distributors order by id`).toEqual([
        { name: "kept", ipxe_uefi: 1, ipxe_bios: null },
        { name: "other", ipxe_uefi: null, ipxe_bios: null },
      ]);
      await expect(sql`delete from builds where id = 1`).rejects.toThrow(/foreign key/);
    } finally {
      await sql.end();
      await withAdmin((admin) => admin.unsafe(`drop database if exists ${name} with (force)`));
      await rm(before, { recursive: true, force: true });
    }
  });
});
