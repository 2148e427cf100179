import { randomUUID } from "node:crypto";
import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../db/connection.ts";
import {
  type DistributorWorkRow,
  distributors,
  distributorWork,
  type WorkKind,
} from "../db/schema.ts";
import type { EventBus } from "../events/bus.ts";
import type { Logger } from "../logger.ts";

/** Announced (through LISTEN/NOTIFY) when work for a distributor is stored. */
export const WORK_ADDED = "distributor-work.added";
export type WorkAdded = { distributorId: number };
/** Announced when a distributor answered a work item (a ping result). */
export const WORK_REPLIED = "distributor-work.replied";
export type WorkReplied = { id: string };
/** Announced by the resolvers when a distributor's configuration changed. */
export const CONFIG_CHANGED = "distributor.changed";

// NOTIFY is not durable (a replica whose LISTEN connection was being re-made
// misses it), so every stream also looks again at this interval.
const POLL_MS = 2_000;

export type PingPayload = { localnodeId: number; ip: string };
export type RunPayload = {
  scriptRunId: number;
  ip: string;
  user: string;
  script: string;
  hostKey: string | null;
};

export type Work =
  | { id: string; kind: "CONFIG" }
  | { id: string; kind: "PING"; ping: PingPayload }
  | { id: string; kind: "RUN_SCRIPT"; run: RunPayload & { sealedKey: string } };

export type NewWork =
  | { kind: "PING"; ping: PingPayload }
  | { kind: "RUN_SCRIPT"; run: RunPayload; sealedKey: string };

/** Where rows are written: the database, or the caller's transaction. */
type Writer = Pick<Db, "insert">;

export type WorkQueue = {
  /** Stores work; call `announce` after the transaction that stored it commits. */
  add(
    writer: Writer,
    distributorId: number,
    work: NewWork,
    deadline: Date,
  ): Promise<DistributorWorkRow>;
  announce(distributorId: number): Promise<void>;
  /**
   * A distributor's stream: CONFIG at once and after every change of its
   * configuration, then each stored, unfinished work item once per stream. A
   * new stream (reconnect, other replica) delivers unfinished items again; the
   * agent recognises what it already took.
   */
  stream(distributorId: number, signal: AbortSignal): AsyncGenerator<Work>;
  /** The agent took the item; returns the row, or undefined if it is not (any longer) its work. */
  take(distributorId: number, id: string): Promise<DistributorWorkRow | undefined>;
  reply(distributorId: number, id: string, value: unknown): Promise<boolean>;
  /** Resolves with the reply, or undefined when none came in time. */
  waitForReply(id: string, timeoutMs: number): Promise<unknown>;
  /** Removes a finished item, and with it any sealed key. */
  finishRun(scriptRunId: number): Promise<void>;
  remove(id: string): Promise<void>;
  /** Streams of this distributor open on this process. */
  streamsOf(distributorId: number): number;
};

function toWork(row: DistributorWorkRow): Work {
  if (row.kind === "PING") return { id: row.id, kind: "PING", ping: row.payload as PingPayload };
  return {
    id: row.id,
    kind: "RUN_SCRIPT",
    run: { ...(row.payload as RunPayload), sealedKey: row.sealedKey ?? "" },
  };
}

/**
 * Work for distributors, kept in PostgreSQL so that any replica can take a
 * mutation and whichever replica holds the distributor's stream delivers it,
 * also after restarts. Wake-ups travel on the event bus (LISTEN/NOTIFY).
 */
export function createWorkQueue(deps: { db: Db; bus: EventBus; log: Logger }): WorkQueue {
  const { db, bus, log } = deps;
  const open = new Map<number, number>();
  const pokes = new Map<number, Set<() => void>>();
  let poller: NodeJS.Timeout | undefined;

  // The backstop for a lost NOTIFY: one query per process and interval for
  // every open stream together, waking only streams that have new work.
  async function pollAll() {
    const ids = [...pokes.keys()];
    if (ids.length === 0) return;
    try {
      const rows = await db
        .selectDistinct({ distributorId: distributorWork.distributorId })
        .from(distributorWork)
        .where(
          and(
            inArray(distributorWork.distributorId, ids),
            isNull(distributorWork.takenAt),
            gt(distributorWork.deadlineAt, sql`now()`),
          ),
        );
      for (const { distributorId } of rows)
        for (const poke of pokes.get(distributorId) ?? []) poke();
    } catch (error) {
      log.debug({ err: error }, "work poll failed; trying again");
    }
  }

  function watch(distributorId: number, poke: () => void): () => void {
    let set = pokes.get(distributorId);
    if (!set) {
      set = new Set();
      pokes.set(distributorId, set);
    }
    set.add(poke);
    if (!poller) {
      poller = setInterval(() => void pollAll(), POLL_MS);
      poller.unref();
    }
    return () => {
      set.delete(poke);
      if (set.size === 0) pokes.delete(distributorId);
      if (pokes.size === 0 && poller) {
        clearInterval(poller);
        poller = undefined;
      }
    };
  }

  async function pending(distributorId: number): Promise<DistributorWorkRow[]> {
    return db
      .select()
      .from(distributorWork)
      .where(
        and(
          eq(distributorWork.distributorId, distributorId),
          or(
            and(isNull(distributorWork.takenAt), gt(distributorWork.deadlineAt, sql`now()`)),
            // Taken runs stay deliverable until finished: the agent answers a
            // redelivered run from its journal instead of running it again.
            and(isNotNull(distributorWork.takenAt), eq(distributorWork.kind, "RUN_SCRIPT")),
          ),
        ),
      )
      .orderBy(asc(distributorWork.createdAt))
      .limit(100);
  }

  return {
    async add(writer, distributorId, work, deadline) {
      const kind: WorkKind = work.kind;
      const [row] = await writer
        .insert(distributorWork)
        .values({
          distributorId,
          kind,
          payload: work.kind === "PING" ? work.ping : work.run,
          scriptRunId: work.kind === "RUN_SCRIPT" ? work.run.scriptRunId : null,
          sealedKey: work.kind === "RUN_SCRIPT" ? work.sealedKey : null,
          deadlineAt: deadline,
        })
        .returning();
      if (!row) throw new Error("work insert returned nothing");
      return row;
    },

    announce: (distributorId) => bus.publish(WORK_ADDED, { distributorId } satisfies WorkAdded),

    async *stream(distributorId, signal) {
      open.set(distributorId, (open.get(distributorId) ?? 0) + 1);
      const sent = new Set<string>();
      let configDirty = true;
      let workDirty = true;
      let wake: (() => void) | undefined;
      const poke = () => {
        workDirty = true;
        wake?.();
      };
      const offWork = bus.onLocal(WORK_ADDED, (e) => {
        if ((e as WorkAdded).distributorId === distributorId) poke();
      });
      const offConfig = bus.onLocal(CONFIG_CHANGED, (e) => {
        if ((e as { id: number }).id !== distributorId) return;
        configDirty = true;
        wake?.();
      });
      const onAbort = () => wake?.();
      signal.addEventListener("abort", onAbort);
      const unwatch = watch(distributorId, poke);
      try {
        while (!signal.aborted) {
          if (configDirty) {
            configDirty = false;
            yield { id: randomUUID(), kind: "CONFIG" };
            continue;
          }
          if (workDirty) {
            workDirty = false;
            let rows: DistributorWorkRow[];
            try {
              rows = await pending(distributorId);
            } catch (error) {
              // Database away: read again shortly; the agent keeps its stream.
              log.warn({ err: error, distributorId }, "cannot read distributor work; retrying");
              setTimeout(poke, POLL_MS).unref();
              continue;
            }
            const still = new Set(rows.map((r) => r.id));
            for (const id of sent) if (!still.has(id)) sent.delete(id);
            for (const row of rows) {
              if (sent.has(row.id)) continue;
              sent.add(row.id);
              yield toWork(row);
            }
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        offWork();
        offConfig();
        unwatch();
        signal.removeEventListener("abort", onAbort);
        const left = (open.get(distributorId) ?? 1) - 1;
        if (left > 0) open.set(distributorId, left);
        else open.delete(distributorId);
      }
    },

    async take(distributorId, id) {
      const [row] = await db
        .update(distributorWork)
        .set({ takenAt: sql`coalesce(${distributorWork.takenAt}, now())` })
        .where(and(eq(distributorWork.id, id), eq(distributorWork.distributorId, distributorId)))
        .returning();
      return row;
    },

    async reply(distributorId, id, value) {
      const rows = await db
        .update(distributorWork)
        .set({ reply: value })
        .where(and(eq(distributorWork.id, id), eq(distributorWork.distributorId, distributorId)))
        .returning({ id: distributorWork.id });
      if (rows.length === 0) return false;
      await bus.publish(WORK_REPLIED, { id } satisfies WorkReplied);
      return true;
    },

    async waitForReply(id, timeoutMs) {
      const stop = new AbortController();
      const replies = bus.subscribe<WorkReplied>(WORK_REPLIED, stop.signal);
      const read = async () => {
        const [row] = await db
          .select({ reply: distributorWork.reply })
          .from(distributorWork)
          .where(eq(distributorWork.id, id));
        return row?.reply ?? undefined;
      };
      const timer = setTimeout(() => stop.abort(), timeoutMs);
      // A reply that lands between the insert and this subscription is seen by the first read.
      const poll = setInterval(() => {
        void read().then(
          (value) => {
            if (value !== undefined) stop.abort();
          },
          () => undefined,
        );
      }, POLL_MS);
      try {
        const first = await read();
        if (first !== undefined) return first;
        for await (const event of replies) if (event.id === id) break;
        return await read();
      } finally {
        clearTimeout(timer);
        clearInterval(poll);
        stop.abort();
        await db
          .delete(distributorWork)
          .where(eq(distributorWork.id, id))
          .catch(() => undefined);
      }
    },

    async finishRun(scriptRunId) {
      await db.delete(distributorWork).where(eq(distributorWork.scriptRunId, scriptRunId));
    },

    async remove(id) {
      await db.delete(distributorWork).where(eq(distributorWork.id, id));
    },

    streamsOf: (distributorId) => open.get(distributorId) ?? 0,
  };
}

/** Expired work: items not taken before their deadline, and pings past theirs. */
export async function removeExpiredWork(
  db: Db,
): Promise<
  Array<
    Pick<
      DistributorWorkRow,
      "id" | "kind" | "distributorId" | "scriptRunId" | "createdAt" | "deadlineAt"
    >
  >
> {
  return db
    .delete(distributorWork)
    .where(
      and(
        lt(distributorWork.deadlineAt, sql`now()`),
        or(isNull(distributorWork.takenAt), eq(distributorWork.kind, "PING")),
      ),
    )
    .returning({
      id: distributorWork.id,
      kind: distributorWork.kind,
      distributorId: distributorWork.distributorId,
      scriptRunId: distributorWork.scriptRunId,
      createdAt: distributorWork.createdAt,
      deadlineAt: distributorWork.deadlineAt,
    });
}

/**
 * Taken runs whose distributor has been silent for longer than `seconds`: it
 * went away mid-run and did not come back to report. The work item (and the
 * sealed key with it) goes; the run's outcome is unknown.
 */
export async function removeAbandonedRuns(
  db: Db,
  seconds: number,
): Promise<Array<{ scriptRunId: number | null; distributorId: number }>> {
  const silent = db
    .select({ id: distributors.id })
    .from(distributors)
    .where(
      or(
        isNull(distributors.lastSeenAt),
        lt(distributors.lastSeenAt, sql`now() - make_interval(secs => ${seconds})`),
      ),
    );
  return db
    .delete(distributorWork)
    .where(
      and(
        eq(distributorWork.kind, "RUN_SCRIPT"),
        isNotNull(distributorWork.takenAt),
        lt(distributorWork.takenAt, sql`now() - make_interval(secs => ${seconds})`),
        inArray(distributorWork.distributorId, silent),
      ),
    )
    .returning({
      scriptRunId: distributorWork.scriptRunId,
      distributorId: distributorWork.distributorId,
    });
}
