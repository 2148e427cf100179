import fc from "fast-check";
import {
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index.ts";
import { DISTRIBUTOR_FIELDS } from "../../src/schema/principal.ts";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

// Property-based: generated hostile input at every boot endpoint, the registration
// endpoint and every GraphQL mutation's input fields. CI runs a fixed seed and count;
// scripts/fuzz.sh runs longer with FUZZ_RUNS and FUZZ_SEED.
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 9);
const options = { seed: SEED, numRuns: RUNS, endOnFailure: true };
// 40-odd mutations share one property: give each a few calls per run.
const mutationOptions = { ...options, numRuns: RUNS * 4 };

let server: TestServer;
let sql: postgres.Sql;
let distributorToken: string;
beforeAll(async () => {
  server = await startTestServer({ WORKERS: "false", REGISTRATIONS_PER_MINUTE: "1000000" });
  sql = postgres(server.database.url, { max: 1, onnotice: () => undefined });
  await server.gql(
    `mutation { upsertSite(input: { artifactId: "fuzz.example", openEnrollment: true }) { artifactId } }`,
  );
  await server.gql(`mutation { createMainscript(input: { text: "#!ipxe" }) { id } }`);
  const d = await server.gql<{ createDistributorToken: { token: string } }>(
    `mutation { createDistributorToken(input: { artifactId: "fuzz.example", name: "fuzz" }) { token } }`,
  );
  distributorToken = d.data?.createDistributorToken.token ?? "";
}, 120_000);
afterAll(async () => {
  await sql?.end();
  await server?.stop();
});

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    "..",
    "../../../../etc/passwd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "' OR '1'='1' --",
    "'); drop table localnodes; --",
    "\u0000",
    "a\nb\r\nc",
    "eth0\ndhcp-script=/bin/sh",
    "10.0.0.1,proxy",
    ["$", "{jndi:ldap://127.0.0.1/x}"].join(""),
    "<script>alert(1)</script>",
    "\ud800",
    "🚀".repeat(300),
    "x".repeat(70_000),
    "-1",
    "0",
    "2147483648",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "::ffff:10.0.0.1",
    "fe80::1%eth0",
    "http://127.0.0.1:1/artifacts/ipxes/00000000-0000-0000-0000-000000000000/x",
    "1",
    "2",
  ),
);

/** A value of the given input type, well-typed so it reaches the service, with hostile content. */
function inputValue(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return inputValue(type.ofType, depth);
  const nullable = (arb: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 9, arbitrary: arb }, fc.constant(null));
  if (isListType(type))
    return nullable(fc.array(inputValue(type.ofType, depth + 1), { maxLength: depth > 1 ? 1 : 3 }));
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return fc.record(
      Object.fromEntries(fields.map((f) => [f.name, inputValue(f.type, depth + 1)])),
    );
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "Int":
        return nullable(
          fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2_147_483_647, -2_147_483_648)),
        );
      case "Float":
        return nullable(fc.double({ noNaN: true, noDefaultInfinity: true }));
      case "Boolean":
        return nullable(fc.boolean());
      default:
        // String, ID, DateTime and the rest travel as strings.
        return nullable(hostileText);
    }
  }
  return fc.constant(null);
}

function graphqlTypeName(type: GraphQLInputType): string {
  if (isNonNullType(type)) return `${graphqlTypeName(type.ofType)}!`;
  if (isListType(type)) return `[${graphqlTypeName(type.ofType)}]`;
  return type.name;
}

/** Every byte percent-encoded: also lone surrogates, which encodeURIComponent refuses. */
const percentEncoded = (text: string) =>
  [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

const STACK = /\n\s+at \S+ \(|node:internal|\/src\/\S+\.ts:\d+/;

type Fingerprint = Record<string, number>;
/** Row counts of every table of ours: a refusal must leave them as they were. */
async function fingerprint(): Promise<Fingerprint> {
  const tables = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like '\\_\\_%'`;
  const counts: Fingerprint = {};
  for (const { name } of tables) {
    const [row] = await sql<{ n: string }[]>`select count(*)::text as n from ${sql(name)}`;
    counts[name] = Number(row?.n);
  }
  return counts;
}

async function expectHealthy(): Promise<void> {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const errors = server.logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
  expect(errors).toEqual([]);
}

describe("hostile input never breaks the server", () => {
  const mutations = Object.values(schema.getMutationType()?.getFields() ?? {}) as Array<
    GraphQLField<unknown, unknown>
  >;

  it(`every GraphQL mutation (${mutations.length}) refuses cleanly and stores nothing on refusal`, async () => {
    const call = fc.oneof(
      ...mutations.map((field) =>
        fc.record({
          field: fc.constant(field),
          args: fc.record(
            Object.fromEntries(field.args.map((a) => [a.name, inputValue(a.type)])),
          ) as fc.Arbitrary<Record<string, unknown>>,
        }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(call, async ({ field, args }) => {
        const decl = field.args.map((a) => `$${a.name}: ${graphqlTypeName(a.type)}`).join(", ");
        const pass = field.args.map((a) => `${a.name}: $${a.name}`).join(", ");
        const leaf = isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type));
        const query = `mutation${decl ? `(${decl})` : ""} { ${field.name}${pass ? `(${pass})` : ""}${leaf ? "" : " { __typename }"} }`;
        const token = DISTRIBUTOR_FIELDS.has(field.name) ? distributorToken : server.token;
        const before = await fingerprint();
        const res = await fetch(`${server.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables: args }),
        });
        const text = await res.text();
        expect(res.status, text).toBeLessThan(500);
        expect(text).not.toMatch(STACK);
        const body = JSON.parse(text) as {
          data?: unknown;
          errors?: Array<{ extensions?: { code?: string } }>;
        };
        const codes = (body.errors ?? []).map((e) => e.extensions?.code);
        expect(codes, text).not.toContain("INTERNAL");
        expect(
          codes.every((c) =>
            ["BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN", "CONFLICT", "RATE_LIMITED"].includes(
              c ?? "",
            ),
          ),
          text,
        ).toBe(true);
        if (body.errors?.length)
          expect(await fingerprint(), `${field.name} ${text}`).toEqual(before);
      }),
      mutationOptions,
    );
    await expectHealthy();
  }, 600_000);

  it("the boot endpoints answer every path with 200, 400, 404 or 405", async () => {
    const kinds = fc.constantFrom(
      "mainscripts",
      "subscripts",
      "kickstarts",
      "prebootscripts",
      "postbootscripts",
      "sshkeys",
      "localnodes",
      "nope",
    );
    await fc.assert(
      fc.asyncProperty(
        kinds,
        hostileText,
        fc.constantFrom("GET", "HEAD", "POST", "PUT"),
        async (kind, id, method) => {
          const res = await fetch(
            `${server.url}/api/${kind}/${percentEncoded(id.slice(0, 2000))}`,
            {
              method,
            },
          );
          const text = await res.text();
          expect([200, 400, 404, 405], `${method} ${kind}/${id.slice(0, 80)}: ${text}`).toContain(
            res.status,
          );
          expect(text).not.toMatch(STACK);
        },
      ),
      options,
    );
    await expectHealthy();
  }, 300_000);

  it("registration refuses hostile fields with 4xx and stores nothing then", async () => {
    const fields = fc.record(
      {
        ip: fc.oneof(hostileText, fc.ipV4(), fc.ipV6()),
        artifactId: fc.oneof(hostileText, fc.constant("fuzz.example")),
        pingable: fc.oneof(hostileText, fc.boolean()),
        token: hostileText,
        extra: hostileText,
      },
      { requiredKeys: [] },
    );
    const encoding = fc.constantFrom("query", "json", "form");
    await fc.assert(
      fc.asyncProperty(fields, encoding, async (input, how) => {
        const before = await fingerprint();
        const flat = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, String(v)]));
        const url = `${server.url}/api/localnodes${how === "query" ? `?${new URLSearchParams(flat)}` : ""}`;
        const res = await fetch(url, {
          method: "POST",
          headers:
            how === "json"
              ? { "content-type": "application/json" }
              : { "content-type": "application/x-www-form-urlencoded" },
          body:
            how === "json"
              ? JSON.stringify(input)
              : how === "form"
                ? new URLSearchParams(flat).toString()
                : undefined,
        });
        const text = await res.text();
        expect(res.status, text).toBeLessThan(500);
        expect(text).not.toMatch(STACK);
        if (res.status !== 200) {
          // 431: Node's own answer to a query string past its 16 KiB header limit.
          expect([400, 401, 409, 413, 431], text.slice(0, 200)).toContain(res.status);
          expect(await fingerprint()).toEqual(before);
        }
      }),
      options,
    );
    await expectHealthy();
  }, 300_000);
});
