import { randomUUID } from "node:crypto";
import { GraphQLError } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { OperatorAuth } from "../auth/operator-tokens.ts";
import { DomainError } from "../domain/errors.ts";
import type { Deps } from "../resolvers/deps.ts";
import type { Limits } from "../schema/builder.ts";
import type { Context } from "../schema/context.ts";
import { schema } from "../schema/index.ts";
import { requestScope } from "./request-scope.ts";

/** What the transport hands to Yoga: an HTTP request, or a WebSocket's connection params. */
export type ServerContext = {
  requestId?: string;
  connectionParams?: Readonly<Record<string, unknown>>;
  signal?: AbortSignal;
};

export type GraphqlContext = Context & { limits: Limits };

export function bearerToken(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

const unauthenticatedError = () =>
  new GraphQLError("missing or wrong operator token (Authorization: Bearer <token>)", {
    extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
  });

/** Parse and validation failures are the client's mistake: report them as BAD_USER_INPUT. */
function useBadUserInputCodes(): Plugin {
  const recode = (e: Error) =>
    e instanceof GraphQLError
      ? new GraphQLError(e.message, {
          nodes: e.nodes,
          source: e.source,
          positions: e.positions,
          extensions: { ...e.extensions, code: "BAD_USER_INPUT" },
        })
      : e;
  return {
    onValidate:
      () =>
      ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map(recode));
      },
    onParse:
      () =>
      ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError) replaceParseResult(recode(result));
      },
  };
}

export function createGraphql(
  deps: Deps,
  auth: OperatorAuth,
): YogaServerInstance<ServerContext, GraphqlContext> {
  const limits: Limits = {
    depth: deps.config.graphqlMaxDepth,
    complexity: deps.config.graphqlMaxComplexity,
    breadth: 200,
  };
  return createYoga<ServerContext, GraphqlContext>({
    schema,
    graphqlEndpoint: "/graphql",
    // Node's own fetch classes, so responses can be piped with Readable.fromWeb.
    fetchAPI: {
      Request,
      Response,
      Headers,
      ReadableStream,
      URL,
      URLSearchParams,
      TextEncoder,
      TextDecoder,
      FormData,
      Blob,
      File,
      fetch,
      crypto,
    },
    landingPage: false,
    logging: false,
    graphiql: { title: "Provisioner", subscriptionsProtocol: "WS" },
    context: async ({ request, connectionParams, requestId, signal }) => {
      const token = request
        ? bearerToken(request.headers.get("authorization"))
        : bearerToken(connectionParams?.authorization);
      if (!(await auth.isOperator(token))) throw unauthenticatedError();
      const id = requestId ?? randomUUID();
      return {
        deps,
        requestId: id,
        log: deps.log.child({ requestId: id }),
        signal: signal ?? request?.signal,
        limits,
      };
    },
    plugins: [useBadUserInputCodes()],
    maskedErrors: {
      maskError(error) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        // Errors we raised deliberately as GraphQL errors (auth, limits) already speak to the client.
        if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) {
          return original instanceof GraphQLError ? original : error;
        }
        if (original instanceof DomainError && error instanceof GraphQLError) {
          return new GraphQLError(original.message, {
            nodes: error.nodes,
            path: error.path,
            extensions: { code: original.code },
          });
        }
        const scope = requestScope.getStore();
        (scope?.log ?? deps.log).error({ err: original }, "unexpected error in GraphQL operation");
        return new GraphQLError(
          `internal error; quote request id ${scope?.requestId ?? "unknown"} when reporting it`,
          {
            nodes: error instanceof GraphQLError ? error.nodes : undefined,
            path: error instanceof GraphQLError ? error.path : undefined,
            extensions: { code: "INTERNAL" },
          },
        );
      },
    },
  });
}
