import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { type Client, createClient } from "graphql-ws";
import type { Logger } from "../logger.ts";

const MAX_BACKOFF_MS = 10_000;

/** Exponential backoff with full jitter, capped so a returning server is found within ~10 s. */
export function backoffMs(attempt: number, random = Math.random): number {
  return Math.round(random() * Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt));
}

/** graphql-ws rejects with a CloseEvent, not an Error; callers and logs get a sentence. */
export function linkError(error: unknown): Error {
  if (error instanceof Error) return error;
  const close = error as { code?: unknown; reason?: unknown };
  if (typeof close?.code === "number") {
    const reason = typeof close.reason === "string" && close.reason ? `: ${close.reason}` : "";
    return new Error(
      close.code === 4403
        ? "the server refused this distributor's token (revoked or replaced); create a new one with createDistributorToken"
        : `connection to the server closed (code ${close.code}${reason})`,
    );
  }
  return new Error(String(error));
}

export type ServerLink = {
  client: Client;
  request<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
  ): Promise<R>;
  subscribe<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
  ): AsyncIterableIterator<R>;
  close(): Promise<void>;
};

/**
 * The agent's one connection to the server: outbound graphql-ws (works through
 * NAT), authenticated with the distributor token, retried forever with jitter.
 */
export function connectToServer(
  server: string,
  token: string,
  log: Logger,
  hooks: { onConnected?: () => void; onClosed?: () => void } = {},
): ServerLink {
  const client = createClient({
    url: `${server.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoffMs(retries))),
    // Its default is console.error, which prints a raw CloseEvent beside our JSON logs.
    onNonLazyError: (error) =>
      log.warn({ server, problem: linkError(error).message }, "cannot reach the server yet"),
    on: {
      connected: () => {
        log.info({ server }, "connected to the server");
        hooks.onConnected?.();
      },
      closed: (event) => {
        const code = (event as { code?: number }).code;
        log.warn(
          { server, code, problem: linkError(event).message },
          "connection to the server closed; retrying",
        );
        hooks.onClosed?.();
      },
    },
  });
  return {
    client,
    async request(document, variables) {
      try {
        for await (const result of client.iterate({ query: print(document), variables })) {
          if (result.errors?.length)
            throw new Error(result.errors.map((e) => e.message).join("; "));
          return result.data as never;
        }
      } catch (error) {
        throw linkError(error);
      }
      throw new Error("no answer from the server");
    },
    subscribe(document, variables) {
      const iterator = client.iterate({ query: print(document), variables });
      return (async function* () {
        try {
          for await (const result of iterator) {
            if (result.errors?.length)
              throw new Error(result.errors.map((e) => e.message).join("; "));
            if (result.data) yield result.data as never;
          }
        } catch (error) {
          throw linkError(error);
        }
      })();
    },
    // Closing is best effort: a socket the server already closed has nothing left to say.
    close: () => Promise.resolve(client.dispose()).catch(() => undefined),
  };
}
