import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";

export class CliError extends Error {
  override name = "CliError";
}

export type GlobalOptions = { server?: string; token?: string; json?: boolean };

/** --token, then PROVISIONER_TOKEN, then the token `serve` wrote into the local data directory. */
export function resolveToken(options: GlobalOptions): string | undefined {
  if (options.token) return options.token;
  if (process.env.PROVISIONER_TOKEN) return process.env.PROVISIONER_TOKEN;
  const file = path.resolve(process.env.DATA_DIR ?? "./data", "admin-token");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

export function resolveServer(options: GlobalOptions): string {
  return (options.server ?? process.env.PROVISIONER_SERVER ?? "http://localhost:8080").replace(
    /\/+$/,
    "",
  );
}

type GqlResponse<R> = {
  data?: R | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

/** A small typed GraphQL client over fetch; documents come from the codegen'd operations. */
export class ApiClient {
  readonly server: string;
  readonly token: string | undefined;

  constructor(options: GlobalOptions) {
    this.server = resolveServer(options);
    this.token = resolveToken(options);
  }

  async request<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.server}/graphql`, {
        method: "POST",
        headers,
        body: JSON.stringify({ query: print(document), variables }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach ${this.server}: ${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as GqlResponse<R>;
    const first = body.errors?.[0];
    if (first) {
      if (first.extensions?.code === "UNAUTHENTICATED") {
        throw new CliError(`${first.message}; pass --token or set PROVISIONER_TOKEN`);
      }
      throw new CliError(`${first.extensions?.code ?? "ERROR"}: ${first.message}`);
    }
    if (!body.data)
      throw new CliError(`unexpected answer from ${this.server} (HTTP ${response.status})`);
    return body.data;
  }
}
