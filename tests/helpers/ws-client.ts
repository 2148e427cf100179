import { type Client, createClient } from "graphql-ws";

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
  return { done };
}
