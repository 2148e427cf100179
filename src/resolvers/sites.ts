import { randomBytes, timingSafeEqual } from "node:crypto";
import { eq } from "drizzle-orm";
import { type SiteRow, sites } from "../db/schema.ts";
import { notFound, unauthenticated } from "../domain/errors.ts";
import { parseArtifactId, parseBooleanFlag } from "../domain/validation.ts";
import type { Deps } from "./deps.ts";
import { type Page, type PageArgs, paginate } from "./pagination.ts";

export const SITE_CHANGED = "site.changed";
export type SiteChanged = { artifactId: string };

const newEnrollmentToken = () => randomBytes(24).toString("base64url");

export async function listSites(deps: Deps, args: PageArgs): Promise<Page<SiteRow>> {
  return paginate<SiteRow>(deps.db, sites, args);
}

export async function findSite(
  deps: Pick<Deps, "db">,
  artifactId: string,
): Promise<SiteRow | undefined> {
  const [row] = await deps.db.select().from(sites).where(eq(sites.artifactId, artifactId));
  return row;
}

export async function getSite(deps: Deps, rawArtifactId: unknown): Promise<SiteRow> {
  const artifactId = parseArtifactId(rawArtifactId);
  const row = await findSite(deps, artifactId);
  if (!row) throw notFound(`site ${artifactId} does not exist`);
  return row;
}

/** Creates the site with a fresh enrollment token, or changes whether it is open. */
export async function upsertSite(
  deps: Deps,
  input: { artifactId: unknown; openEnrollment?: unknown },
): Promise<SiteRow> {
  const artifactId = parseArtifactId(input.artifactId);
  const openEnrollment = parseBooleanFlag(input.openEnrollment, "openEnrollment", false);
  const [row] = await deps.db
    .insert(sites)
    .values({ artifactId, openEnrollment, enrollmentToken: newEnrollmentToken() })
    .onConflictDoUpdate({
      target: sites.artifactId,
      set: { openEnrollment, updatedAt: new Date() },
    })
    .returning();
  if (!row) throw new Error("site upsert returned nothing");
  // Every replica caches the enrollment rule: a site closed here must be closed everywhere.
  await deps.bus.publish(SITE_CHANGED, { artifactId } satisfies SiteChanged);
  return row;
}

export async function rotateEnrollmentToken(
  deps: Deps,
  input: { artifactId: unknown },
): Promise<SiteRow> {
  const artifactId = parseArtifactId(input.artifactId);
  const [row] = await deps.db
    .update(sites)
    .set({ enrollmentToken: newEnrollmentToken(), updatedAt: new Date() })
    .where(eq(sites.artifactId, artifactId))
    .returning();
  if (!row) throw notFound(`site ${artifactId} does not exist`);
  await deps.bus.publish(SITE_CHANGED, { artifactId } satisfies SiteChanged);
  return row;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The enrollment rule for hosts that call home: an open site admits anyone,
 * any other site needs its enrollment token.
 */
export function checkEnrollment(
  site: SiteRow | undefined,
  artifactId: string,
  token: string | undefined,
): void {
  if (site?.openEnrollment) return;
  if (!site) {
    throw unauthenticated(
      `site ${artifactId} is not open for enrollment; an operator must create it with upsertSite`,
    );
  }
  if (!token) throw unauthenticated(`site ${artifactId} needs its enrollment token (token=…)`);
  if (!sameSecret(token, site.enrollmentToken)) throw unauthenticated("wrong enrollment token");
}
