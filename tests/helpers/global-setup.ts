import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../src/db/migrate.ts";
import { databaseUrl, withAdmin } from "./admin-database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/** Migrates once into a template; each test file then copies it (CREATE DATABASE … TEMPLATE). */
export default async function setup(project: TestProject) {
  const template = `provisioner_template_${process.pid}`;
  await withAdmin(async (sql) => {
    await sql.unsafe(`drop database if exists ${template} with (force)`);
    await sql.unsafe(`create database ${template}`);
  });
  await applyMigrations(databaseUrl(template));
  project.provide("templateDatabase", template);
  return async () => {
    await withAdmin((sql) => sql.unsafe(`drop database if exists ${template} with (force)`));
  };
}
