import type { GraphQLScalarType } from "graphql";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../src/schema/index.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

const kinds = [
  ["mainscripts", "Mainscript"],
  ["subscripts", "Subscript"],
  ["kickstarts", "Kickstart"],
  ["prebootscripts", "Prebootscript"],
  ["postbootscripts", "Postbootscript"],
] as const;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe.each(kinds)("%s registry", (plural, type) => {
  const one = type.toLowerCase();

  it("creates, reads, updates and deletes, with the raw text at /api", async () => {
    const text = `#!ipxe\necho ${plural} ${"x".repeat(3)}\n`;
    const created = await server.gql<Record<string, { id: string; text: string }>>(
      `mutation($t: String!) { create${type}(input: { text: $t }) { id text createdAt updatedAt } }`,
      { t: text },
    );
    const record = created.data?.[`create${type}`];
    expect(record?.text).toBe(text);
    const id = record?.id;

    const raw = await fetch(`${server.url}/api/${plural}/${id}`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await raw.text()).toBe(text);

    const updated = await server.gql<Record<string, { text: string }>>(
      `mutation($id: ID!) { update${type}(input: { id: $id, text: "#!ipxe\\necho changed" }) { text } }`,
      { id },
    );
    expect(updated.data?.[`update${type}`]?.text).toBe("#!ipxe\necho changed");
    // The boot endpoint must show the edit at once (no stale cache).
    expect(await (await fetch(`${server.url}/api/${plural}/${id}`)).text()).toBe(
      "#!ipxe\necho changed",
    );

    const got = await server.gql<Record<string, { id: string }>>(
      `query($id: ID!) { ${one}(id: $id) { id } }`,
      { id },
    );
    expect(got.data?.[one]?.id).toBe(id);

    const deleted = await server.gql(
      `mutation($id: ID!) { delete${type}(input: { id: $id }) { id } }`,
      { id },
    );
    expect(deleted.errors).toBeUndefined();
    const gone = await fetch(`${server.url}/api/${plural}/${id}`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe(`${one} ${id} does not exist\n`);

    const missing = await server.gql(`query($id: ID!) { ${one}(id: $id) { id } }`, { id });
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("answers 400 for a malformed id and 404 for an unknown one", async () => {
    for (const bad of ["abc", "0", "-1", "1.5", "99999999999", "1%0Aecho"]) {
      const res = await fetch(`${server.url}/api/${plural}/${bad}`);
      expect(res.status, bad).toBe(400);
      expect((await res.text()).split("\n").length).toBe(2);
    }
    expect((await fetch(`${server.url}/api/${plural}/424242`)).status).toBe(404);
    const gql = await server.gql(`{ ${one}(id: "abc") { id } }`);
    expect(gql.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("DateTime", () => {
  it("serializes PostgreSQL's text form of an instant (rows from raw SQL and the bus) the same way", () => {
    const scalar = schema.getType("DateTime") as GraphQLScalarType;
    const wire = (value: unknown) => JSON.parse(JSON.stringify({ v: scalar.serialize(value) })).v;
    expect(wire("2026-11-28 05:55:13.953601+00")).toBe("2026-11-28T05:55:13.953Z");
    expect(wire("2026-11-28T05:55:13.953Z")).toBe("2026-11-28T05:55:13.953Z");
    expect(wire(new Date(Date.UTC(2026, 10, 28, 5, 55, 13, 953)))).toBe("2026-11-28T05:55:13.953Z");
    expect(() => scalar.serialize("not a time")).toThrow(
      "DateTime cannot represent an invalid Date instance",
    );
  });

  it("reaches clients as the stored instant in toISOString form (UTC, milliseconds, Z)", async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
      body: JSON.stringify({
        query: `mutation { createMainscript(input: { text: "#!ipxe" }) { id createdAt } }`,
      }),
    });
    const body = (await res.json()) as {
      data: { createMainscript: { id: string; createdAt: string } };
    };
    const { id, createdAt } = body.data.createMainscript;
    const sql = postgres(server.database.url, { max: 1 });
    try {
      const [row] = await sql<{ created_at: Date }[]>`
        select created_at from mainscripts where id = ${Number(id)}`;
      expect(createdAt).toBe(row?.created_at.toISOString());
    } finally {
      await sql.end();
    }
    expect(createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});

describe("lists", () => {
  it("paginate with first/after and report totalCount", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await server.gql<{ createSubscript: { id: string } }>(
        `mutation { createSubscript(input: { text: "page ${i}" }) { id } }`,
      );
      ids.push(r.data?.createSubscript.id ?? "");
    }
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let page = 0; page < 10; page++) {
      const r: Awaited<
        ReturnType<
          typeof server.gql<{
            subscripts: {
              totalCount: number;
              edges: Array<{ cursor: string; node: { id: string } }>;
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
            };
          }>
        >
      > = await server.gql(
        `query($after: String) { subscripts(first: 3, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      const conn = r.data?.subscripts;
      if (!conn) throw new Error(JSON.stringify(r.errors));
      total = conn.totalCount;
      seen.push(...conn.edges.map((e) => e.node.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen).size).toBe(seen.length);
    expect(total).toBe(seen.length);
  });

  it("refuses a forged cursor and an oversized page", async () => {
    const forged = await server.gql(`{ mainscripts(after: "bm9wZQ") { totalCount } }`);
    expect(forged.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const huge = await server.gql(`{ mainscripts(first: 100000) { totalCount } }`);
    expect(huge.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("refuses script text that is not text", async () => {
    const r = await server.gql(`mutation { createKickstart(input: { text: "a\\u0000b" }) { id } }`);
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const count = await server.gql<{ kickstarts: { totalCount: number } }>(
      `{ kickstarts { totalCount } }`,
    );
    expect(count.data?.kickstarts.totalCount).toBe(0);
  });
});
