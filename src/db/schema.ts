import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

// The five script registries share one shape but keep separate id sequences,
// so /api/mainscripts/1 and /api/subscripts/1 can both exist, as in the seed.
function scriptTable(name: string) {
  return pgTable(name, {
    id: serial("id").primaryKey(),
    text: text("text").notNull(),
    ...timestamps,
  });
}

export const mainscripts = scriptTable("mainscripts");
export const subscripts = scriptTable("subscripts");
export const kickstarts = scriptTable("kickstarts");
export const prebootscripts = scriptTable("prebootscripts");
export const postbootscripts = scriptTable("postbootscripts");

export const scriptTables = {
  mainscripts,
  subscripts,
  kickstarts,
  prebootscripts,
  postbootscripts,
} as const;

export const sshKeys = pgTable(
  "ssh_keys",
  {
    id: serial("id").primaryKey(),
    text: text("text").notNull(),
    artifactId: text("artifact_id").notNull(),
    fingerprint: text("fingerprint").notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex("ssh_keys_artifact_fingerprint").on(t.artifactId, t.fingerprint)],
);

export const sites = pgTable("sites", {
  id: serial("id").primaryKey(),
  artifactId: text("artifact_id").notNull().unique(),
  openEnrollment: boolean("open_enrollment").notNull().default(false),
  enrollmentToken: text("enrollment_token").notNull(),
  ...timestamps,
});

export const localnodes = pgTable(
  "localnodes",
  {
    id: serial("id").primaryKey(),
    ip: text("ip").notNull(),
    artifactId: text("artifact_id").notNull(),
    pingable: boolean("pingable").notNull().default(false),
    registeredAt: timestamp("registered_at", { withTimezone: true }).notNull().defaultNow(),
    // OpenSSH SHA256 fingerprint seen at first contact; a different key is refused until reset.
    hostKey: text("host_key"),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("localnodes_ip_artifact").on(t.ip, t.artifactId),
    index("localnodes_artifact").on(t.artifactId, t.id),
  ],
);

/**
 * Nodes per site, kept by a trigger on localnodes (migration 0004): the per-site cap is
 * checked against this one row instead of counting a site's nodes on every registration.
 */
export const siteNodeCounts = pgTable("site_node_counts", {
  artifactId: text("artifact_id").primaryKey(),
  nodes: integer("nodes").notNull(),
});

// Only a hash is kept: a database dump must not hand out operator access.
export const operatorTokens = pgTable("operator_tokens", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  tokenSha256: text("token_sha256").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One stored output file of a build; the bytes live in the artifact store under sha256. */
export type BuildFileRecord = { name: string; size: number; sha256: string };

export const BUILD_KINDS = ["ipxes", "grubs", "syslinuxs", "isos"] as const;
export type BuildKind = (typeof BUILD_KINDS)[number];
export const BUILD_STATUSES = ["QUEUED", "WORKING", "DONE", "FAILED"] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

export const builds = pgTable(
  "builds",
  {
    id: serial("id").primaryKey(),
    kind: text("kind").$type<BuildKind>().notNull(),
    artifactId: uuid("artifact_id").notNull().unique().defaultRandom(),
    status: text("status").$type<BuildStatus>().notNull().default("QUEUED"),
    progress: integer("progress").notNull().default(0),
    error: text("error"),
    // The validated request, exactly what the worker builds from.
    input: jsonb("input").$type<Record<string, unknown>>().notNull(),
    files: jsonb("files").$type<BuildFileRecord[]>().notNull().default([]),
    attempts: integer("attempts").notNull().default(0),
    ...timestamps,
  },
  (t) => [index("builds_kind_id").on(t.kind, t.id)],
);

export type BuildRow = typeof builds.$inferSelect;

export const distributors = pgTable(
  "distributors",
  {
    id: serial("id").primaryKey(),
    artifactId: text("artifact_id").notNull(),
    name: text("name").notNull(),
    tokenSha256: text("token_sha256").notNull().unique(),
    online: boolean("online").notNull().default(false),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
    on: boolean("on").notNull().default(false),
    device: text("device"),
    range: text("range"),
    // A build that a distributor serves cannot be deleted from under it.
    ipxeUefi: integer("ipxe_uefi").references(() => builds.id, { onDelete: "restrict" }),
    ipxeBios: integer("ipxe_bios").references(() => builds.id, { onDelete: "restrict" }),
    // The agent's X25519 public key (base64, 32 bytes): private keys for its
    // script runs are sealed to it, so only that agent can open them.
    publicKey: text("public_key"),
    // What the agent last reported it could not apply (null once a config applied).
    configError: text("config_error"),
    configErrorAt: timestamp("config_error_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [uniqueIndex("distributors_artifact_name").on(t.artifactId, t.name)],
);

export const BOOT_EVENT_KINDS = ["DHCP", "TFTP", "HTTP"] as const;
export type BootEventKind = (typeof BOOT_EVENT_KINDS)[number];

export const bootEvents = pgTable(
  "boot_events",
  {
    id: serial("id").primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    distributorId: integer("distributor_id")
      .notNull()
      .references(() => distributors.id, { onDelete: "cascade" }),
    artifactId: text("artifact_id").notNull(),
    mac: text("mac"),
    ip: text("ip"),
    kind: text("kind").$type<BootEventKind>().notNull(),
    detail: text("detail").notNull(),
  },
  (t) => [
    index("boot_events_distributor").on(t.distributorId, t.id),
    // Retention deletes by age.
    index("boot_events_at").on(t.at),
  ],
);

export const SCRIPT_RUN_STATUSES = ["QUEUED", "RUNNING", "DONE", "FAILED"] as const;
export type ScriptRunStatus = (typeof SCRIPT_RUN_STATUSES)[number];

export const scriptRuns = pgTable("script_runs", {
  id: serial("id").primaryKey(),
  localnodeId: integer("localnode_id")
    .notNull()
    .references(() => localnodes.id, { onDelete: "cascade" }),
  distributorId: integer("distributor_id")
    .notNull()
    .references(() => distributors.id, { onDelete: "cascade" }),
  user: text("user").notNull(),
  status: text("status").$type<ScriptRunStatus>().notNull().default("QUEUED"),
  exitCode: integer("exit_code"),
  output: text("output").notNull().default(""),
  error: text("error"),
  ...timestamps,
});

export const WORK_KINDS = ["PING", "RUN_SCRIPT"] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

/**
 * Work waiting for, or taken by, a distributor. Any replica inserts it; the
 * replica that holds the distributor's work stream delivers it. A row lives
 * until the work is finished or its deadline passes; the sealed key goes with it.
 */
export const distributorWork = pgTable(
  "distributor_work",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    distributorId: integer("distributor_id")
      .notNull()
      .references(() => distributors.id, { onDelete: "cascade" }),
    kind: text("kind").$type<WorkKind>().notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    scriptRunId: integer("script_run_id").references(() => scriptRuns.id, {
      onDelete: "cascade",
    }),
    // The run's private key, sealed to the distributor's public key; never plaintext.
    sealedKey: text("sealed_key"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deadlineAt: timestamp("deadline_at", { withTimezone: true }).notNull(),
    takenAt: timestamp("taken_at", { withTimezone: true }),
    reply: jsonb("reply"),
  },
  (t) => [
    index("distributor_work_pending").on(t.distributorId, t.createdAt),
    index("distributor_work_deadline").on(t.deadlineAt),
  ],
);

export type DistributorRow = typeof distributors.$inferSelect;
export type DistributorWorkRow = typeof distributorWork.$inferSelect;
export type BootEventRow = typeof bootEvents.$inferSelect;
export type ScriptRunRow = typeof scriptRuns.$inferSelect;

export type ScriptKind = keyof typeof scriptTables;
export type ScriptRow = typeof mainscripts.$inferSelect;
export type SshKeyRow = typeof sshKeys.$inferSelect;
export type SiteRow = typeof sites.$inferSelect;
export type LocalnodeRow = typeof localnodes.$inferSelect;
