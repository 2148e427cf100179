import { and, eq, inArray, sql } from "drizzle-orm";
import ssh2 from "ssh2";
import {
  type DistributorRow,
  distributors,
  type LocalnodeRow,
  localnodes,
  type ScriptRunRow,
  scriptRuns,
} from "../db/schema.ts";
import { badInput, forbidden, notFound } from "../domain/errors.ts";
import { seal } from "../domain/sealed-box.ts";
import { parseId, parseScriptText, parseWorkId } from "../domain/validation.ts";
import { removeAbandonedRuns, removeExpiredWork } from "../work/distributor-work.ts";
import type { Deps } from "./deps.ts";
import { distributorForSite, isOnline } from "./distributors.ts";
import { getLocalnode } from "./localnodes.ts";

export const SCRIPT_RUN_CHANGED = "script-run.changed";
export type ScriptRunChanged = { id: number };
export const MAX_OUTPUT_CHARS = 64 * 1024;
const PING_TIMEOUT_MS = 15_000;
const OPEN: Array<ScriptRunRow["status"]> = ["QUEUED", "RUNNING"];
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Accepts an unencrypted OpenSSH/PEM private key; errors never quote it. */
function parsePrivateKey(raw: unknown): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 16 * 1024) {
    throw badInput("privateKey must be a private key in OpenSSH or PEM format");
  }
  const parsed = ssh2.utils.parseKey(raw);
  if (parsed instanceof Error || Array.isArray(parsed) || !parsed.isPrivateKey()) {
    throw badInput("privateKey is not a usable private key (encrypted keys are not supported)");
  }
  return raw;
}

async function changed(deps: Deps, id: number): Promise<void> {
  await deps.bus.publish(SCRIPT_RUN_CHANGED, { id } satisfies ScriptRunChanged);
}

export async function getScriptRun(deps: Pick<Deps, "db">, rawId: unknown): Promise<ScriptRunRow> {
  const id = parseId(rawId);
  const [row] = await deps.db.select().from(scriptRuns).where(eq(scriptRuns.id, id));
  if (!row) throw notFound(`script run ${id} does not exist`);
  return row;
}

/**
 * Queues a script for a node; its site's distributor runs it over SSH. The
 * private key is sealed to that distributor's own key before it is stored,
 * so the database never holds it in plaintext; the sealed copy goes when the
 * run ends or expires.
 */
export async function runScript(
  deps: Deps,
  input: { localnodeId: unknown; script: unknown; privateKey: unknown; user?: unknown },
): Promise<ScriptRunRow> {
  const node = await getLocalnode(deps, input.localnodeId);
  const script = parseScriptText(input.script, "script");
  const user = input.user ?? "root";
  if (typeof user !== "string" || !USER.test(user)) throw badInput("user must be a Unix user name");
  const privateKey = parsePrivateKey(input.privateKey);
  const distributor = await distributorForSite(deps, node.artifactId);
  if (!distributor.publicKey) {
    throw badInput(
      `distributor ${distributor.name} has never connected, so there is no key to seal the private key to; start its agent first`,
    );
  }
  const sealedKey = seal(privateKey, distributor.publicKey);
  const deadline = new Date(Date.now() + deps.config.workDeadlineSeconds * 1000);
  const row = await deps.db.transaction(async (tx) => {
    const [run] = await tx
      .insert(scriptRuns)
      .values({ localnodeId: node.id, distributorId: distributor.id, user })
      .returning();
    if (!run) throw new Error("script run insert returned nothing");
    await deps.work.add(
      tx,
      distributor.id,
      {
        kind: "RUN_SCRIPT",
        run: { scriptRunId: run.id, ip: node.ip, user, script, hostKey: node.hostKey },
        sealedKey,
      },
      deadline,
    );
    return run;
  });
  await deps.work.announce(distributor.id);
  await changed(deps, row.id);
  return row;
}

/** Asks the node's distributor to ping it; records and returns the answer. */
export async function pingLocalnode(deps: Deps, input: { id: unknown }): Promise<LocalnodeRow> {
  const node = await getLocalnode(deps, input.id);
  const distributor = await distributorForSite(deps, node.artifactId);
  const work = await deps.work.add(
    deps.db,
    distributor.id,
    { kind: "PING", ping: { localnodeId: node.id, ip: node.ip } },
    new Date(Date.now() + PING_TIMEOUT_MS),
  );
  await deps.work.announce(distributor.id);
  const reply = await deps.work.waitForReply(work.id, PING_TIMEOUT_MS);
  if (reply === undefined) {
    throw badInput(
      `distributor ${distributor.name} did not answer within ${PING_TIMEOUT_MS / 1000} s; is it online?`,
    );
  }
  const [row] = await deps.db
    .update(localnodes)
    .set({ pingable: reply === true })
    .where(eq(localnodes.id, node.id))
    .returning();
  return row ?? node;
}

/** The agent took a work item; a script run it took is RUNNING from now on. */
export async function takeWork(
  deps: Deps,
  distributor: DistributorRow,
  rawId: unknown,
): Promise<boolean> {
  const row = await deps.work.take(distributor.id, parseWorkId(rawId, "id"));
  if (!row) return false;
  if (row.scriptRunId !== null) {
    const moved = await deps.db
      .update(scriptRuns)
      .set({ status: "RUNNING", updatedAt: new Date() })
      .where(and(eq(scriptRuns.id, row.scriptRunId), eq(scriptRuns.status, "QUEUED")))
      .returning({ id: scriptRuns.id });
    if (moved.length > 0) await changed(deps, row.scriptRunId);
  }
  return true;
}

/** Why a run was never taken, in words that name the distributor and its silence. */
function notTakenReason(distributor: DistributorRow | undefined, deadlineSeconds: number): string {
  if (!distributor) return `its distributor was deleted before it took the run`;
  const lastSeen = distributor.lastSeenAt;
  const name = `distributor ${distributor.name}`;
  if (!lastSeen)
    return `${name} did not take the run within ${deadlineSeconds} s: it has never connected`;
  const silentMs = Date.now() - lastSeen.getTime();
  if (isOnline(distributor))
    return `${name} was connected but did not take the run within ${deadlineSeconds} s`;
  return `${name} did not take the run within ${deadlineSeconds} s: it has been offline for ${Math.round(silentMs / 1000)} s (last seen ${lastSeen.toISOString()})`;
}

/**
 * Ends an open run FAILED with a reason written from its distributor's row
 * (undefined once deleted); a run already finished stays as it is.
 */
async function failOpenRun(
  deps: Deps,
  item: { scriptRunId: number | null; distributorId: number },
  reason: (distributor: DistributorRow | undefined) => string,
): Promise<void> {
  if (item.scriptRunId === null) return;
  const [distributor] = await deps.db
    .select()
    .from(distributors)
    .where(eq(distributors.id, item.distributorId));
  const [row] = await deps.db
    .update(scriptRuns)
    .set({ status: "FAILED", error: reason(distributor), updatedAt: new Date() })
    .where(and(eq(scriptRuns.id, item.scriptRunId), inArray(scriptRuns.status, OPEN)))
    .returning({ id: scriptRuns.id });
  if (row) await changed(deps, row.id);
}

/** Fails runs whose distributor did not take them in time; drops stale pings. */
export async function expireDistributorWork(deps: Deps): Promise<number> {
  const runs = (await removeExpiredWork(deps.db)).filter((w) => w.scriptRunId !== null);
  for (const item of runs) {
    const seconds = Math.round((item.deadlineAt.getTime() - item.createdAt.getTime()) / 1000);
    await failOpenRun(deps, item, (distributor) => notTakenReason(distributor, seconds));
  }
  return runs.length + (await failAbandonedRuns(deps));
}

/**
 * A run whose distributor vanished while it ran (host lost, agent data wiped)
 * would stay RUNNING forever; after ABANDONED_RUN_SECONDS of silence it fails,
 * saying the outcome is unknown. A distributor that returns later finds the
 * run final and its report changes nothing.
 */
async function failAbandonedRuns(deps: Deps): Promise<number> {
  const seconds = deps.config.abandonedRunSeconds;
  const abandoned = await removeAbandonedRuns(deps.db, seconds);
  for (const item of abandoned) {
    await failOpenRun(deps, item, (distributor) => {
      const name = distributor ? `distributor ${distributor.name}` : "its distributor";
      const lastSeen = distributor?.lastSeenAt
        ? ` (last seen ${distributor.lastSeenAt.toISOString()})`
        : "";
      return `${name} went offline while the script was running and did not come back within ${seconds} s${lastSeen}; whether the script finished is unknown`;
    });
  }
  return abandoned.length;
}

export async function resetHostKey(deps: Deps, input: { id: unknown }): Promise<LocalnodeRow> {
  const id = parseId(input.id);
  const [row] = await deps.db
    .update(localnodes)
    .set({ hostKey: null })
    .where(eq(localnodes.id, id))
    .returning();
  if (!row) throw notFound(`localnode ${id} does not exist`);
  return row;
}

async function ownRun(
  deps: Deps,
  distributor: DistributorRow,
  rawId: unknown,
): Promise<ScriptRunRow> {
  const run = await getScriptRun(deps, rawId);
  if (run.distributorId !== distributor.id)
    throw forbidden("this script run belongs to another distributor");
  return run;
}

/** Output as it arrives from the distributor; kept up to 64 KiB. */
export async function appendScriptOutput(
  deps: Deps,
  distributor: DistributorRow,
  input: { scriptRunId: unknown; chunk: unknown; offset?: unknown },
): Promise<boolean> {
  const run = await ownRun(deps, distributor, input.scriptRunId);
  if (typeof input.chunk !== "string") throw badInput("chunk must be a string");
  const offset = input.offset ?? null;
  if (offset !== null && !(Number.isInteger(offset) && (offset as number) >= 0))
    throw badInput("offset must be a whole number of characters, 0 or more");
  // A report retried after a lost answer carries the same offset: only the part
  // of the chunk beyond what is stored is appended (PostgreSQL counts characters,
  // as the agent does). Without an offset (older agents) the chunk is appended.
  const chunk =
    offset === null
      ? sql`${input.chunk}`
      : sql`substr(${input.chunk}, length(${scriptRuns.output}) - ${offset} + 1)`;
  // A finished run is final: late output (a redelivery, a slow report) changes nothing.
  const rows = await deps.db
    .update(scriptRuns)
    .set({
      status: "RUNNING",
      output: sql`left(${scriptRuns.output} || ${chunk}, ${MAX_OUTPUT_CHARS})`,
      updatedAt: new Date(),
    })
    .where(and(eq(scriptRuns.id, run.id), inArray(scriptRuns.status, OPEN)))
    .returning({ id: scriptRuns.id });
  if (rows.length === 0) return false;
  await changed(deps, run.id);
  return true;
}

export async function finishScriptRun(
  deps: Deps,
  distributor: DistributorRow,
  input: { scriptRunId: unknown; exitCode?: unknown; error?: unknown; hostKey?: unknown },
): Promise<ScriptRunRow> {
  const run = await ownRun(deps, distributor, input.scriptRunId);
  const exitCode =
    typeof input.exitCode === "number" && Number.isInteger(input.exitCode) ? input.exitCode : null;
  const error = typeof input.error === "string" ? input.error.slice(0, 2000) : null;
  if (typeof input.hostKey === "string" && /^SHA256:[A-Za-z0-9+/]{43}$/.test(input.hostKey)) {
    // First contact pins the key; a later, different key was already refused by the agent.
    await deps.db
      .update(localnodes)
      .set({ hostKey: input.hostKey })
      .where(sql`${localnodes.id} = ${run.localnodeId} and ${localnodes.hostKey} is null`);
  }
  const [row] = await deps.db
    .update(scriptRuns)
    .set({
      status: error || exitCode === null ? "FAILED" : "DONE",
      exitCode,
      error,
      updatedAt: new Date(),
    })
    .where(and(eq(scriptRuns.id, run.id), inArray(scriptRuns.status, OPEN)))
    .returning();
  // The sealed key goes with the work item, whatever the outcome.
  await deps.work.finishRun(run.id);
  // Reported twice (a retry after a lost answer): the first report stands.
  if (!row) return getScriptRun(deps, run.id);
  await changed(deps, run.id);
  return row;
}

/** A run now and on every change, ending when it is DONE or FAILED. */
export async function* scriptRunUpdates(
  deps: Deps,
  rawId: unknown,
  signal?: AbortSignal,
): AsyncGenerator<ScriptRunRow> {
  const id = parseId(rawId);
  const events = deps.bus.subscribe<ScriptRunChanged>(SCRIPT_RUN_CHANGED, signal);
  try {
    let row = await getScriptRun(deps, id);
    yield row;
    while (row.status !== "DONE" && row.status !== "FAILED") {
      const next = await events.next();
      if (next.done) return;
      if (next.value.id !== id) continue;
      row = await getScriptRun(deps, id);
      yield row;
    }
  } finally {
    await events.return?.(undefined);
  }
}
