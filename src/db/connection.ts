import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema.ts";

export type Db = PostgresJsDatabase<typeof schema>;
export type Sql = postgres.Sql;

export type Database = { sql: Sql; db: Db; close(): Promise<void> };

export type ConnectOptions = {
  max?: number;
  /** Bounds opening a connection and every statement, so a lost database fails fast. */
  timeoutSeconds?: number;
};

export function connectDatabase(url: string, options: ConnectOptions = {}): Database {
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: Math.max(1, Math.ceil(timeoutSeconds / 2)),
    connection: {
      application_name: "provisioner",
      statement_timeout: Math.round(timeoutSeconds * 1000),
      idle_in_transaction_session_timeout: Math.round(timeoutSeconds * 3000),
    },
  });
  const db = drizzle(sql, { schema });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}
