import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import { GraphQLError } from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import type { Context } from "./context.ts";

export type Limits = { depth: number; complexity: number; breadth: number };

export const builder = new SchemaBuilder<{
  Context: Context & { limits: Limits };
  Scalars: {
    ID: { Input: string; Output: string | number };
    DateTime: { Input: Date; Output: Date | string };
  };
  DefaultInputFieldRequiredness: true;
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ComplexityPlugin],
  defaultInputFieldRequiredness: true,
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: (ctx) => ctx.limits,
    complexityError: (kind, result) => {
      const key = String(kind).toLowerCase() as "depth" | "breadth" | "complexity";
      const max = {
        depth: result.maxDepth,
        breadth: result.maxBreadth,
        complexity: result.maxComplexity,
      }[key];
      return new GraphQLError(`query ${key} ${result[key]} is over the limit of ${max}`, {
        extensions: { code: "BAD_USER_INPUT" },
      });
    },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

// graphql-scalars' RFC 3339 scalar: Dates leave as Dates and JSON writes them as
// toISOString() does, so clients see the same UTC string as before. Some rows reach it as
// PostgreSQL's text ("2026-11-28 05:55:13.953601+00", from raw SQL and the event bus),
// which is an instant but not RFC 3339: those are read as a Date first.
builder.addScalarType("DateTime", DateTimeResolver, {
  description: "An ISO-8601 timestamp in UTC",
  serialize: (value) =>
    DateTimeResolver.serialize(typeof value === "string" ? new Date(value) : value),
});
