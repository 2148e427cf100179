import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { ExecutionArgs } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { OperatorAuth } from "../auth/operator-tokens.ts";
import type { Deps } from "../resolvers/deps.ts";
import type { createGraphql } from "./graphql.ts";
import { bearerToken } from "./graphql.ts";
import { requestScope } from "./request-scope.ts";

type Enveloped = ReturnType<ReturnType<typeof createGraphql>["getEnveloped"]>;
type RootValue = { execute: Enveloped["execute"]; subscribe: Enveloped["subscribe"] };

/**
 * graphql-ws on the same port and path as HTTP GraphQL, running every
 * operation through Yoga's envelope so plugins, context and auth are shared.
 */
export function attachWebSocket(
  server: Server,
  yoga: ReturnType<typeof createGraphql>,
  auth: OperatorAuth,
  deps: Deps,
): { close(): Promise<void> } {
  const wss = new WebSocketServer({
    server,
    path: "/graphql",
    maxPayload: deps.config.bodyLimitBytes,
  });
  const disposable = useServer(
    {
      // Refusing here closes the socket with 4403 before any operation runs.
      onConnect: async (ctx) => auth.isOperator(bearerToken(ctx.connectionParams?.authorization)),
      execute: (args: ExecutionArgs) => (args.rootValue as RootValue).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as RootValue).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const requestId = randomUUID();
        const log = deps.log.child({ requestId });
        return requestScope.run({ requestId, log }, async () => {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped(
            {
              connectionParams: ctx.connectionParams,
              requestId,
              params: payload,
            },
          );
          const document = parse(payload.query);
          const errors = validate(schema, document);
          if (errors.length > 0) return errors;
          const args: ExecutionArgs = {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe } satisfies RootValue,
          };
          return args;
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
