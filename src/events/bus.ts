import { EventEmitter, on } from "node:events";
import type { Sql } from "../db/connection.ts";
import type { Logger } from "../logger.ts";

const CHANNEL = "provisioner_events";
// PostgreSQL caps a NOTIFY payload at 8000 bytes; events carry ids and small rows only.
const MAX_PAYLOAD = 7900;

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
  const listener = await sql.listen(CHANNEL, (payload) => {
    try {
      const message = JSON.parse(payload) as { topic?: unknown; data?: unknown };
      if (typeof message.topic === "string") emitter.emit(message.topic, message.data);
    } catch (error) {
      log.warn({ err: error }, "ignoring malformed event");
    }
  });
  return {
    async publish(topic, data) {
      const payload = JSON.stringify({ topic, data });
      if (payload.length > MAX_PAYLOAD) throw new Error(`event ${topic} is too large to publish`);
      await sql.notify(CHANNEL, payload);
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
