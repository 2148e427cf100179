import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull, lt, ne, or } from "drizzle-orm";
import { sha256Hex } from "../auth/operator-tokens.ts";
import {
  type BuildRow,
  bootEvents,
  builds,
  type DistributorRow,
  distributors,
  scriptRuns,
} from "../db/schema.ts";
import { badInput, conflict, notFound } from "../domain/errors.ts";
import { parseInterfaceName, parseProxyRange } from "../domain/network.ts";
import { parseAgentPublicKey, SealedBoxError } from "../domain/sealed-box.ts";
import { parseArtifactId, parseBooleanFlag, parseId } from "../domain/validation.ts";
import { CONFIG_CHANGED as DISTRIBUTOR_CHANGED } from "../work/distributor-work.ts";
import { getBuildById } from "./builds.ts";
import type { Deps } from "./deps.ts";
import { type Page, type PageArgs, paginate } from "./pagination.ts";

export { DISTRIBUTOR_CHANGED };
/** artifactId is set when the distributor is deleted: a watcher can no longer read it. */
export type DistributorChanged = { id: number; artifactId?: string };
/**
 * What operators watch but the agent must not be sent again as a new configuration:
 * it came online or went offline, or reported whether its configuration applied.
 */
export const DISTRIBUTOR_STATE = "distributor.state";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Which iPXE builds can serve as the PXE boot file of each firmware. */
const PXE_TARGETS = {
  ipxeUefi: ["bin-x86_64-efi/ipxe/efi", "bin-x86_64-efi/snponly/efi"],
  ipxeBios: ["bin-x86_64-pcbios/undionly/kpxe", "bin-x86_64-pcbios/ipxe/kpxe"],
} as const;

export async function createDistributorToken(
  deps: Deps,
  input: { artifactId: unknown; name: unknown },
): Promise<{ distributor: DistributorRow; token: string }> {
  const artifactId = parseArtifactId(input.artifactId);
  if (typeof input.name !== "string" || !NAME.test(input.name)) {
    throw badInput("name must be 1 to 63 letters, digits, '.', '_' or '-'");
  }
  const token = `dist_${randomBytes(32).toString("base64url")}`;
  // A new token for an existing (artifactId, name) replaces the old one: that is how it is rotated.
  const [distributor] = await deps.db
    .insert(distributors)
    .values({ artifactId, name: input.name, tokenSha256: sha256Hex(token) })
    .onConflictDoUpdate({
      target: [distributors.artifactId, distributors.name],
      set: { tokenSha256: sha256Hex(token), updatedAt: new Date() },
    })
    .returning();
  if (!distributor) throw new Error("distributor upsert returned nothing");
  await deps.bus.publish(DISTRIBUTOR_CHANGED, { id: distributor.id } satisfies DistributorChanged);
  return { distributor, token };
}

export async function distributorByToken(
  deps: Pick<Deps, "db">,
  token: string,
): Promise<DistributorRow | undefined> {
  const [row] = await deps.db
    .select()
    .from(distributors)
    .where(eq(distributors.tokenSha256, sha256Hex(token)));
  return row;
}

export async function listDistributors(
  deps: Deps,
  args: PageArgs & { artifactId?: unknown },
): Promise<Page<DistributorRow>> {
  const where =
    args.artifactId == null
      ? undefined
      : eq(distributors.artifactId, parseArtifactId(args.artifactId));
  return paginate<DistributorRow>(deps.db, distributors, args, where);
}

export async function getDistributor(
  deps: Pick<Deps, "db">,
  rawId: unknown,
): Promise<DistributorRow> {
  const id = parseId(rawId);
  const [row] = await deps.db.select().from(distributors).where(eq(distributors.id, id));
  if (!row) throw notFound(`distributor ${id} does not exist`);
  return row;
}

/** The online distributor of a site, which pings and runs scripts on its nodes. */
export async function distributorForSite(
  deps: Pick<Deps, "db">,
  artifactId: string,
): Promise<DistributorRow> {
  const [row] = await deps.db
    .select()
    .from(distributors)
    .where(eq(distributors.artifactId, artifactId))
    .orderBy(desc(distributors.online), desc(distributors.lastSeenAt))
    .limit(1);
  if (!row)
    throw badInput(`site ${artifactId} has no distributor; create one with createDistributorToken`);
  return row;
}

async function pxeBuild(
  deps: Deps,
  field: keyof typeof PXE_TARGETS,
  ref: unknown,
): Promise<number> {
  let build: BuildRow | undefined;
  if (typeof ref === "string" && ref.includes("/")) {
    const match = /\/artifacts\/ipxes\/([0-9a-f-]{36})\//.exec(ref);
    const own = ref.startsWith(`${deps.config.publicUrl}/`);
    if (!match || !own)
      throw badInput(`${field} must be an iPXE build id or its /artifacts/ URL on this server`);
    [build] = await deps.db
      .select()
      .from(builds)
      .where(and(eq(builds.kind, "ipxes"), eq(builds.artifactId, match[1] as string)));
  } else {
    build = await getBuildById(deps, parseId(ref, field));
  }
  const target = build
    ? `${build.input.platform}/${build.input.driver}/${build.input.extension}`
    : "";
  if (build?.kind !== "ipxes" || !(PXE_TARGETS[field] as readonly string[]).includes(target)) {
    throw badInput(`${field} must be a DONE iPXE build of ${PXE_TARGETS[field].join(" or ")}`);
  }
  if (build.status !== "DONE")
    throw badInput(`${field}: build ${build.id} is ${build.status}; wait until it is DONE`);
  return build.id;
}

export type UpdateDistributorInput = {
  id: unknown;
  ipxeUefi?: unknown;
  ipxeBios?: unknown;
  ipxePxeUefiUrl?: unknown;
  ipxePxeBiosUrl?: unknown;
  device?: unknown;
  range?: unknown;
};

/** Sets what the distributor serves; only validated values ever reach its dnsmasq config. */
export async function updateDistributor(
  deps: Deps,
  input: UpdateDistributorInput,
): Promise<DistributorRow> {
  const current = await getDistributor(deps, input.id);
  const changes: Partial<DistributorRow> = {};
  const uefi = input.ipxeUefi ?? input.ipxePxeUefiUrl;
  const bios = input.ipxeBios ?? input.ipxePxeBiosUrl;
  if (uefi != null) changes.ipxeUefi = await pxeBuild(deps, "ipxeUefi", uefi);
  if (bios != null) changes.ipxeBios = await pxeBuild(deps, "ipxeBios", bios);
  if (input.device != null) changes.device = parseInterfaceName(input.device, "device");
  if (input.range != null) {
    parseProxyRange(input.range);
    changes.range = input.range as string;
  }
  const [row] = await deps.db
    .update(distributors)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(distributors.id, current.id))
    .returning();
  if (!row) throw notFound(`distributor ${current.id} does not exist`);
  await deps.bus.publish(DISTRIBUTOR_CHANGED, { id: row.id } satisfies DistributorChanged);
  return row;
}

export async function setDistributorStatus(
  deps: Deps,
  input: { id: unknown; on: unknown },
): Promise<DistributorRow> {
  const current = await getDistributor(deps, input.id);
  const on = parseBooleanFlag(input.on, "on", false);
  if (on && (!current.device || !current.range || (!current.ipxeUefi && !current.ipxeBios))) {
    throw badInput(
      "set device, range and at least one of ipxeUefi/ipxeBios with updateDistributor before turning it on",
    );
  }
  const [row] = await deps.db
    .update(distributors)
    .set({ on, updatedAt: new Date() })
    .where(eq(distributors.id, current.id))
    .returning();
  if (!row) throw notFound(`distributor ${current.id} does not exist`);
  await deps.bus.publish(DISTRIBUTOR_CHANGED, { id: row.id } satisfies DistributorChanged);
  return row;
}

/** The agent announces itself, with the public key that runs' private keys are sealed to. */
export async function registerDistributor(
  deps: Deps,
  distributor: DistributorRow,
  input: { publicKey?: unknown } | null | undefined,
): Promise<DistributorRow> {
  let publicKey: string | undefined;
  if (input?.publicKey != null) {
    try {
      publicKey = parseAgentPublicKey(input.publicKey);
    } catch (error) {
      if (error instanceof SealedBoxError) throw badInput(error.message);
      throw error;
    }
  }
  const [row] = await deps.db
    .update(distributors)
    .set({ online: true, lastSeenAt: new Date(), ...(publicKey ? { publicKey } : {}) })
    .where(eq(distributors.id, distributor.id))
    .returning();
  if (row) await deps.bus.publish(DISTRIBUTOR_STATE, { id: row.id } satisfies DistributorChanged);
  return row ?? distributor;
}

const MAX_CONFIG_ERROR = 500;

/**
 * The agent says whether the configuration it was sent could be applied: a message
 * when not (dnsmasq is then stopped), null once one applied. Operators read it on
 * Distributor.configError. Not announced as a change: that would resend the config.
 */
export async function reportConfigError(
  deps: Deps,
  distributor: DistributorRow,
  input: { message?: unknown },
): Promise<DistributorRow> {
  const raw = input.message;
  if (raw != null && typeof raw !== "string") throw badInput("message must be a string or null");
  // The text comes from the LAN side: one printable line, bounded.
  const message = raw ? raw.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_CONFIG_ERROR) : null;
  const [row] = await deps.db
    .update(distributors)
    .set({ configError: message, configErrorAt: message ? new Date() : null })
    .where(eq(distributors.id, distributor.id))
    .returning();
  if (!row) throw notFound(`distributor ${distributor.id} does not exist`);
  await deps.bus.publish(DISTRIBUTOR_STATE, { id: row.id } satisfies DistributorChanged);
  return row;
}

/**
 * Heartbeats (online) and disconnects (offline). Only a change of what operators see is
 * announced: a flip of `online`, or a heartbeat after the agent had gone quiet for so long
 * that it read as offline; a steady heartbeat every 10 s is not news.
 */
export async function markDistributorSeen(
  deps: Deps,
  id: number,
  online: boolean,
): Promise<DistributorRow | undefined> {
  const now = new Date();
  const [changed] = await deps.db
    .update(distributors)
    .set({ online, lastSeenAt: now })
    .where(
      and(
        eq(distributors.id, id),
        online
          ? or(
              ne(distributors.online, true),
              isNull(distributors.lastSeenAt),
              lt(distributors.lastSeenAt, new Date(now.getTime() - ONLINE_WINDOW_MS)),
            )
          : ne(distributors.online, false),
      ),
    )
    .returning();
  if (changed) {
    await deps.bus.publish(DISTRIBUTOR_STATE, { id } satisfies DistributorChanged);
    return changed;
  }
  const [row] = await deps.db
    .update(distributors)
    .set({ online, lastSeenAt: now })
    .where(eq(distributors.id, id))
    .returning();
  return row;
}

export type PxeFiles = {
  files: Array<{ name: string; url: string; sha256: string; size: number }>;
} | null;
export type DistributorConfig = {
  on: boolean;
  device: string | null;
  range: string | null;
  uefi: PxeFiles;
  bios: PxeFiles;
  /** What iPXE chains to once running (BIOS clients ask with user class "iPXE"). */
  scriptUrl: string | null;
};

/** What the agent needs to serve: the chosen builds' files (as this server's URLs) and settings. */
export async function distributorConfig(
  deps: Deps,
  row: DistributorRow,
): Promise<DistributorConfig> {
  const files = async (id: number | null): Promise<PxeFiles> => {
    if (!id) return null;
    const build = await getBuildById(deps, id);
    if (build?.status !== "DONE") return null;
    return {
      files: build.files.map((f) => ({
        name: f.name,
        sha256: f.sha256,
        size: f.size,
        url: `${deps.config.publicUrl}/artifacts/${build.kind}/${build.artifactId}/${f.name}`,
      })),
    };
  };
  const [uefi, bios] = await Promise.all([files(row.ipxeUefi), files(row.ipxeBios)]);
  // BIOS iPXE is told this URL by the proxy; it is the BIOS build's own script when there is one.
  const script = (bios ?? uefi)?.files.find((f) => f.name === "autoexec.ipxe");
  return {
    on: row.on,
    device: row.device,
    range: row.range,
    uefi,
    bios,
    scriptUrl: script?.url ?? null,
  };
}

// Three missed heartbeats (10 s each) and then some: a vanished agent reads as offline.
export const ONLINE_WINDOW_MS = 60_000;

/**
 * An agent that vanished without closing its connection (power cut, pulled cable)
 * only stops heartbeating: once it reads as offline, the row says so too and the
 * change is announced like a disconnect. One UPDATE: of the replicas that all run
 * it, one gets each row.
 */
export async function markSilentDistributorsOffline(deps: Deps): Promise<number> {
  const silent = await deps.db
    .update(distributors)
    .set({ online: false })
    .where(
      and(
        eq(distributors.online, true),
        lt(distributors.lastSeenAt, new Date(Date.now() - ONLINE_WINDOW_MS)),
      ),
    )
    .returning({ id: distributors.id });
  for (const { id } of silent)
    await deps.bus.publish(DISTRIBUTOR_STATE, { id } satisfies DistributorChanged);
  return silent.length;
}

/** Connected, and heard from within the last minute. */
export function isOnline(d: DistributorRow, now = Date.now()): boolean {
  return d.online && d.lastSeenAt !== null && now - d.lastSeenAt.getTime() < ONLINE_WINDOW_MS;
}

/**
 * Deletes a distributor with its boot events and script runs (they mean nothing
 * without it). Refused while its agent is online: the agent would keep serving
 * PXE on its LAN with a token that no longer exists.
 */
export async function deleteDistributor(
  deps: Deps,
  input: { id: unknown },
): Promise<DistributorRow> {
  const id = parseId(input.id);
  const row = await deps.db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(distributors)
      .where(eq(distributors.id, id))
      .for("update");
    if (!current) throw notFound(`distributor ${id} does not exist`);
    if (isOnline(current)) {
      throw conflict(
        `distributor ${id} (${current.artifactId}/${current.name}) is online; stop its agent first (it reads as offline at once on disconnect, or a minute after its last heartbeat)`,
      );
    }
    await tx.delete(bootEvents).where(eq(bootEvents.distributorId, id));
    await tx.delete(scriptRuns).where(eq(scriptRuns.distributorId, id));
    const [deleted] = await tx.delete(distributors).where(eq(distributors.id, id)).returning();
    return deleted;
  });
  if (!row) throw notFound(`distributor ${id} does not exist`);
  await deps.bus.publish(DISTRIBUTOR_CHANGED, {
    id,
    artifactId: row.artifactId,
  } satisfies DistributorChanged);
  return row;
}
