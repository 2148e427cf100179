import { randomUUID } from "node:crypto";
import { EventEmitter, on } from "node:events";
import type { Sql } from "../db/connection.ts";
import type { Logger } from "../logger.ts";

const EVENTS_CHANNEL = "provisioner_events";
// PostgreSQL caps a NOTIFY payload at 8000 bytes; events carry ids and small rows only.
const MAX_PAYLOAD = 7900;

// High-rate events (node registrations) are sent in batches: every NOTIFY takes
// a database-wide lock at commit, so one per registration caps a boot storm.
// Batches form on their own: an event goes out at once when no NOTIFY is in
// flight, and events arriving meanwhile ride together in the next one. A fixed
// window would instead delay every event at low rates.

export type EventBus = {
  /** Delivered to every server process connected to the same database. */
  publish(topic: string, data: unknown): Promise<void>;
  /**
   * Like publish, but events published while an earlier NOTIFY is still in
   * flight are sent together in the next one. Local listeners get it at once.
   */
  publishSoon(topic: string, data: unknown): void;
  subscribe<T>(topic: string, signal?: AbortSignal): AsyncIterableIterator<T>;
  /** Listens on the local process only; returns the unsubscribe function. */
  onLocal(topic: string, listener: (data: unknown) => void): () => void;
  /** How many subscribers this process has on a topic: a subscription is live once counted. */
  listenerCount(topic: string): number;
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
      const message = JSON.parse(payload) as {
        topic?: unknown;
        data?: unknown;
        batch?: unknown;
        origin?: unknown;
      };
      if (message.origin === origin) return;
      if (typeof message.topic !== "string") return;
      if (Array.isArray(message.batch))
        for (const data of message.batch) emitter.emit(message.topic, data);
      else emitter.emit(message.topic, message.data);
    } catch (error) {
      log.warn({ err: error }, "ignoring malformed event");
    }
  });
  const pending = new Map<string, string[]>();
  let batches: Promise<unknown> = Promise.resolve();
  let inFlight = 0;
  let scheduled = false;
  let closed = false;
  // setImmediate gathers what one turn of the event loop published.
  const schedule = () => {
    if (scheduled || inFlight > 0 || closed) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      flush();
    });
  };
  const flush = () => {
    for (const [topic, items] of pending) {
      pending.delete(topic);
      // Split so each NOTIFY stays under PostgreSQL's payload limit.
      let chunk: string[] = [];
      let size = 0;
      const send = () => {
        if (chunk.length === 0) return;
        const payload = `{"topic":${JSON.stringify(topic)},"origin":"${origin}","batch":[${chunk.join(",")}]}`;
        // One after another: two NOTIFYs on different pool connections could
        // commit in either order, and subscribers rely on the order of batches.
        inFlight++;
        batches = batches
          .then(() => sql.notify(EVENTS_CHANNEL, payload))
          .catch((error: unknown) => log.warn({ err: error, topic }, "event batch not sent"))
          .finally(() => {
            inFlight--;
            if (inFlight === 0 && pending.size > 0) schedule();
          });
        chunk = [];
        size = 0;
      };
      for (const item of items) {
        if (size + item.length > MAX_PAYLOAD - 200) send();
        chunk.push(item);
        size += item.length + 1;
      }
      send();
    }
  };
  return {
    publishSoon(topic, data) {
      const item = JSON.stringify(data);
      if (item.length > MAX_PAYLOAD - 200)
        throw new Error(`event ${topic} is too large to publish`);
      emitter.emit(topic, JSON.parse(item));
      const items = pending.get(topic) ?? [];
      items.push(item);
      pending.set(topic, items);
      schedule();
    },
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
    listenerCount: (topic) => emitter.listenerCount(topic),
    async close() {
      closed = true;
      flush();
      await batches;
      emitter.removeAllListeners();
      // The database may already be gone at shutdown; nothing is left to unlisten then.
      await listener.unlisten().catch(() => undefined);
    },
  };
}
