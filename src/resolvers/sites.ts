import { randomBytes, timingSafeEqual } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import {
  bootEvents,
  distributors,
  localnodes,
  type SiteRow,
  scriptRuns,
  sites,
  sshKeys,
} from "../db/schema.ts";
import { conflict, notFound, unauthenticated } from "../domain/errors.ts";
import { parseArtifactId, parseBooleanFlag } from "../domain/validation.ts";
import type { Deps } from "./deps.ts";
import { DISTRIBUTOR_CHANGED, type DistributorChanged, isOnline } from "./distributors.ts";
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

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Deletes a site. What hangs off it (its nodes, distributors, SSH keys) is named
 * and the delete refused unless `cascade` is true, because deleting a site by
 * mistake would otherwise silently drop a whole LAN's nodes. With `cascade` they
 * go too (and the nodes' and distributors' script runs and boot events), but
 * never while one of its distributors is online.
 */
export async function deleteSite(
  deps: Deps,
  input: { artifactId: unknown; cascade?: unknown },
): Promise<SiteRow> {
  const artifactId = parseArtifactId(input.artifactId);
  const cascade = parseBooleanFlag(input.cascade, "cascade", false);
  const { row, distributorIds } = await deps.db.transaction(async (tx) => {
    const [site] = await tx
      .select()
      .from(sites)
      .where(eq(sites.artifactId, artifactId))
      .for("update");
    if (!site) throw notFound(`site ${artifactId} does not exist`);
    const nodes = await tx
      .select({ id: localnodes.id })
      .from(localnodes)
      .where(eq(localnodes.artifactId, artifactId));
    const dists = await tx
      .select()
      .from(distributors)
      .where(eq(distributors.artifactId, artifactId))
      .for("update");
    const keys = await tx
      .select({ id: sshKeys.id })
      .from(sshKeys)
      .where(eq(sshKeys.artifactId, artifactId));
    const dependents = [
      nodes.length ? plural(nodes.length, "node", "nodes") : "",
      dists.length
        ? `${plural(dists.length, "distributor", "distributors")} (${dists.map((d) => `${d.id} ${d.name}`).join(", ")})`
        : "",
      keys.length ? plural(keys.length, "SSH key", "SSH keys") : "",
    ].filter(Boolean);
    if (dependents.length && !cascade) {
      throw conflict(
        `site ${artifactId} still has ${dependents.join(", ")}; delete them first or delete with cascade`,
      );
    }
    const online = dists.filter((d) => isOnline(d));
    if (online.length) {
      throw conflict(
        `site ${artifactId} has online distributor ${online.map((d) => `${d.id} ${d.name}`).join(", ")}; stop its agent first`,
      );
    }
    const nodeIds = nodes.map((n) => n.id);
    const distIds = dists.map((d) => d.id);
    if (nodeIds.length) {
      await tx.delete(scriptRuns).where(inArray(scriptRuns.localnodeId, nodeIds));
      await tx.delete(localnodes).where(inArray(localnodes.id, nodeIds));
    }
    if (distIds.length) {
      await tx.delete(scriptRuns).where(inArray(scriptRuns.distributorId, distIds));
      await tx.delete(bootEvents).where(inArray(bootEvents.distributorId, distIds));
      await tx.delete(distributors).where(inArray(distributors.id, distIds));
    }
    if (keys.length) await tx.delete(sshKeys).where(eq(sshKeys.artifactId, artifactId));
    const [deleted] = await tx.delete(sites).where(eq(sites.id, site.id)).returning();
    if (!deleted) throw notFound(`site ${artifactId} does not exist`);
    return { row: deleted, distributorIds: distIds };
  });
  await deps.bus.publish(SITE_CHANGED, { artifactId } satisfies SiteChanged);
  for (const id of distributorIds)
    await deps.bus.publish(DISTRIBUTOR_CHANGED, { id } satisfies DistributorChanged);
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
