import { isUtf8 } from "node:buffer";
import { GraphQLError, Lexer, parse, Source, TokenKind } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { CallerAuth } from "../auth/caller-auth.ts";
import type { Principal } from "../schema/context.ts";

/** The codes of the public contract (API.md); nothing else reaches a client. */
const CONTRACT_CODES = new Set([
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "CONFLICT",
  "UNAVAILABLE",
  "RATE_LIMITED",
  "INTERNAL",
]);

export function bearerToken(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

export const unauthenticatedError = () =>
  new GraphQLError(
    "missing or wrong operator token (Authorization: Bearer <token>; a distributor sends its own)",
    { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } },
  );

const badRequest = (message: string) =>
  new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });

/**
 * Authenticates HTTP requests before their document is parsed or validated, so a caller
 * without a token learns nothing about the schema ("Did you mean …"). The principal is
 * kept for the context factory, which then needs no second lookup.
 */
export function useAuthenticateFirst(
  auth: CallerAuth,
  principals: WeakMap<Request, Principal>,
  /** A refusal that comes before authentication (the database is away), if any. */
  unavailable: () => GraphQLError | undefined,
): Plugin {
  return {
    async onParams({ request, setResult }) {
      const refusal = unavailable();
      if (refusal) {
        setResult({ errors: [refusal] });
        return;
      }
      const principal = await auth.principalOf(bearerToken(request.headers.get("authorization")));
      if (principal) principals.set(request, principal);
      else setResult({ errors: [unauthenticatedError()] });
    },
  };
}

/** Brackets, braces and parentheses inside each other; real operations use a handful. */
export const MAX_NESTING = 64;
const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * graphql-js parses recursively: a document nested a few thousand levels deep overflows
 * the stack (an INTERNAL error with a stack at error level) before any depth rule runs.
 * Its lexer is a loop, so one lexing pass counts tokens and nesting first.
 */
function checkDocumentSize(source: string | Source, maxTokens: number): void {
  const lexer = new Lexer(typeof source === "string" ? new Source(source) : source);
  let tokens = 0;
  let depth = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    if (++tokens > maxTokens)
      throw badRequest(
        `the document has more than ${maxTokens} tokens (GRAPHQL_MAX_TOKENS); send a smaller query`,
      );
    if (OPENING.has(token.kind) && ++depth > MAX_NESTING)
      throw badRequest(
        `the document nests brackets more than ${MAX_NESTING} deep; send a flatter query`,
      );
    if (CLOSING.has(token.kind)) depth--;
  }
}

export function useDocumentLimits(maxTokens: number): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        // Lexing errors (an unterminated string) are left to the parser, which reports them.
        try {
          checkDocumentSize(source, maxTokens);
        } catch (error) {
          if (error instanceof GraphQLError && error.extensions.code === "BAD_USER_INPUT")
            throw error;
        }
        return parse(source, options);
      });
    },
  };
}

/**
 * Answers what Yoga itself would refuse without a word: bodies other than JSON (a bare
 * 415) and bytes that are not UTF-8 (decoded with U+FFFD and stored as such).
 */
export function useReadableBodies(): Plugin {
  return {
    async onRequestParse({ request, endResponse, fetchAPI }) {
      if (request.method !== "POST") return;
      const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      const refuse = (message: string) =>
        endResponse(
          fetchAPI.Response.json(
            { errors: [{ message, extensions: { code: "BAD_USER_INPUT" } }] },
            { status: 400 },
          ),
        );
      if (type !== "application/json" && type !== "application/graphql-response+json") {
        refuse(
          `POST /graphql needs Content-Type: application/json (got ${JSON.stringify(type?.slice(0, 60) ?? "")})`,
        );
        return;
      }
      const body = new Uint8Array(await request.clone().arrayBuffer());
      if (!isUtf8(body)) refuse("the request body is not valid UTF-8; send text as UTF-8");
    },
  };
}

type ErrorLike = { message: string; extensions?: Record<string, unknown> };

function toContract(error: ErrorLike): void {
  const extensions = error.extensions;
  if (!extensions) return;
  const code = extensions.code;
  const http = extensions.http as { status?: number; spec?: boolean } | undefined;
  if (typeof code !== "string" || !CONTRACT_CODES.has(code)) {
    // Yoga's own request errors (BAD_REQUEST, OPERATION_RESOLUTION_FAILURE, parse and
    // validation failures) are all the client's to fix.
    extensions.code = (http?.status ?? 400) >= 500 ? "INTERNAL" : "BAD_USER_INPUT";
    if (code === "OPERATION_RESOLUTION_FAILURE")
      error.message = `${error.message} Set operationName to one of the operations in the document.`;
  }
  // Yoga marks request, parse and validation errors "spec" and then answers them 200 to
  // application/json clients; a refused request is a 400 whatever the client accepts.
  if (http?.spec) extensions.http = { ...http, spec: false };
  if (extensions.code === "FORBIDDEN") extensions.http = { ...http, spec: false, status: 403 };
}

/** Every error a client sees carries a code from the contract, and FORBIDDEN is a 403. */
export function useContractErrorCodes(): Plugin {
  return {
    onResultProcess({ result }) {
      for (const one of Array.isArray(result) ? result : [result]) {
        if (Symbol.asyncIterator in one) continue;
        for (const error of one.errors ?? []) toContract(error as ErrorLike);
      }
    },
  };
}
