import { type Client, createClient } from "graphql-ws";
import { until } from "./until.ts";

/** A real graphql-ws client (Node's own WebSocket) against a test server. */
export function wsClient(httpUrl: string, token: string | null): Client {
  return createClient({
    url: `${httpUrl.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes and collects results until `count` arrived or the subscription ends. */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  count: number,
) {
  const items: T[] = [];
  const done = new Promise<T[]>((resolve, reject) => {
    const stop = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) return reject(new Error(JSON.stringify(value.errors)));
          items.push(value.data as T);
          if (items.length >= count) {
            stop();
            resolve(items);
          }
        },
        // A refused connection arrives as a CloseEvent; keep it so tests can read its code.
        error: (e) => reject(e),
        complete: () => resolve(items),
      },
    );
  });
  /** `items` grows as results arrive: the first one proves the subscription is live. */
  return { done, items };
}

/**
 * Resolves once the server counts `more` new subscribers on `topic`: the subscription is
 * live and will see the next event (instead of sleeping and hoping it is).
 */
export function subscribed(
  bus: { listenerCount(topic: string): number },
  topic: string,
  before: number,
  more = 1,
): Promise<number> {
  return until(
    `${more} more subscriber(s) of ${topic}`,
    () => bus.listenerCount(topic) >= before + more && bus.listenerCount(topic),
    10_000,
    () => `${bus.listenerCount(topic)} subscriber(s), ${before} before`,
    10,
  );
}
