import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import type { Db } from "../db/connection.ts";
import { operatorTokens } from "../db/schema.ts";

export const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex");

export type OperatorAuth = { isOperator(token: string | undefined): Promise<boolean> };

const POSITIVE_TTL_MS = 30_000;

/**
 * Checks operator bearer tokens: ADMIN_TOKEN from the environment, or any
 * token whose hash is in the database. Valid hashes are remembered briefly so
 * a busy API does not query the table on every request.
 */
export function createOperatorAuth(db: Db, adminToken: string | undefined): OperatorAuth {
  const admin = adminToken ? Buffer.from(sha256Hex(adminToken)) : undefined;
  const known = new Map<string, number>();
  return {
    async isOperator(token) {
      if (!token) return false;
      const hash = sha256Hex(token);
      if (admin && timingSafeEqual(admin, Buffer.from(hash))) return true;
      const until = known.get(hash);
      if (until !== undefined && until > Date.now()) return true;
      const [row] = await db
        .select({ id: operatorTokens.id })
        .from(operatorTokens)
        .where(eq(operatorTokens.tokenSha256, hash));
      if (row) known.set(hash, Date.now() + POSITIVE_TTL_MS);
      return Boolean(row);
    },
  };
}

export type BootstrapResult =
  | { kind: "env" }
  | { kind: "created"; file: string }
  | { kind: "existing"; file: string };

/**
 * On the very first start without ADMIN_TOKEN, makes an operator token and
 * writes it (only there, mode 0600) into the data directory.
 */
export async function bootstrapOperatorToken(
  db: Db,
  dataDir: string,
  adminToken: string | undefined,
): Promise<BootstrapResult> {
  if (adminToken) return { kind: "env" };
  const file = path.join(dataDir, "admin-token");
  const [row] = await db.select({ n: count() }).from(operatorTokens);
  if ((row?.n ?? 0) > 0) return { kind: "existing", file };
  const token = `prov_${randomBytes(32).toString("base64url")}`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await db.insert(operatorTokens).values({ name: "first operator", tokenSha256: sha256Hex(token) });
  return { kind: "created", file };
}
