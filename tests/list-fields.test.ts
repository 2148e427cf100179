import { GraphQLNonNull, type GraphQLObjectType, getNamedType } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../src/schema/index.ts";

const query = schema.getQueryType();
const connections = Object.values(query?.getFields() ?? {}).filter((f) =>
  getNamedType(f.type).name.endsWith("Connection"),
);

describe("plural query fields (one listField helper)", () => {
  it("are exactly API.md's lists", () => {
    expect(connections.map((f) => f.name).sort()).toEqual(
      [
        "distributors",
        "grubs",
        "ipxes",
        "isos",
        "kickstarts",
        "localnodes",
        "mainscripts",
        "postbootscripts",
        "prebootscripts",
        "sites",
        "sshkeys",
        "subscripts",
        "syslinuxs",
      ].sort(),
    );
  });

  it.each(connections.map((f) => [f.name, f] as const))(
    "%s takes optional first/after and returns { edges { cursor node } pageInfo totalCount }",
    (name, field) => {
      const args = Object.fromEntries(field.args.map((a) => [a.name, String(a.type)]));
      const byArtifactId = ["distributors", "localnodes", "sshkeys"].includes(name);
      expect(args).toEqual({
        ...(byArtifactId ? { artifactId: "String" } : {}),
        first: "Int",
        after: "String",
      });
      expect(field.type).toBeInstanceOf(GraphQLNonNull);
      const connection = getNamedType(field.type) as GraphQLObjectType;
      const fields = connection.getFields();
      expect(Object.keys(fields)).toEqual(["edges", "pageInfo", "totalCount"]);
      const edge = getNamedType(fields.edges?.type) as GraphQLObjectType;
      expect(Object.keys(edge.getFields())).toEqual(["cursor", "node"]);
      expect(String(fields.pageInfo?.type)).toBe("PageInfo!");
      expect(String(fields.totalCount?.type)).toBe("Int!");
    },
  );
});
