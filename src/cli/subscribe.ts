import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createClient } from "graphql-ws";
import { type ApiClient, CliError } from "./client.ts";

/**
 * One GraphQL subscription over graphql-ws as an async iterable of its data.
 * Ends when the server completes it or the caller stops iterating; the socket
 * is closed either way.
 */
export async function* subscribe<R, V extends Record<string, unknown>>(
  api: ApiClient,
  document: TypedDocumentNode<R, V>,
  variables: V,
): AsyncGenerator<R> {
  const ws = createClient({
    url: `${api.server.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${api.token ?? ""}` },
    retryAttempts: 3,
  });
  try {
    const updates = ws.iterate<R>({ query: print(document), variables });
    for await (const update of updates) {
      if (update.errors?.length) throw new CliError(update.errors.map((e) => e.message).join("; "));
      if (update.data) yield update.data;
    }
  } catch (error) {
    throw asCliError(error, api.server);
  } finally {
    await ws.dispose();
  }
}

/** graphql-ws rejects with GraphQL error lists or close events; say what happened in words. */
function asCliError(error: unknown, server: string): Error {
  if (error instanceof Error) return error;
  if (Array.isArray(error))
    return new CliError(error.map((e: { message?: string }) => e.message ?? String(e)).join("; "));
  if (error && typeof error === "object" && "code" in error) {
    const { code, reason } = error as { code: number; reason?: string };
    return new CliError(
      `the connection to ${server} closed (${code}${reason ? `: ${reason}` : ""})`,
    );
  }
  return new CliError(`subscription to ${server} failed: ${String(error)}`);
}
