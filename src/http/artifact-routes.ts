import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { and, eq } from "drizzle-orm";
import { BUILD_KINDS, type BuildKind, builds } from "../db/schema.ts";
import type { Deps } from "../resolvers/deps.ts";
import { replyText } from "./reply.ts";

const ARTIFACT_URL =
  /^\/artifacts\/([a-z]+)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([A-Za-z0-9._-]{1,64})$/;

const CONTENT_TYPES: Record<string, string> = {
  iso: "application/x-iso9660-image",
  zip: "application/zip",
  ipxe: "text/plain; charset=utf-8",
};

/**
 * GET/HEAD /artifacts/<kind>/<artifactId>/<file>: a finished build's file with
 * Content-Length and ETag (its sha256). Files are only listed once stored
 * whole, so a partial file is never served.
 */
export async function serveArtifact(
  deps: Deps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD")
    return replyText(res, 405, "only GET and HEAD are allowed here");
  const match = ARTIFACT_URL.exec(path);
  const kind = match?.[1] as BuildKind | undefined;
  if (!match || !kind || !BUILD_KINDS.includes(kind)) {
    return replyText(
      res,
      400,
      "expected /artifacts/<ipxes|grubs|syslinuxs|isos>/<artifactId>/<file>",
    );
  }
  const [row] = await deps.db
    .select()
    .from(builds)
    .where(and(eq(builds.kind, kind), eq(builds.artifactId, match[2] as string)));
  if (!row) return replyText(res, 404, `no ${kind.slice(0, -1)} build ${match[2]}`);
  if (row.status !== "DONE")
    return replyText(res, 404, `build ${row.id} is ${row.status}; its files exist once it is DONE`);
  const file = row.files.find((f) => f.name === match[3]);
  if (!file)
    return replyText(
      res,
      404,
      `build ${row.id} has no file ${match[3]}; it has ${row.files.map((f) => f.name).join(", ")}`,
    );
  const etag = `"${file.sha256}"`;
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, { etag });
    res.end();
    return;
  }
  const stream = req.method === "GET" ? await deps.store.open(file.sha256) : undefined;
  if (req.method === "GET" && !stream) {
    deps.log.error({ buildId: row.id, sha256: file.sha256 }, "artifact missing from the store");
    return replyText(res, 500, `the stored file of build ${row.id} is missing`);
  }
  res.writeHead(200, {
    "content-type": CONTENT_TYPES[file.name.split(".").at(-1) ?? ""] ?? "application/octet-stream",
    "content-length": file.size,
    etag,
    // Content-addressed: the bytes behind this URL never change.
    "cache-control": "public, max-age=31536000, immutable",
    "content-disposition": `attachment; filename="${file.name}"`,
  });
  if (!stream) {
    res.end();
    return;
  }
  try {
    await pipeline(stream, res);
  } catch (error) {
    // A client that goes away mid-download (curl ^C, a host rebooting) is routine, not a fault.
    if (res.destroyed && !res.writableFinished) {
      deps.log.debug(
        { buildId: row.id, file: file.name },
        "artifact download aborted by the client",
      );
      return;
    }
    throw error;
  }
}
