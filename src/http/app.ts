import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CallerAuth } from "../auth/caller-auth.ts";
import { unlessDatabaseDown } from "../db/health.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { createBootLookups } from "../resolvers/boot-lookups.ts";
import type { Deps } from "../resolvers/deps.ts";
import { createHttpBootEvents } from "../resolvers/http-boot-events.ts";
import { scriptKinds } from "../resolvers/scripts.ts";
import { serveArtifact } from "./artifact-routes.ts";
import { PayloadTooLargeError, readBody } from "./body.ts";
import { createBootRoutes } from "./boot-routes.ts";
import { createConsoleRoutes } from "./console-routes.ts";
import { createGraphql } from "./graphql.ts";
import { createMetrics } from "./metrics.ts";
import { replyUnavailable } from "./outage.ts";
import { replyText } from "./reply.ts";
import { requestScope } from "./request-scope.ts";
import { attachWebSocket } from "./websocket.ts";

/** What a booting host fetches from serve (route templates): each fetch is a boot event of kind HTTP. */
const BOOT_RESOURCES = new Set([
  ...scriptKinds.map((kind) => `/api/${kind}/:id`),
  "/artifacts/:kind/:artifactId/:file",
]);

export type App = {
  server: Server;
  /** Listens and resolves with the base URL (port 0 picks a free port). */
  start(port: number, host: string): Promise<string>;
  stop(): Promise<void>;
};

export function buildApp(deps: Deps, auth: CallerAuth): App {
  const metrics = createMetrics();
  const lookups = createBootLookups(deps);
  const boot = createBootRoutes(deps, lookups, metrics);
  const yoga = createGraphql(deps, auth);
  const webConsole = createConsoleRoutes();
  const httpBootEvents = createHttpBootEvents(deps, deps.log);

  async function graphql(req: IncomingMessage, res: ServerResponse, requestId: string) {
    // Yoga's node handler turns the request into a Fetch Request and writes the answer. The
    // body is read here first only to enforce the limit as it streams in (a chunked body has
    // no Content-Length to check); the handler takes an already-read body from `req.body`.
    if (req.method !== "GET" && req.method !== "HEAD")
      (req as IncomingMessage & { body?: Uint8Array }).body = await readBody(
        req,
        deps.config.bodyLimitBytes,
      );
    await yoga.handle(req, res, { requestId });
  }

  // Labelled children are looked up once per label set, not hashed per request.
  const observers = new Map<string, ReturnType<typeof metrics.requests.labels>>();
  function observe(
    route: string,
    req: IncomingMessage,
    res: ServerResponse,
    started: bigint,
  ): void {
    const method = req.method ?? "";
    const key = `${route} ${method} ${res.statusCode}`;
    let child = observers.get(key);
    if (!child) {
      child = metrics.requests.labels({ route, method, status: res.statusCode });
      observers.set(key, child);
    }
    child.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (res.statusCode === 200 && BOOT_RESOURCES.has(route)) {
      const url = req.url ?? "";
      const query = url.indexOf("?");
      httpBootEvents.fetched({
        remoteAddress: req.socket.remoteAddress,
        mac: query < 0 ? null : new URLSearchParams(url.slice(query + 1)).get("mac"),
        method,
        path: query < 0 ? url : url.slice(0, query),
      });
    }
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<string> {
    const url = new URL(req.url ?? "/", "http://provisioner.invalid");
    const path = url.pathname;
    if (path.startsWith("/api/")) return boot.handle(req, res, url);
    if (path === "/graphql") {
      await graphql(req, res, requestId);
      return "/graphql";
    }
    if (path.startsWith("/artifacts/")) {
      await serveArtifact(deps, req, res, path);
      return "/artifacts/:kind/:artifactId/:file";
    }
    if (path === "/healthz") {
      if (await deps.health.check()) replyText(res, 200, "ok");
      else replyUnavailable(res, path);
      return "/healthz";
    }
    if (path === "/metrics") {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(text);
      return "/metrics";
    }
    return webConsole.handle(req, res, path);
  }

  const server = createServer(
    {
      // Slow clients (one header every few seconds) are cut off with 408 instead of holding
      // a socket forever; the check runs every second so the limits hold to the second.
      headersTimeout: deps.config.headersTimeoutMs,
      requestTimeout: deps.config.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      const started = process.hrtime.bigint();
      const cachedRoute = boot.serveCached(req, res);
      if (cachedRoute) {
        observe(cachedRoute, req, res, started);
        return;
      }
      const requestId = randomUUID();
      res.setHeader("x-request-id", requestId);
      // The child logger is made only when something is logged: not on the hot path.
      const scope = {
        requestId,
        get log() {
          return deps.log.child({ requestId });
        },
      };
      requestScope.run(scope, () => {
        const path = req.url?.split("?")[0] ?? "/";
        const handled = route(req, res, requestId);
        // Health and metrics answer for themselves; everything else fails fast while the database is away.
        const guarded =
          path === "/healthz" || path === "/metrics"
            ? handled
            : unlessDatabaseDown(deps.health, handled);
        guarded
          .catch((error: unknown) => {
            if (error instanceof PayloadTooLargeError) {
              // The rest of the body may still be on its way: end the connection, or it is
              // read as the next request and the client waits for an answer that never comes.
              if (!res.headersSent) {
                res.setHeader("connection", "close");
                replyText(res, 413, error.message);
              } else res.destroy();
              return "too-large";
            }
            if (isDatabaseUnavailable(error)) {
              scope.log.warn({ path: path.slice(0, 200) }, "database unavailable; answered 503");
              if (!res.headersSent) replyUnavailable(res, path);
              else res.destroy();
              return "unavailable";
            }
            scope.log.error(
              { err: error, method: req.method, path: req.url?.slice(0, 200) },
              "request failed",
            );
            if (!res.headersSent)
              replyText(
                res,
                500,
                `internal error; quote request id ${requestId} when reporting it`,
              );
            else res.destroy();
            return "error";
          })
          .then((template) => observe(template, req, res, started));
      });
    },
  );
  server.keepAliveTimeout = 65_000;
  const ws = attachWebSocket(server, yoga, auth, deps);

  return {
    server,
    start(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          const { port: actual } = server.address() as AddressInfo;
          const shown = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "localhost" : host;
          resolve(`http://${shown}:${actual}`);
        });
      });
    },
    async stop() {
      lookups.close();
      await httpBootEvents.close();
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
