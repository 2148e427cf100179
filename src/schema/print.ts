import { writeFileSync } from "node:fs";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "./index.ts";

/** schema.graphql is committed; a test fails when it differs from this output. */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;

if (import.meta.main) {
  writeFileSync(new URL("../../schema.graphql", import.meta.url), printedSchema());
}
