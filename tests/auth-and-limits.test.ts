import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    BODY_LIMIT_BYTES: "8192",
    GRAPHQL_MAX_DEPTH: "6",
    GRAPHQL_MAX_COMPLEXITY: "600",
  });
});
afterAll(() => server?.stop());

describe("operator auth", () => {
  it.each([
    ["no token", null],
    ["a wrong token", "nope-nope-nope-nope"],
  ])("answers 401 UNAUTHENTICATED with %s and runs nothing", async (_name, token) => {
    const r = await server.gql(
      `mutation { createMainscript(input: { text: "x" }) { id } }`,
      {},
      token,
    );
    expect(r.status).toBe(401);
    expect(r.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const count = await server.gql<{ mainscripts: { totalCount: number } }>(
      `{ mainscripts { totalCount } }`,
    );
    expect(count.data?.mainscripts.totalCount).toBe(0);
  });

  it("serves GraphiQL on GET without a token, but no data", async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/graphiql/i);
    const query = await fetch(
      `${server.url}/graphql?query=${encodeURIComponent("{ mainscripts { totalCount } }")}`,
      {
        headers: { accept: "application/json" },
      },
    );
    expect(query.status).toBe(401);
  });

  it("leaves the boot endpoints open", async () => {
    const created = await server.gql<{ createMainscript: { id: string } }>(
      `mutation { createMainscript(input: { text: "#!ipxe" }) { id } }`,
    );
    const res = await fetch(`${server.url}/api/mainscripts/${created.data?.createMainscript.id}`);
    expect(res.status).toBe(200);
  });
});

describe("limits", () => {
  it("refuses a query deeper than the limit", async () => {
    const r = await server.gql(
      `{ mainscripts { edges { node { id } } pageInfo { hasNextPage } } }`,
    );
    expect(r.errors).toBeUndefined();
    // __schema is bounded by its shape instead (GraphiQL's query is deeper); __type is not.
    const deep = `{ __type(name: "Query") { fields { type { ofType { ofType { ofType { name } } } } } } }`;
    const d = await server.gql(deep);
    expect(d.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ["Query depth limit of 6 exceeded, found 7.", "BAD_USER_INPUT"],
    ]);
  });

  it("refuses a query over the cost limit", async () => {
    const r = await server.gql(
      `{ a: mainscripts(first: 200) { edges { node { id text createdAt } } } }`,
    );
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toBe("query complexity 801 is over the limit of 600");
  });

  it("refuses unknown fields and arguments with BAD_USER_INPUT", async () => {
    const field = await server.gql(`{ mainscripts { nope } }`);
    expect(field.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const arg = await server.gql(
      `mutation { createMainscript(input: { text: "x", evil: 1 }) { id } }`,
    );
    expect(arg.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const syntax = await server.gql(`{ mainscripts {`);
    expect(syntax.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("answers 413 to a GraphQL body over the limit", async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
      body: JSON.stringify({
        query: `mutation { createMainscript(input: { text: "${"x".repeat(20_000)}" }) { id } }`,
      }),
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/larger than 8192 bytes/);
  });
});

describe("unexpected errors", () => {
  it("are masked for the client and logged with the request id", async () => {
    // Break the database under the server to provoke an error nobody planned for.
    const postgres = (await import("postgres")).default;
    const sql = postgres(server.database.url, { max: 1, onnotice: () => {} });
    await sql`alter table postbootscripts rename to postbootscripts_gone`;
    await sql.end();
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ query: "{ postbootscripts { totalCount } }" }),
    });
    const requestId = res.headers.get("x-request-id");
    const body = (await res.json()) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(body.errors[0]?.extensions.code).toBe("INTERNAL");
    expect(body.errors[0]?.message).toContain(requestId);
    expect(JSON.stringify(body)).not.toMatch(/postbootscripts_gone|relation|stack/);
    const logged = server.logs.find(
      (l) => l.includes(`"requestId":"${requestId}"`) && l.includes("unexpected error"),
    );
    expect(logged).toMatch(/postbootscripts/);

    const http = await fetch(`${server.url}/api/postbootscripts/1`);
    expect(http.status).toBe(500);
    const httpId = http.headers.get("x-request-id");
    expect(await http.text()).toBe(
      `internal error; quote request id ${httpId} when reporting it\n`,
    );
    expect(server.logs.some((l) => l.includes(`"requestId":"${httpId}"`))).toBe(true);
  });
});

describe("operations endpoints", () => {
  it("reports health and Prometheus metrics", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.text()).toBe("ok\n");
    await fetch(`${server.url}/api/mainscripts/1`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /provisioner_http_request_duration_seconds_count\{route="\/api\/mainscripts\/:id",method="GET",status="200"\} \d+/,
    );
    expect(metrics).toMatch(/provisioner_process_resident_memory_bytes/);
  });

  it("answers 404 with one line for unknown paths", async () => {
    const res = await fetch(`${server.url}/nothing/here`);
    expect(res.status).toBe(404);
    expect((await res.text()).trim().split("\n")).toHaveLength(1);
    expect((await fetch(`${server.url}/api/unknowns/1`)).status).toBe(404);
  });
});
