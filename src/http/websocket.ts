import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { ExecutionArgs, GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { CallerAuth } from "../auth/caller-auth.ts";
import type { Deps } from "../resolvers/deps.ts";
import type { Context } from "../schema/context.ts";
import type { createGraphql } from "./graphql.ts";
import { bearerToken } from "./graphql-guards.ts";
import { requestScope } from "./request-scope.ts";
import { sharedStreamKey } from "./shareable-subscription.ts";
import { createSubscriptionSharing } from "./shared-subscriptions.ts";

type Enveloped = ReturnType<ReturnType<typeof createGraphql>["getEnveloped"]>;
type RootValue = { execute: Enveloped["execute"]; subscribe: Enveloped["subscribe"] };

/**
 * graphql-ws on the same port and path as HTTP GraphQL, running every
 * operation through Yoga's envelope so plugins, context and auth are shared.
 */
export function attachWebSocket(
  server: Server,
  yoga: ReturnType<typeof createGraphql>,
  auth: CallerAuth,
  deps: Deps,
): { close(): Promise<void> } {
  const wss = new WebSocketServer({
    server,
    path: "/graphql",
    maxPayload: deps.config.bodyLimitBytes,
  });
  // One AbortController per subscription: a generator waiting for its next event
  // only ends (and cleans up) when its signal fires, not on return() alone.
  const running = new WeakMap<object, Map<string, AbortController>>();
  const controllersOf = (ctx: object) => {
    let map = running.get(ctx);
    if (!map) {
      map = new Map();
      running.set(ctx, map);
    }
    return map;
  };
  const abortAll = (ctx: object) => {
    for (const controller of controllersOf(ctx).values()) controller.abort();
    running.delete(ctx);
  };
  const sharing = createSubscriptionSharing();
  const disposable = useServer(
    {
      onComplete: (ctx, id) => {
        controllersOf(ctx).get(id)?.abort();
        controllersOf(ctx).delete(id);
      },
      onClose: (ctx) => abortAll(ctx),
      // Refusing here closes the socket with 4403 before any operation runs.
      onConnect: async (ctx) =>
        (await auth.principalOf(bearerToken(ctx.connectionParams?.authorization))) !== undefined,
      execute: (args: ExecutionArgs) => (args.rootValue as RootValue).execute(args),
      subscribe: (args: ExecutionArgs) => {
        const { subscribe } = args.rootValue as RootValue;
        const key = sharedStreamKey(args);
        if (!key) return subscribe(args);
        const context = args.contextValue as Context;
        return sharing.subscribe(key, async (signal) =>
          subscribe({ ...args, contextValue: { ...context, signal } }),
        );
      },
      onSubscribe: async (ctx, id, payload) => {
        const requestId = randomUUID();
        const controller = new AbortController();
        if (!running.has(ctx)) {
          // graphql-ws calls onClose only after every subscription's return() settled,
          // which a generator waiting for its next event never does: abort on the
          // socket's own close instead.
          ctx.extra.socket.once("close", () => abortAll(ctx));
        }
        controllersOf(ctx).set(id, controller);
        const log = deps.log.child({ requestId });
        return requestScope.run({ requestId, log }, async () => {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped(
            {
              connectionParams: ctx.connectionParams,
              requestId,
              params: payload,
            },
          );
          try {
            const document = parse(payload.query);
            const errors = validate(schema, document);
            if (errors.length > 0) return errors;
            const args: ExecutionArgs = {
              schema,
              document,
              operationName: payload.operationName,
              variableValues: payload.variables,
              // Set here: Yoga does not hand the initial context's signal to our context function.
              contextValue: { ...(await contextFactory()), signal: controller.signal },
              rootValue: { execute, subscribe } satisfies RootValue,
            };
            return args;
          } catch (error) {
            // graphql-ws would print anything thrown here with console.error and close the
            // socket as an internal error; a refused document or token is the client's to fix.
            if (!(error instanceof Error) || error.name !== "GraphQLError") throw error;
            const refused = error as GraphQLError;
            if (refused.extensions?.code === "UNAUTHENTICATED")
              // Its token was revoked or replaced since it connected: as if it connected now.
              ctx.extra.socket.close(4403, "Forbidden");
            return [refused];
          }
        });
      },
    },
    wss,
  );
  return {
    async close() {
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
    },
  };
}
