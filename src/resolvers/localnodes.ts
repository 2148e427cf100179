import { eq, sql } from "drizzle-orm";
import { type LocalnodeRow, localnodes } from "../db/schema.ts";
import { notFound } from "../domain/errors.ts";
import { parseArtifactId, parseBooleanFlag, parseId, parseIp } from "../domain/validation.ts";
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

/** Registering the same ip + artifactId again refreshes that node instead of failing. */
export async function registerLocalnode(
  deps: Deps,
  registration: Registration,
): Promise<LocalnodeRow> {
  const [row] = await deps.db
    .insert(localnodes)
    .values(registration)
    .onConflictDoUpdate({
      target: [localnodes.ip, localnodes.artifactId],
      set: { pingable: registration.pingable, lastSeenAt: sql`now()` },
    })
    .returning();
  if (!row) throw new Error("localnode upsert returned nothing");
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
