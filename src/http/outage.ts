import type { ServerResponse } from "node:http";
import { DatabaseUnavailableError } from "../db/unavailable.ts";

export const RETRY_AFTER_SECONDS = 5;

/**
 * 503 with Retry-After while the database is away. GraphQL clients get the
 * GraphQL shape with code UNAVAILABLE; everyone else one line of text.
 */
export function replyUnavailable(res: ServerResponse, path: string): void {
  const message = new DatabaseUnavailableError().message;
  const graphql = path === "/graphql";
  const body = graphql
    ? JSON.stringify({ errors: [{ message, extensions: { code: "UNAVAILABLE" } }] })
    : `${message}\n`;
  res.writeHead(503, {
    "content-type": graphql ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "retry-after": String(RETRY_AFTER_SECONDS),
  });
  res.end(body);
}
