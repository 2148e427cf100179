import { eq } from "drizzle-orm";
import { type LocalnodeRow, localnodes } from "../db/schema.ts";
import { notFound } from "../domain/errors.ts";
import { parseArtifactId, parseBooleanFlag, parseId, parseIp } from "../domain/validation.ts";
import { EVENTS_CHANNEL } from "../events/bus.ts";
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
 * Registering the same ip + artifactId again refreshes that node instead of
 * failing. Write and event go out in one statement: a boot storm costs one
 * round trip per node, and the event is sent only if the write commits.
 */
export async function registerLocalnode(deps: Deps, r: Registration): Promise<LocalnodeRow> {
  const rows = await deps.sql<Array<LocalnodeRow & { notified?: unknown }>>`
    with node as (
      insert into localnodes (ip, artifact_id, pingable)
      values (${r.ip}, ${r.artifactId}, ${r.pingable})
      on conflict (ip, artifact_id)
        do update set pingable = excluded.pingable, last_seen_at = now()
      returning id, ip, artifact_id as "artifactId", pingable,
        registered_at as "registeredAt", last_seen_at as "lastSeenAt"
    )
    select node.*, pg_notify(
      ${EVENTS_CHANNEL},
      json_build_object('topic', ${LOCALNODE_REGISTERED}::text, 'data', row_to_json(node))::text
    ) as notified
    from node`;
  const row = rows[0];
  if (!row) throw new Error("localnode upsert returned nothing");
  const { notified: _, ...node } = row;
  return node;
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
