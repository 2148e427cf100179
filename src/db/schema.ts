import { boolean, index, pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

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
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("localnodes_ip_artifact").on(t.ip, t.artifactId),
    index("localnodes_artifact").on(t.artifactId, t.id),
  ],
);

// Only a hash is kept: a database dump must not hand out operator access.
export const operatorTokens = pgTable("operator_tokens", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  tokenSha256: text("token_sha256").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type ScriptKind = keyof typeof scriptTables;
export type ScriptRow = typeof mainscripts.$inferSelect;
export type SshKeyRow = typeof sshKeys.$inferSelect;
export type SiteRow = typeof sites.$inferSelect;
export type LocalnodeRow = typeof localnodes.$inferSelect;
