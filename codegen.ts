import type { CodegenConfig } from "@graphql-codegen/cli";

/** Typed operations (TypedDocumentNode) for one client, from schema.graphql. */
const typedClient = (documents: string) => ({
  documents,
  plugins: ["typescript-operations", "typed-document-node"],
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    avoidOptionals: { field: true, inputValue: false, object: true },
    scalars: { ID: "string", DateTime: "string" },
    documentMode: "documentNode",
  },
});

const config: CodegenConfig = {
  schema: "schema.graphql",
  generates: {
    // The CLI's client.
    "src/cli/generated/graphql.ts": typedClient("src/cli/operations/*.graphql"),
    // The distributor agent's own operations.
    "src/distributor/generated/graphql.ts": typedClient("src/distributor/operations/*.graphql"),
    // The web console: documents as strings, so the browser bundle needs no graphql runtime.
    "console/src/generated/graphql.ts": {
      ...typedClient("console/src/operations/*.graphql"),
      config: { ...typedClient("").config, documentMode: "string" },
    },
  },
};

export default config;
