import { type BootEventRow, bootEvents } from "../db/schema.ts";
import { isMac, parseIp } from "../domain/network.ts";
import type { Logger } from "../logger.ts";
import { BOOT_EVENT } from "./boot-events.ts";
import type { Deps } from "./deps.ts";

/** How long a DHCP/TFTP sighting attributes a host's HTTP fetches to that distributor. */
export const SIGHTING_TTL_MS = 15 * 60_000;
/** Hosts remembered at once; a boot storm of 10,000 hosts fits, memory stays bounded. */
const MAX_SIGHTINGS = 50_000;
const FLUSH_MS = 200;
const MAX_BATCH = 500;
const MAX_DETAIL = 200;

type Sighting = { distributorId: number; artifactId: string; mac: string | null; at: number };

export type HttpFetch = {
  /** The socket's peer address, as Node reports it (IPv4-mapped IPv6 included). */
  remoteAddress: string | undefined;
  /** The `mac` query parameter, when the iPXE script passed `${net0/mac}`. */
  mac: string | null;
  method: string;
  /** The path without its query. */
  path: string;
};

export type HttpBootEvents = {
  /** A booting host fetched a boot resource; recorded if its distributor can be told. */
  fetched(request: HttpFetch): void;
  /** Writes what is pending (tests and shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Boot events of kind HTTP: a host fetching its scripts or bundle files from serve.
 *
 * boot_events rows belong to a distributor, so a fetch is attributed through what that
 * distributor's dnsmasq reported moments before: the host's MAC (passed by the iPXE script
 * as `?mac=${net0/mac}`) or its address, as seen in a DHCP/TFTP event. The sightings come
 * from the event bus, so every replica knows them, and nothing is read from the database
 * on the boot path. A fetch that matches no sighting (a host behind NAT without `mac`, a
 * boot from media) is not recorded.
 */
export function createHttpBootEvents(deps: Pick<Deps, "db" | "bus">, log: Logger): HttpBootEvents {
  const sightings = new Map<string, Sighting>();
  const remember = (key: string, sighting: Sighting) => {
    sightings.delete(key); // re-inserted last: the Map's order is the eviction order
    sightings.set(key, sighting);
    if (sightings.size > MAX_SIGHTINGS) {
      const oldest = sightings.keys().next().value;
      if (oldest !== undefined) sightings.delete(oldest);
    }
  };
  const unsubscribe = deps.bus.onLocal(BOOT_EVENT, (data) => {
    const row = data as Partial<BootEventRow>;
    if (row.kind === "HTTP" || typeof row.distributorId !== "number") return;
    if (typeof row.artifactId !== "string") return;
    const sighting: Sighting = {
      distributorId: row.distributorId,
      artifactId: row.artifactId,
      mac: row.mac ?? null,
      at: Date.now(),
    };
    if (row.mac) remember(`mac ${row.mac}`, sighting);
    if (row.ip) remember(`ip ${row.ip}`, sighting);
  });

  const fresh = (key: string) => {
    const sighting = sightings.get(key);
    return sighting && Date.now() - sighting.at < SIGHTING_TTL_MS ? sighting : undefined;
  };

  type Pending = typeof bootEvents.$inferInsert;
  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  async function write(batch: Pending[]): Promise<void> {
    try {
      const rows = await deps.db.insert(bootEvents).values(batch).returning();
      for (const row of rows) deps.bus.publishSoon(BOOT_EVENT, row);
    } catch (error) {
      // A distributor deleted since its sighting (foreign key) or a database outage: these
      // events are observations, not state; losing a batch is logged, never retried forever.
      log.warn({ err: error, events: batch.length }, "HTTP boot events not recorded");
    }
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length > 0) writing = writing.then(() => write(batch));
    return writing;
  }

  return {
    fetched({ remoteAddress, mac: rawMac, method, path }) {
      // The boot-storm path: no distributor has reported anything, nothing to attribute.
      if (sightings.size === 0) return;
      const mac = rawMac && isMac(rawMac) ? rawMac.toLowerCase() : null;
      let ip: string | null = null;
      try {
        ip = remoteAddress ? parseIp(remoteAddress) : null;
      } catch {
        ip = null;
      }
      const sighting = (mac && fresh(`mac ${mac}`)) || (ip && fresh(`ip ${ip}`)) || undefined;
      if (!sighting) return;
      pending.push({
        distributorId: sighting.distributorId,
        artifactId: sighting.artifactId,
        mac: mac ?? sighting.mac,
        ip,
        kind: "HTTP",
        detail: `${method} ${path}`.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_DETAIL),
      });
      if (pending.length >= MAX_BATCH) void flush();
      else timer ??= setTimeout(() => void flush(), FLUSH_MS);
    },
    flush,
    async close() {
      unsubscribe();
      await flush();
    },
  };
}
