import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { type RunningServer, startServer } from "../../src/server.ts";
import { type GqlResult, gql } from "./gql.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";

export type { GqlResult };

export type TestServer = RunningServer & {
  token: string;
  database: TestDatabase;
  dataDir: string;
  /** Every log line the server wrote, for asserting what reaches logs. */
  logs: string[];
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GqlResult<T>>;
};

/** The real `serve` code path on port 0 against a fresh database of the machine's PostgreSQL. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), "provisioner-test-"));
  const token = `test-${randomBytes(16).toString("hex")}`;
  const config = loadConfig({
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: token,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const server = await startServer(config, createLogger(config.logLevel, sink));
  return {
    ...server,
    token,
    database,
    dataDir,
    logs,
    gql: <T>(query: string, variables?: Record<string, unknown>, auth: string | null = token) =>
      gql<T>(server.url, query, variables, auth),
    async stop() {
      await server.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
