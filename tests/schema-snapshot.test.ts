import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import config from "../codegen.ts";
import { printedSchema } from "../src/schema/print.ts";

const root = path.resolve(import.meta.dirname, "..");

describe("committed GraphQL artifacts", () => {
  it("schema.graphql matches the code (run `npm run schema:print`)", async () => {
    expect(await readFile(path.join(root, "schema.graphql"), "utf8")).toBe(printedSchema());
  });

  it.each(Object.keys(config.generates))(
    "%s matches schema.graphql and its operations (run `npm run codegen`)",
    async (target) => {
      const dir = await mkdtemp(path.join(tmpdir(), "codegen-"));
      try {
        const output = config.generates[target];
        const files = await generate(
          {
            ...config,
            cwd: root,
            generates: { [path.join(dir, "graphql.ts")]: output },
          } as typeof config,
          false,
        );
        expect(files[0]?.content).toBe(await readFile(path.join(root, target), "utf8"));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
