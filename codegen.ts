import type { CodegenConfig } from "@graphql-codegen/cli";

/** The CLI's typed client: operation documents in src/cli/operations, types from schema.graphql. */
const config: CodegenConfig = {
  schema: "schema.graphql",
  generates: {
    "src/cli/generated/graphql.ts": {
      documents: "src/cli/operations/*.graphql",
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { ID: "string", DateTime: "string" },
        documentMode: "documentNode",
      },
    },
    // The distributor agent's own operations, typed the same way.
    "src/distributor/generated/graphql.ts": {
      documents: "src/distributor/operations/*.graphql",
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { ID: "string", DateTime: "string" },
        documentMode: "documentNode",
      },
    },
  },
};

export default config;
