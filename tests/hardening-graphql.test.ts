import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

type Answer = {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
};

async function post(
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
  token: string | null = server.token,
): Promise<Answer> {
  const res = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Answer["body"] };
}

const query = (text: string, variables?: Record<string, unknown>) =>
  JSON.stringify({ query: text, variables });

const errorLines = () =>
  server.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

const mainscriptCount = async () =>
  (await server.gql<{ mainscripts: { totalCount: number } }>(`{ mainscripts { totalCount } }`)).data
    ?.mainscripts.totalCount;

const NESTING_LIMIT = "the document nests brackets more than 64 deep; send a flatter query";

describe("deep nesting is refused before the parser recurses (point 5)", () => {
  const deepList = `{ site(artifactId: ${"[".repeat(5000)}"x"${"]".repeat(5000)}) { artifactId } }`;
  const deepSelection = `{ ${"a { ".repeat(12_000)}b${" }".repeat(12_000)} }`;

  it.each([
    ["a list 5000 deep, with a token", deepList, "token"],
    ["a list 5000 deep, without a token", deepList, null],
    ["a selection 12,000 deep", deepSelection, "token"],
  ])("%s: BAD_USER_INPUT, nothing at error level", async (_name, text, who) => {
    const before = errorLines().length;
    const answer = await post(query(text), {}, who === "token" ? server.token : null);
    if (who === null) {
      expect(answer.status).toBe(401);
      expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    } else {
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([
        { message: NESTING_LIMIT, extensions: { code: "BAD_USER_INPUT" } },
      ]);
    }
    expect(errorLines().length).toBe(before);
  });

  it("refuses a document of more than GRAPHQL_MAX_TOKENS tokens", async () => {
    const answer = await post(query(`{ ${"__typename ".repeat(2500)}}`));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      {
        message:
          "the document has more than 2000 tokens (GRAPHQL_MAX_TOKENS); send a smaller query",
        extensions: { code: "BAD_USER_INPUT" },
      },
    ]);
  });

  it("still parses a list 60 deep, within the limits", async () => {
    const text = `{ site(artifactId: ${"[".repeat(60)}"x"${"]".repeat(60)}) { artifactId } }`;
    const answer = await post(query(text));
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(answer.body.errors?.[0]?.message).toContain(
      "String cannot represent a non string value",
    );
    expect(errorLines()).toEqual([]);
  });
});

describe("a caller without a token learns nothing about the schema (point 6)", () => {
  it.each([
    ["a misspelt field", "{ mainscriptz }"],
    ["a syntax error", "{ mainscripts { "],
    ["introspection", "{ __schema { types { name } } }"],
    ["the full introspection query", getIntrospectionQuery()],
    ["a valid query", "{ mainscripts { totalCount } }"],
  ])("%s: 401 UNAUTHENTICATED and nothing else", async (_name, text) => {
    const answer = await post(query(text), {}, null);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      errors: [
        {
          message:
            "missing or wrong operator token (Authorization: Bearer <token>; a distributor sends its own)",
          extensions: { code: "UNAUTHENTICATED" },
        },
      ],
    });
  });

  it("answers a wrong token the same way", async () => {
    const answer = await post(query("{ mainscriptz }"), {}, "wrong-token-wrong-token");
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).not.toContain("Did you mean");
  });
});

// GraphiQL's introspection query is deeper than GRAPHQL_MAX_DEPTH (10): __schema is
// bounded by its shape instead (src/http/introspection-shape.ts).
describe("introspection for an operator (GraphiQL's docs and autocompletion)", () => {
  const shapeError = (path: string, why = "is not part of the standard query") =>
    `introspection field ${path} ${why}; ask only for fields of the standard introspection query (graphql-js getIntrospectionQuery), without aliases`;

  it("answers the standard introspection query with every option on", async () => {
    const full = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    const answer = await post(query(full));
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const schema = (answer.body.data as { __schema: { types: Array<{ name: string }> } }).__schema;
    expect(schema.types.map((t) => t.name)).toEqual(
      expect.arrayContaining(["Distributor", "Localnode", "Mutation", "Query", "Subscription"]),
    );
  });

  it("still applies the depth limit to everything else", async () => {
    const deep = `{ __type(name: "Query") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }`;
    const answer = await post(query(deep));
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ["Query depth limit of 10 exceeded, found 11.", "BAD_USER_INPUT"],
    ]);
  });

  it.each([
    [
      "a fields → type → fields cycle",
      "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
      ["Maximum introspection depth exceeded", shapeError("__schema.types.fields.type.fields")],
    ],
    [
      "ofType nested deeper than the standard query",
      `{ __schema { types { fields { type { ${"ofType { ".repeat(10)}name${" }".repeat(10)} } } } } }`,
      [shapeError(`__schema.types.fields.type${".ofType".repeat(10)}`)],
    ],
    [
      "aliased copies of types",
      "{ __schema { a: types { name } b: types { name } } }",
      [shapeError("__schema.types", 'has an alias ("a")')],
    ],
    [
      "aliased copies of __schema",
      "{ a: __schema { queryType { name } } b: __schema { queryType { name } } }",
      [shapeError("__schema", 'has an alias ("a")'), shapeError("__schema", 'has an alias ("b")')],
    ],
    [
      "a nesting spread over fragments",
      "{ __schema { types { ...T } } } fragment T on __Type { possibleTypes { ...U } } fragment U on __Type { interfaces { name } }",
      [shapeError("__schema.types.possibleTypes.interfaces")],
    ],
  ])("refuses %s before it runs", async (_name, text, messages) => {
    const before = errorLines().length;
    const answer = await post(query(text));
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual(
      messages.map((m) => [m, "BAD_USER_INPUT"]),
    );
    expect(errorLines().length).toBe(before);
  });
});

describe("errors stay inside the contract (point 9)", () => {
  it("a POST without a query is BAD_USER_INPUT, not BAD_REQUEST", async () => {
    const answer = await post(JSON.stringify({ variables: {} }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect(answer.body.errors?.[0]?.message).toBe("Must provide query string.");
  });

  it("an unknown operationName is BAD_USER_INPUT, not OPERATION_RESOLUTION_FAILURE", async () => {
    const answer = await post(
      JSON.stringify({ query: "query A { mainscripts { totalCount } }", operationName: "B" }),
    );
    expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect(answer.body.errors?.[0]?.message).toBe(
      "Could not determine what operation to execute. Set operationName to one of the operations in the document.",
    );
  });

  it("a text/plain POST gets 400 with a JSON error that says what to send", async () => {
    const answer = await post("{ mainscripts { totalCount } }", { "content-type": "text/plain" });
    expect(answer).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: 'POST /graphql needs Content-Type: application/json (got "text/plain")',
            extensions: { code: "BAD_USER_INPUT" },
          },
        ],
      },
    });
  });

  it("FORBIDDEN answers are 403", async () => {
    const answer = await post(
      query("query { ...F } fragment F on Query { mainscripts { totalCount } }"),
    );
    expect(answer.status).toBe(403);
    expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
  });
});

describe("script text must be real UTF-8 (point 10)", () => {
  const create = "mutation($t: String!) { createMainscript(input: { text: $t }) { id text } }";

  it("refuses invalid UTF-8 bytes instead of storing U+FFFD", async () => {
    const before = await mainscriptCount();
    const head = Buffer.from(`{"query":${JSON.stringify(create)},"variables":{"t":"#!ipxe\\necho `);
    const body = Buffer.concat([head, Buffer.from([0xff, 0xfe]), Buffer.from(`"}}`)]);
    const answer = await post(new Uint8Array(body));
    expect(answer).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: "the request body is not valid UTF-8; send text as UTF-8",
            extensions: { code: "BAD_USER_INPUT" },
          },
        ],
      },
    });
    expect(await mainscriptCount()).toBe(before);
  });

  it("refuses a lone surrogate", async () => {
    const before = await mainscriptCount();
    const answer = await post(
      `{"query":${JSON.stringify(create)},"variables":{"t":"echo \\ud800"}}`,
    );
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        message: "text is not valid Unicode (it has a lone surrogate); send it as UTF-8 text",
        extensions: { code: "BAD_USER_INPUT" },
      }),
    ]);
    expect(await mainscriptCount()).toBe(before);
  });

  it("keeps real UTF-8 as sent", async () => {
    const answer = await post(query(create, { t: "#!ipxe\necho grüß 🚀" }));
    expect(answer.body.data).toEqual({
      createMainscript: { id: expect.any(String), text: "#!ipxe\necho grüß 🚀" },
    });
  });
});
