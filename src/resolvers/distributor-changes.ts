import { eq } from "drizzle-orm";
import { type DistributorRow, distributors } from "../db/schema.ts";
import { parseArtifactId } from "../domain/validation.ts";
import { readOncePerEvent } from "../events/read-once.ts";
import type { Deps } from "./deps.ts";
import { DISTRIBUTOR_CHANGED, DISTRIBUTOR_STATE, type DistributorChanged } from "./distributors.ts";

/** A distributor as it is now; `distributor` is null once it was deleted. */
export type DistributorChange = { id: number; distributor: DistributorRow | null };

// Shared by every watcher in this process (see readOncePerEvent).
const rowForEvent = readOncePerEvent<DistributorRow | undefined>();

/**
 * Every change of a distributor that operators see: configuration, on/off, online or
 * offline (on any replica: the bus carries it), configuration errors, deletion. Each
 * event names only the id and the row is read when it is delivered, so a watcher always
 * ends with the current state; events for the same distributor that wait behind a slow
 * watcher collapse into one.
 */
export async function* distributorChanges(
  deps: Deps,
  rawArtifactId: unknown,
  signal: AbortSignal,
): AsyncGenerator<DistributorChange> {
  const artifactId = rawArtifactId == null ? undefined : parseArtifactId(rawArtifactId);
  const waiting = new Map<number, DistributorChanged>();
  let wake: (() => void) | undefined;
  const arrived = (event: unknown) => {
    const change = event as DistributorChanged;
    waiting.delete(change.id);
    waiting.set(change.id, change);
    wake?.();
  };
  const off = [
    deps.bus.onLocal(DISTRIBUTOR_CHANGED, arrived),
    deps.bus.onLocal(DISTRIBUTOR_STATE, arrived),
  ];
  const stop = () => wake?.();
  signal.addEventListener("abort", stop);
  try {
    while (!signal.aborted) {
      const next = waiting.values().next();
      if (next.done) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const event = next.value;
      waiting.delete(event.id);
      const row = await rowForEvent(event, async () => {
        const [found] = await deps.db
          .select()
          .from(distributors)
          .where(eq(distributors.id, event.id));
        return found;
      });
      if (artifactId !== undefined && (row?.artifactId ?? event.artifactId) !== artifactId)
        continue;
      yield { id: event.id, distributor: row ?? null };
    }
  } finally {
    for (const unsubscribe of off) unsubscribe();
    signal.removeEventListener("abort", stop);
  }
}
