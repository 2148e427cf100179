import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { databaseUrl, withAdmin } from "./admin-database.ts";

export type TestDatabase = { name: string; url: string; drop(): Promise<void> };

/** A fresh, migrated database for one test file, copied from the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject("templateDatabase");
  const name = `provisioner_test_${randomBytes(6).toString("hex")}`;
  await withAdmin((sql) => sql.unsafe(`create database ${name} template ${template}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      withAdmin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`)).then(
        () => undefined,
      ),
  };
}
