import path from "node:path";
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().positive().default(10),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).default(2000),
  MAX_NODES_PER_SITE: z.coerce.number().int().positive().default(10_000),
  REGISTRATIONS_PER_MINUTE: z.coerce.number().int().positive().default(600),
  HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().positive().default(5000),
  WORKERS: z.enum(["true", "false"]).default("true"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  WORK_DEADLINE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  ABANDONED_RUN_SECONDS: z.coerce.number().int().min(5).max(604_800).default(900),
  BOOT_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  DATABASE_TIMEOUT_SECONDS: z.coerce.number().min(0.5).max(300).default(10),
  S3_ENDPOINT: z.url().optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid bucket name")
    .default("provisioner"),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
});

export type Config = {
  port: number;
  host: string;
  /** Base URL booting hosts use; without PUBLIC_URL it becomes the listen URL once known. */
  publicUrl: string;
  publicUrlFromEnv: boolean;
  databaseUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  bodyLimitBytes: number;
  graphqlMaxDepth: number;
  graphqlMaxComplexity: number;
  /** Lexer tokens per GraphQL document: bounds nesting before the recursive parser sees it. */
  graphqlMaxTokens: number;
  /** Nodes one site may hold; registrations of new nodes past it are refused. */
  maxNodesPerSite: number;
  /** POST /api/localnodes per source address and minute (a burst of as many is allowed). */
  registrationsPerMinute: number;
  /** How long a client may take to send its request headers, and its whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Run build workers inside `serve` (false when separate `provisioner worker` processes do it). */
  workers: boolean;
  workerConcurrency: number;
  /** Distributor work not taken within this many seconds fails (runs) or is dropped. */
  workDeadlineSeconds: number;
  abandonedRunSeconds: number;
  /** Boot events older than this are deleted. */
  bootEventRetentionDays: number;
  /** Bound on each SQL statement and on opening a connection. */
  databaseTimeoutSeconds: number;
  s3:
    | { endpoint: URL; bucket: string; accessKey: string; secretKey: string; region: string }
    | undefined;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads the whole configuration once at start-up, reporting every bad variable together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (FOO=) means "not set", as in most shells' idioms.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if (e.S3_ENDPOINT && (!e.S3_ACCESS_KEY || !e.S3_SECRET_KEY)) {
    throw new ConfigError(
      "invalid configuration:\n  S3_ENDPOINT needs S3_ACCESS_KEY and S3_SECRET_KEY",
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    publicUrlFromEnv: e.PUBLIC_URL !== undefined,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    adminToken: e.ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    graphqlMaxDepth: e.GRAPHQL_MAX_DEPTH,
    graphqlMaxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
    graphqlMaxTokens: e.GRAPHQL_MAX_TOKENS,
    maxNodesPerSite: e.MAX_NODES_PER_SITE,
    registrationsPerMinute: e.REGISTRATIONS_PER_MINUTE,
    headersTimeoutMs: e.HEADERS_TIMEOUT_SECONDS * 1000,
    // Node requires the request timeout to be at least the headers timeout.
    requestTimeoutMs: Math.max(e.REQUEST_TIMEOUT_SECONDS, e.HEADERS_TIMEOUT_SECONDS) * 1000,
    workers: e.WORKERS === "true",
    workerConcurrency: e.WORKER_CONCURRENCY,
    workDeadlineSeconds: e.WORK_DEADLINE_SECONDS,
    abandonedRunSeconds: e.ABANDONED_RUN_SECONDS,
    bootEventRetentionDays: e.BOOT_EVENT_RETENTION_DAYS,
    databaseTimeoutSeconds: e.DATABASE_TIMEOUT_SECONDS,
    s3:
      e.S3_ENDPOINT && e.S3_ACCESS_KEY && e.S3_SECRET_KEY
        ? {
            endpoint: new URL(e.S3_ENDPOINT),
            bucket: e.S3_BUCKET,
            accessKey: e.S3_ACCESS_KEY,
            secretKey: e.S3_SECRET_KEY,
            region: e.S3_REGION,
          }
        : undefined,
  };
}
