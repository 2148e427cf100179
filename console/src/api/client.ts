import { type Client, createClient } from "graphql-ws";
import type { TypedDocumentString } from "../generated/graphql.ts";
import { ApiError, fromWire, unreachable } from "./errors.ts";
import { currentToken, onSessionChange, signOut } from "./session.ts";

type Wire<R> = {
  data?: R | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

/** One GraphQL operation over HTTP, same origin, with the operator token as a bearer token. */
export async function request<R, V>(
  document: TypedDocumentString<R, V>,
  variables?: V,
  token: string | null = currentToken(),
): Promise<R> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
  } catch {
    throw unreachable();
  }
  let body: Wire<R>;
  try {
    body = (await response.json()) as Wire<R>;
  } catch {
    throw new ApiError("UNAVAILABLE", `The server answered ${response.status} without GraphQL`);
  }
  if (body.errors?.length) {
    const error = fromWire(body.errors);
    // A token that stopped working (rotated, server reset) sends the operator back to sign-in.
    if (error.code === "UNAUTHENTICATED" && token === currentToken()) signOut();
    throw error;
  }
  if (!body.data) throw new ApiError("INTERNAL", "The server answered without data");
  return body.data;
}

export type LinkState = "connecting" | "live" | "reconnecting";
const linkListeners = new Set<(state: LinkState) => void>();
let linkState: LinkState = "connecting";
function setLinkState(state: LinkState) {
  linkState = state;
  for (const l of linkListeners) l(state);
}
export function onLinkState(listener: (state: LinkState) => void): () => void {
  linkListeners.add(listener);
  listener(linkState);
  return () => linkListeners.delete(listener);
}

let ws: Client | undefined;
function socket(): Client {
  if (ws) return ws;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  ws = createClient({
    url,
    lazy: true,
    // Read at each (re)connect, so a new sign-in is used without reloading.
    connectionParams: () => ({ authorization: `Bearer ${currentToken() ?? ""}` }),
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    on: {
      connected: () => setLinkState("live"),
      closed: () => setLinkState("reconnecting"),
    },
  });
  return ws;
}
onSessionChange(() => {
  void ws?.dispose();
  ws = undefined;
});

/** A live view: calls onData for each result until the returned function is called. */
export function subscribe<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  onData: (data: R) => void,
  onError: (error: ApiError) => void,
): () => void {
  return socket().subscribe<R>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) onError(fromWire(result.errors));
        else if (result.data) onData(result.data as R);
      },
      error: () => onError(unreachable()),
      complete: () => undefined,
    },
  );
}
