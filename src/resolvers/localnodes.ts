import { and, eq, sql } from "drizzle-orm";
import { type LocalnodeRow, localnodes, siteNodeCounts } from "../db/schema.ts";
import { conflict, notFound } from "../domain/errors.ts";
import { parseIp } from "../domain/network.ts";
import { parseArtifactId, parseBooleanFlag, parseId } from "../domain/validation.ts";
import type { Deps } from "./deps.ts";
import { type Page, type PageArgs, paginate } from "./pagination.ts";

export const LOCALNODE_REGISTERED = "localnode.registered";

export type Registration = { ip: string; artifactId: string; pingable: boolean };

export function parseRegistration(input: {
  ip?: unknown;
  artifactId?: unknown;
  pingable?: unknown;
}): Registration {
  return {
    ip: parseIp(input.ip),
    artifactId: parseArtifactId(input.artifactId),
    pingable: parseBooleanFlag(input.pingable, "pingable", false),
  };
}

/**
 * Registering the same ip + artifactId again refreshes that node instead of failing.
 * A new node is refused once its site holds `maxNodesPerSite`: open enrollment must not
 * let anyone fill the database.
 */
export async function registerLocalnode(
  deps: Deps,
  registration: Registration,
): Promise<LocalnodeRow> {
  const same = and(
    eq(localnodes.ip, registration.ip),
    eq(localnodes.artifactId, registration.artifactId),
  );
  // The common case in a boot storm is a known node coming back: one statement, no lock.
  const [refreshed] = await deps.db
    .update(localnodes)
    .set({ pingable: registration.pingable, lastSeenAt: sql`now()` })
    .where(same)
    .returning();
  const row =
    refreshed ??
    (await deps.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(localnodes)
        .values(registration)
        .onConflictDoNothing()
        .returning();
      // The insert's trigger counted the node in the site's row of site_node_counts and
      // holds that row until commit: concurrent registrations of one site queue there
      // for a moment, and each sees the count including every node before it.
      const [held] = inserted
        ? await tx
            .select({ n: siteNodeCounts.nodes })
            .from(siteNodeCounts)
            .where(eq(siteNodeCounts.artifactId, registration.artifactId))
        : [];
      if (inserted && (held?.n ?? 0) > deps.config.maxNodesPerSite) {
        throw conflict(
          `site ${registration.artifactId} already has ${deps.config.maxNodesPerSite} nodes (MAX_NODES_PER_SITE); delete nodes with deleteLocalnode or raise the limit`,
        );
      }
      if (inserted) return inserted;
      // Another request registered it between our update and insert: refresh that one.
      const [raced] = await tx
        .update(localnodes)
        .set({ pingable: registration.pingable, lastSeenAt: sql`now()` })
        .where(same)
        .returning();
      return raced;
    }));
  if (!row) throw new Error("localnode registration returned nothing");
  deps.bus.publishSoon(LOCALNODE_REGISTERED, row);
  return row;
}

export async function listLocalnodes(
  deps: Deps,
  args: PageArgs & { artifactId?: unknown },
): Promise<Page<LocalnodeRow>> {
  const where =
    args.artifactId == null
      ? undefined
      : eq(localnodes.artifactId, parseArtifactId(args.artifactId));
  return paginate<LocalnodeRow>(deps.db, localnodes, args, where);
}

export async function getLocalnode(deps: Deps, rawId: unknown): Promise<LocalnodeRow> {
  const id = parseId(rawId);
  const [row] = await deps.db.select().from(localnodes).where(eq(localnodes.id, id));
  if (!row) throw notFound(`localnode ${id} does not exist`);
  return row;
}

export async function deleteLocalnode(deps: Deps, input: { id: unknown }): Promise<LocalnodeRow> {
  const id = parseId(input.id);
  const [row] = await deps.db.delete(localnodes).where(eq(localnodes.id, id)).returning();
  if (!row) throw notFound(`localnode ${id} does not exist`);
  return row;
}
