import { randomUUID } from "node:crypto";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { GraphQLError } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { CallerAuth } from "../auth/caller-auth.ts";
import { DatabaseUnavailableError, isDatabaseUnavailable } from "../db/unavailable.ts";
import { DomainError } from "../domain/errors.ts";
import type { Deps } from "../resolvers/deps.ts";
import type { Limits } from "../schema/builder.ts";
import type { Context, Principal } from "../schema/context.ts";
import { schema } from "../schema/index.ts";
import { useAccessGate } from "./access-gate.ts";
import {
  bearerToken,
  unauthenticatedError,
  useAuthenticateFirst,
  useContractErrorCodes,
  useDocumentLimits,
  useReadableBodies,
} from "./graphql-guards.ts";
import { useIntrospectionShape } from "./introspection-shape.ts";
import { RETRY_AFTER_SECONDS } from "./outage.ts";
import { requestScope } from "./request-scope.ts";

/** What the transport hands to Yoga: an HTTP request, or a WebSocket's connection params. */
export type ServerContext = {
  requestId?: string;
  connectionParams?: Readonly<Record<string, unknown>>;
  signal?: AbortSignal;
};

export type GraphqlContext = Context & { limits: Limits };

const unavailableError = () =>
  new GraphQLError(new DatabaseUnavailableError().message, {
    extensions: {
      code: "UNAVAILABLE",
      http: { status: 503, headers: { "retry-after": String(RETRY_AFTER_SECONDS) } },
    },
  });

// Checked by name, not instanceof: a test runner may load graphql's ESM and CJS builds side by side.
const isGraphQLError = (e: unknown): e is GraphQLError =>
  e instanceof Error && e.name === "GraphQLError";

function rootCause(error: unknown): unknown {
  let current = error;
  while (isGraphQLError(current) && current.originalError) current = current.originalError;
  return current;
}

/** Parse and validation failures are the client's mistake: report them as BAD_USER_INPUT. */
function useBadUserInputCodes(): Plugin {
  // Yoga tags these GRAPHQL_VALIDATION_FAILED / GRAPHQL_PARSE_FAILED in place; ours is the API's code.
  const recode = (error: unknown) => {
    if (isGraphQLError(error))
      (error.extensions as Record<string, unknown>).code = "BAD_USER_INPUT";
  };
  return {
    onValidate:
      () =>
      ({ valid, result }) => {
        if (!valid) result.forEach(recode);
      },
    onParse:
      () =>
      ({ result }) => {
        recode(result);
      },
  };
}

export function createGraphql(
  deps: Deps,
  auth: CallerAuth,
): YogaServerInstance<ServerContext, GraphqlContext> {
  const limits: Limits = {
    depth: deps.config.graphqlMaxDepth + 1,
    complexity: deps.config.graphqlMaxComplexity,
    breadth: 200,
  };
  const principals = new WeakMap<Request, Principal>();
  return createYoga<ServerContext, GraphqlContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    logging: false,
    // Bundled GraphiQL (no CDN): labs are often offline. The token is typed once into the
    // headers editor and kept by GraphiQL in this browser's storage.
    graphiql: {
      title: "Provisioner",
      subscriptionsProtocol: "WS",
      shouldPersistHeaders: true,
      defaultHeaders: JSON.stringify({ Authorization: "Bearer <operator token>" }),
    },
    renderGraphiQL,
    context: async ({ request, connectionParams, requestId, signal }) => {
      if (!deps.health.available()) throw unavailableError();
      const principal =
        (request && principals.get(request)) ??
        (await auth.principalOf(
          request
            ? bearerToken(request.headers.get("authorization"))
            : bearerToken(connectionParams?.authorization),
        ));
      if (!principal) throw unauthenticatedError();
      const id = requestId ?? randomUUID();
      return {
        deps,
        principal,
        requestId: id,
        log: deps.log.child({ requestId: id }),
        signal: signal ?? request?.signal,
        limits,
      };
    },
    plugins: [
      useReadableBodies(),
      useAuthenticateFirst(auth, principals, () =>
        deps.health.available() ? undefined : unavailableError(),
      ),
      useDocumentLimits(deps.config.graphqlMaxTokens),
      // Validation rules, so they refuse before anything executes. GraphiQL's introspection
      // query is deeper than the limit: __schema is bounded by its shape instead (and
      // graphql-js's MaxIntrospectionDepthRule); __type stays under the depth limit too.
      useIntrospectionShape(),
      maxDepthPlugin({
        n: deps.config.graphqlMaxDepth,
        ignoreIntrospection: true,
        flattenFragments: true,
        exposeLimits: true,
        // Reported as a validation error (BAD_USER_INPUT) instead of thrown out of validation.
        propagateOnRejection: false,
        onReject: [
          (context, error) =>
            context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ""))),
        ],
      }),
      useBadUserInputCodes(),
      useAccessGate(),
      useContractErrorCodes(),
    ],
    maskedErrors: {
      maskError(error) {
        const original = rootCause(error);
        if (original instanceof DomainError) {
          const at = error as Partial<GraphQLError>;
          return new GraphQLError(original.message, {
            nodes: at.nodes,
            path: at.path,
            extensions: { code: original.code },
          });
        }
        // Errors raised deliberately as GraphQL errors (auth, limits, validation) already speak to the client.
        if (isGraphQLError(original)) return original;
        if (isDatabaseUnavailable(original)) {
          const at = isGraphQLError(error) ? error : undefined;
          requestScope.getStore()?.log.warn("database unavailable during a GraphQL operation");
          return new GraphQLError(new DatabaseUnavailableError().message, {
            nodes: at?.nodes,
            path: at?.path,
            extensions: {
              code: "UNAVAILABLE",
              http: { status: 503, headers: { "retry-after": String(RETRY_AFTER_SECONDS) } },
            },
          });
        }
        const scope = requestScope.getStore();
        (scope?.log ?? deps.log).error({ err: original }, "unexpected error in GraphQL operation");
        const at = isGraphQLError(error) ? error : undefined;
        return new GraphQLError(
          `internal error; quote request id ${scope?.requestId ?? "unknown"} when reporting it`,
          { nodes: at?.nodes, path: at?.path, extensions: { code: "INTERNAL" } },
        );
      },
    },
  });
}
