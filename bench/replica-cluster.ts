/**
 * Shared by the issue 7 benchmarks: a fresh database on the machine's
 * PostgreSQL and N real `provisioner serve` processes on 127.0.0.1 that share
 * nothing but that database, as replicas behind a balancer would.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { applyMigrations } from "../src/db/migrate.ts";
import { gqlData } from "../tests/helpers/gql.ts";
import { freePort, type ProcessHandle, serveReplica } from "../tests/helpers/serve-process.ts";

export const token = "bench-token-0123456789";

export type Replica = ProcessHandle & { url: string };

export type Cluster = {
  replicas: Replica[];
  /** An operator GraphQL call over HTTP to one replica. */
  gql<T>(
    url: string,
    query: string,
    variables?: Record<string, unknown>,
    auth?: string,
  ): Promise<T>;
  close(): Promise<void>;
};

export const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;
export const round1 = (x: number) => Math.round(x * 10) / 10;
export const summary = (xs: number[]) => ({
  n: xs.length,
  p50: round1(quantile(xs, 0.5)),
  p99: round1(quantile(xs, 0.99)),
  max: round1(xs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY)),
});

/** Replica i gets `env(i)`; the first one migrates, the others start beside each other. */
export async function startCluster(
  count: number,
  env: (i: number) => Record<string, string> = () => ({}),
): Promise<Cluster> {
  const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `provisioner_bench_${randomBytes(4).toString("hex")}`;
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const dir = await mkdtemp(path.join(tmpdir(), "bench-replicas-"));
  const replicas: Replica[] = [];
  const close = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await rm(dir, { recursive: true, force: true });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
  try {
    await chmod(dir, 0o755);
    await applyMigrations(dbUrl);
    for (let i = 0; i < count; i++) {
      replicas.push(
        // Info level: the helper waits for the ready line; nothing logs per request at info.
        serveReplica(dbUrl, path.join(dir, `serve${i}`), await freePort(), token, env(i)),
      );
    }
    await replicas[0]?.start();
    await Promise.all(replicas.slice(1).map((r) => r.start()));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    replicas,
    gql: <T>(url: string, query: string, variables = {}, auth = token) =>
      gqlData<T>(url, query, variables, auth),
    close,
  };
}
