import type { IncomingMessage, ServerResponse } from "node:http";
import type { ScriptKind } from "../db/schema.ts";
import { DomainError } from "../domain/errors.ts";
import { parseId } from "../domain/validation.ts";
import type { BootLookups } from "../resolvers/boot-lookups.ts";
import type { Deps } from "../resolvers/deps.ts";
import { parseRegistration, registerLocalnode } from "../resolvers/localnodes.ts";
import { isScriptKind } from "../resolvers/scripts.ts";
import { checkEnrollment } from "../resolvers/sites.ts";
import { getSshKey } from "../resolvers/sshkeys.ts";
import { readBody } from "./body.ts";
import type { Metrics } from "./metrics.ts";
import { createRegistrationLimit } from "./registration-limit.ts";
import { replyJson, replyText } from "./reply.ts";

export type BootRoutes = {
  /**
   * Answers GET /api/<script kind>/<id> synchronously when the text is in
   * memory: the request a boot storm repeats. Returns the route template when
   * it answered, undefined to fall through to the full handler.
   */
  serveCached(req: IncomingMessage, res: ServerResponse): string | undefined;
  /** Answers /api/… requests; returns the route template for metrics. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<string>;
};

const STATUS: Record<DomainError["code"], number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
};

const CACHED_SCRIPT_URL =
  /^\/api\/(mainscripts|subscripts|kickstarts|prebootscripts|postbootscripts)\/([1-9][0-9]{0,8})(?:\?|$)/;

function writeScript(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": body.length,
    // Scripts are edited without rebuilding anything; hosts must always see the current text.
    "cache-control": "no-store",
  });
  res.end(body);
}

const REGISTRATION_FIELDS = new Set(["ip", "artifactId", "pingable", "token"]);

async function registrationInput(
  req: IncomingMessage,
  url: URL,
  limit: number,
): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const body = await readBody(req, limit);
  if (body.length === 0) return fields;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new DomainError("BAD_USER_INPUT", "body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new DomainError("BAD_USER_INPUT", "body must be a JSON object");
    }
    const unknown = Object.keys(parsed).filter((k) => !REGISTRATION_FIELDS.has(k));
    if (unknown.length > 0) throw new DomainError("BAD_USER_INPUT", `unknown field ${unknown[0]}`);
    return { ...fields, ...parsed };
  }
  // wget --post-data and curl -d send form encoding; treat it like the query string.
  if (type === "application/x-www-form-urlencoded" || type === "" || type === undefined) {
    return { ...fields, ...Object.fromEntries(new URLSearchParams(body.toString("utf8"))) };
  }
  throw new DomainError("BAD_USER_INPUT", "body must be JSON or form-encoded");
}

/** The plain-text endpoints booting hosts use; URLs follow the seed so old scripts keep working. */
export function createBootRoutes(deps: Deps, lookups: BootLookups, metrics: Metrics): BootRoutes {
  async function getText(res: ServerResponse, plural: string, rawId: string): Promise<void> {
    const id = parseId(rawId);
    const body = isScriptKind(plural)
      ? await lookups.scriptBody(plural, id)
      : Buffer.from((await getSshKey(deps, id)).text);
    if (body === undefined)
      throw new DomainError("NOT_FOUND", `${plural.slice(0, -1)} ${id} does not exist`);
    writeScript(res, body);
  }

  const registrationLimit = createRegistrationLimit(deps.config.registrationsPerMinute);

  async function register(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const wait = await registrationLimit.take(req.socket.remoteAddress);
    if (wait !== undefined) {
      res.setHeader("retry-after", String(wait));
      // The body is not read: close the connection so its rest is not taken for a request.
      res.setHeader("connection", "close");
      replyText(
        res,
        429,
        `too many registrations from this address (REGISTRATIONS_PER_MINUTE is ${deps.config.registrationsPerMinute}); retry in ${wait} s`,
      );
      return;
    }
    const input = await registrationInput(req, url, deps.config.bodyLimitBytes);
    const registration = parseRegistration(input);
    const token = typeof input.token === "string" ? input.token : undefined;
    checkEnrollment(await lookups.site(registration.artifactId), registration.artifactId, token);
    const node = await registerLocalnode(deps, registration);
    metrics.registrations.inc();
    replyJson(res, 200, node);
  }

  return {
    serveCached(req, res) {
      if (req.method !== "GET") return undefined;
      const match = CACHED_SCRIPT_URL.exec(req.url ?? "");
      if (!match) return undefined;
      const kind = match[1] as ScriptKind;
      const body = lookups.cachedScriptBody(kind, Number(match[2]));
      if (!body) return undefined;
      writeScript(res, body);
      return `/api/${kind}/:id`;
    },
    async handle(req, res, url) {
      const parts = url.pathname.split("/").filter(Boolean); // ["api", plural, id?]
      const plural = parts[1] ?? "";
      try {
        if (parts.length === 3 && (isScriptKind(plural) || plural === "sshkeys")) {
          if (req.method !== "GET" && req.method !== "HEAD") {
            replyText(res, 405, "only GET is allowed here");
            return `/api/${plural}/:id`;
          }
          await getText(res, plural, parts[2] ?? "");
          return `/api/${plural}/:id`;
        }
        if (parts.length === 2 && plural === "localnodes") {
          if (req.method !== "POST") {
            replyText(res, 405, "use POST to register a node; list nodes through GraphQL");
            return "/api/localnodes";
          }
          await register(req, res, url);
          return "/api/localnodes";
        }
        replyText(res, 404, `no such endpoint: ${url.pathname.slice(0, 100)}`);
        return "/api/unknown";
      } catch (error) {
        if (error instanceof DomainError) {
          replyText(res, STATUS[error.code], error.message);
          return parts.length === 3 ? `/api/${plural}/:id` : `/api/${plural}`;
        }
        throw error;
      }
    },
  };
}
