import { randomUUID } from "node:crypto";
import { EventEmitter, on } from "node:events";
import type { Sql } from "../db/connection.ts";
import type { Logger } from "../logger.ts";

export const EVENTS_CHANNEL = "provisioner_events";
// PostgreSQL caps a NOTIFY payload at 8000 bytes; events carry ids and small rows only.
const MAX_PAYLOAD = 7900;

/** The wire format of one event, for SQL that announces its own change (see registerLocalnode). */
export type EventMessage = { topic: string; data: unknown };

export type EventBus = {
  /** Delivered to every server process connected to the same database. */
  publish(topic: string, data: unknown): Promise<void>;
  subscribe<T>(topic: string, signal?: AbortSignal): AsyncIterableIterator<T>;
  /** Listens on the local process only; returns the unsubscribe function. */
  onLocal(topic: string, listener: (data: unknown) => void): () => void;
  close(): Promise<void>;
};

export async function startEventBus(sql: Sql, log: Logger): Promise<EventBus> {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  // Our own events are delivered locally at once (so a cache is invalidated
  // before the mutation returns) and skipped when PostgreSQL echoes them back.
  const origin = randomUUID();
  const listener = await sql.listen(EVENTS_CHANNEL, (payload) => {
    try {
      const message = JSON.parse(payload) as { topic?: unknown; data?: unknown; origin?: unknown };
      if (message.origin === origin) return;
      if (typeof message.topic === "string") emitter.emit(message.topic, message.data);
    } catch (error) {
      log.warn({ err: error }, "ignoring malformed event");
    }
  });
  return {
    async publish(topic, data) {
      const payload = JSON.stringify({ topic, data, origin });
      if (payload.length > MAX_PAYLOAD) throw new Error(`event ${topic} is too large to publish`);
      emitter.emit(topic, JSON.parse(JSON.stringify(data)));
      await sql.notify(EVENTS_CHANNEL, payload);
    },
    subscribe<T>(topic: string, signal?: AbortSignal) {
      const iterator = on(emitter, topic, { signal });
      return (async function* () {
        try {
          for await (const [data] of iterator) yield data as T;
        } catch (error) {
          if (!(error instanceof Error && error.name === "AbortError")) throw error;
        }
      })();
    },
    onLocal(topic, fn) {
      emitter.on(topic, fn);
      return () => emitter.off(topic, fn);
    },
    async close() {
      emitter.removeAllListeners();
      // The database may already be gone at shutdown; nothing is left to unlisten then.
      await listener.unlisten().catch(() => undefined);
    },
  };
}
