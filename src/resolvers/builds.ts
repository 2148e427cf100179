import { and, eq, or } from "drizzle-orm";
import { type BuildKind, type BuildRow, builds, distributors } from "../db/schema.ts";
import { badInput, conflict, notFound } from "../domain/errors.ts";
import { parseId } from "../domain/validation.ts";
import { readOncePerEvent } from "../events/read-once.ts";
import { buildKinds } from "../jobs/kinds.ts";
import type { Deps } from "./deps.ts";
import { type Page, type PageArgs, paginate } from "./pagination.ts";

export const BUILD_CHANGED = "build.changed";
/** A build changed; `row` is its state right after the change when that fits an event. */
export type BuildChanged = { id: number; row?: BuildEventRow };
type BuildEventRow = Omit<BuildRow, "createdAt" | "updatedAt"> & {
  createdAt: string;
  updatedAt: string;
};

// PostgreSQL's NOTIFY payload limit is 8000 bytes; rows with long scripts go as ids.
const MAX_EVENT_ROW_CHARS = 6000;

/**
 * Announces a build's new state. The row rides along when it is small, so
 * every subscriber sees exactly this state (a read after the event could
 * already see a later one) and no replica has to read it back.
 */
export function publishBuildChange(deps: Pick<Deps, "bus">, row: BuildRow): Promise<void> {
  const event: BuildChanged = {
    id: row.id,
    // Rows from raw SQL (createBuild) may carry timestamps as text.
    row: {
      ...row,
      createdAt: new Date(row.createdAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
    },
  };
  const fits = JSON.stringify(event).length <= MAX_EVENT_ROW_CHARS;
  return deps.bus.publish(BUILD_CHANGED, fits ? event : { id: row.id });
}

function rowOf(event: BuildChanged): BuildRow | undefined {
  if (!event.row) return undefined;
  return {
    ...event.row,
    createdAt: new Date(event.row.createdAt),
    updatedAt: new Date(event.row.updatedAt),
  };
}

const ARTIFACT_PATH =
  /^\/artifacts\/(ipxes|grubs|syslinuxs|isos)\/([0-9a-f-]{36})\/[A-Za-z0-9._-]{1,64}$/;

export async function getBuildById(
  deps: Pick<Deps, "db">,
  id: number,
): Promise<BuildRow | undefined> {
  const [row] = await deps.db.select().from(builds).where(eq(builds.id, id));
  return row;
}

export async function getBuild(
  deps: Deps,
  kind: BuildKind | undefined,
  rawId: unknown,
): Promise<BuildRow> {
  const id = parseId(rawId);
  const row = await getBuildById(deps, id);
  if (!row || (kind && row.kind !== kind))
    throw notFound(`${kind ? kind.slice(0, -1) : "build"} ${id} does not exist`);
  return row;
}

export async function listBuilds(
  deps: Deps,
  kind: BuildKind,
  args: PageArgs,
): Promise<Page<BuildRow>> {
  return paginate<BuildRow>(deps.db, builds, args, eq(builds.kind, kind));
}

/**
 * Resolves an input reference: a build id of this server, or one of this
 * server's own /artifacts/ URLs (the seed's `…Url` fields). Other URLs are refused.
 */
async function resolveReference(deps: Deps, ref: unknown, field: string): Promise<BuildRow> {
  if (typeof ref === "string" && ref.includes("/")) {
    let url: URL;
    try {
      url = new URL(ref);
    } catch {
      throw badInput(`${field} is not a URL or build id`);
    }
    const own = new URL(deps.config.publicUrl);
    const match = ARTIFACT_PATH.exec(url.pathname);
    if (url.origin !== own.origin || !match || url.search || url.hash) {
      throw badInput(
        `${field} must be a build id or an /artifacts/ URL of this server (${own.origin})`,
      );
    }
    const [row] = await deps.db
      .select()
      .from(builds)
      .where(
        and(eq(builds.kind, match[1] as BuildKind), eq(builds.artifactId, match[2] as string)),
      );
    if (!row) throw badInput(`${field}: no build at ${url.pathname}`);
    return row;
  }
  const id = parseId(ref, field);
  const row = await getBuildById(deps, id);
  if (!row) throw badInput(`${field}: build ${id} does not exist`);
  return row;
}

/** Validates, then inserts the build (QUEUED, 0 %) and its job in one transaction. */
export async function createBuild(
  deps: Deps,
  kind: BuildKind,
  raw: Record<string, unknown>,
): Promise<BuildRow> {
  const input = await buildKinds[kind].parse(raw, (ref, field) =>
    resolveReference(deps, ref, field),
  );
  const row = await deps.sql.begin(async (tx) => {
    const [inserted] = await tx<BuildRow[]>`
      insert into builds (kind, input) values (${kind}, ${JSON.stringify(input)}::jsonb)
      returning id, kind, artifact_id as "artifactId", status, progress, error, input, files,
        attempts, created_at as "createdAt", updated_at as "updatedAt"`;
    if (!inserted) throw new Error("build insert returned nothing");
    await deps.jobs.enqueueBuild(tx, { buildId: inserted.id });
    return inserted;
  });
  await publishBuildChange(deps, row);
  return row;
}

export function isFinished(row: BuildRow): boolean {
  return row.status === "DONE" || row.status === "FAILED";
}

/** Every change of one build (current state first), ending after DONE or FAILED. */
// Shared by every subscription in this process (see readOncePerEvent).
const rowForEvent = readOncePerEvent<BuildRow | undefined>();

export async function* buildUpdates(
  deps: Deps,
  rawId: unknown,
  signal?: AbortSignal,
): AsyncGenerator<BuildRow> {
  const id = parseId(rawId);
  // Subscribe before reading, so a change between the two is not lost.
  const events = deps.bus.subscribe<BuildChanged>(BUILD_CHANGED, signal);
  try {
    let row = await getBuildById(deps, id);
    if (!row) throw notFound(`build ${id} does not exist`);
    yield row;
    let last = `${row.status}/${row.progress}`;
    while (!isFinished(row)) {
      const next = await events.next();
      if (next.done) return;
      if (next.value.id !== id) continue;
      const event = next.value;
      row = (await rowForEvent(event, async () => rowOf(event) ?? getBuildById(deps, id))) ?? row;
      const now = `${row.status}/${row.progress}`;
      if (now !== last) yield row;
      last = now;
    }
  } finally {
    await events.return?.(undefined);
  }
}

/** Every change of every build. */
const RECENT_BUILDS = 1000;

export async function* allBuildUpdates(deps: Deps, signal?: AbortSignal): AsyncGenerator<BuildRow> {
  // Events that queued up while a read was running read the same, latest row:
  // send each state of a build once. The map keeps the most recent builds only.
  const last = new Map<number, string>();
  for await (const event of deps.bus.subscribe<BuildChanged>(BUILD_CHANGED, signal)) {
    const row = await rowForEvent(event, async () => rowOf(event) ?? getBuildById(deps, event.id));
    if (!row) continue;
    const state = `${row.status}/${row.progress}/${row.updatedAt.getTime()}`;
    if (last.get(row.id) === state) continue;
    last.delete(row.id);
    last.set(row.id, state);
    if (last.size > RECENT_BUILDS) last.delete(last.keys().next().value as number);
    yield row;
  }
}

/**
 * Deletes a build. Refused while a distributor serves it (its LAN would lose the boot
 * file). ISOs made from it keep working: they hold copies of its files. The stored
 * bytes stay in the artifact store, which is content-addressed and may share them.
 * A concurrent updateDistributor can still slip in between; the lead's foreign key
 * (distributors.ipxe_* → builds, restrict) closes that gap in the database.
 */
export async function deleteBuild(deps: Deps, input: { id: unknown }): Promise<BuildRow> {
  const id = parseId(input.id);
  const row = await deps.db.transaction(async (tx) => {
    const users = await tx
      .select({ id: distributors.id, name: distributors.name, artifactId: distributors.artifactId })
      .from(distributors)
      .where(or(eq(distributors.ipxeUefi, id), eq(distributors.ipxeBios, id)))
      .for("update");
    if (users.length > 0) {
      const names = users.map((d) => `${d.id} (${d.artifactId}/${d.name})`).join(", ");
      throw conflict(
        `build ${id} is served by distributor ${names}; point it at another build with updateDistributor first`,
      );
    }
    const [deleted] = await tx.delete(builds).where(eq(builds.id, id)).returning();
    return deleted;
  });
  if (!row) throw notFound(`build ${id} does not exist`);
  await deps.bus.publish(BUILD_CHANGED, { id } satisfies BuildChanged);
  return row;
}
