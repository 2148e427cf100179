import { desc, eq, inArray, lt, sql } from "drizzle-orm";
import {
  BOOT_EVENT_KINDS,
  type BootEventKind,
  type BootEventRow,
  bootEvents,
  type DistributorRow,
} from "../db/schema.ts";
import { badInput } from "../domain/errors.ts";
import { parseIp, parseMac } from "../domain/network.ts";
import type { Deps } from "./deps.ts";

export const BOOT_EVENT = "boot.event";
const MAX_EVENTS = 200;
const MAX_DETAIL = 200;

export type BootEventInput = { mac?: unknown; ip?: unknown; kind: unknown; detail: unknown };

function parseEvent(raw: BootEventInput): {
  mac: string | null;
  ip: string | null;
  kind: BootEventKind;
  detail: string;
} {
  const mac = raw.mac == null ? null : parseMac(raw.mac);
  const ip = raw.ip == null ? null : parseIp(raw.ip);
  if (!BOOT_EVENT_KINDS.includes(raw.kind as BootEventKind))
    throw badInput(`kind must be one of ${BOOT_EVENT_KINDS.join(", ")}`);
  if (typeof raw.detail !== "string") throw badInput("detail must be a string");
  // Log lines come from the LAN: keep them short and printable.
  const detail = raw.detail.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_DETAIL);
  return { mac, ip, kind: raw.kind as BootEventKind, detail };
}

/** Stores what a distributor's dnsmasq saw and announces it on bootEvents(artifactId). */
export async function recordBootEvents(
  deps: Deps,
  distributor: DistributorRow,
  events: BootEventInput[],
): Promise<number> {
  if (events.length > MAX_EVENTS) throw badInput(`at most ${MAX_EVENTS} events per call`);
  if (events.length === 0) return 0;
  const rows = await deps.db
    .insert(bootEvents)
    .values(
      events.map((e) => ({
        ...parseEvent(e),
        distributorId: distributor.id,
        artifactId: distributor.artifactId,
      })),
    )
    .returning();
  for (const row of rows) deps.bus.publishSoon(BOOT_EVENT, row);
  return rows.length;
}

export async function recentBootEvents(
  deps: Pick<Deps, "db">,
  distributorId: number,
  first: number,
): Promise<BootEventRow[]> {
  return deps.db
    .select()
    .from(bootEvents)
    .where(eq(bootEvents.distributorId, distributorId))
    .orderBy(desc(bootEvents.id))
    .limit(Math.max(1, Math.min(first, 500)));
}

const RETENTION_BATCH = 10_000;

/** Deletes boot events older than the retention period, a bounded batch per call. */
export async function deleteOldBootEvents(deps: Pick<Deps, "db" | "config">): Promise<number> {
  const cutoff = sql`now() - make_interval(days => ${deps.config.bootEventRetentionDays})`;
  const old = deps.db
    .select({ id: bootEvents.id })
    .from(bootEvents)
    .where(lt(bootEvents.at, cutoff))
    .limit(RETENTION_BATCH);
  const rows = await deps.db
    .delete(bootEvents)
    .where(inArray(bootEvents.id, old))
    .returning({ id: bootEvents.id });
  return rows.length;
}
