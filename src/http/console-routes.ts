import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { consolePageOf } from "../domain/console-pages.ts";
import { replyText } from "./reply.ts";

/** Where `scripts/setup.sh` (vite build) puts the web console. */
export const CONSOLE_DIST = path.resolve(import.meta.dirname, "../../console/dist");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

// Everything the console needs comes from this server; the API is same-origin (HTTP and WS).
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

type FileInfo = { file: string; size: number; mtime: Date };

async function fileAt(root: string, relative: string): Promise<FileInfo | undefined> {
  const file = path.join(root, relative);
  // path.join normalises "..": anything that lands outside the root is not ours to serve.
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  try {
    const info = await stat(file);
    return info.isFile() ? { file, size: info.size, mtime: info.mtime } : undefined;
  } catch {
    return undefined;
  }
}

function send(req: IncomingMessage, res: ServerResponse, found: FileInfo, cache: string): void {
  const type = CONTENT_TYPES[path.extname(found.file)] ?? "application/octet-stream";
  const etag = `W/"${found.size.toString(16)}-${found.mtime.getTime().toString(16)}"`;
  const headers = { ...SECURITY_HEADERS, "cache-control": cache, etag, "content-type": type };
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, "content-length": found.size });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(found.file).pipe(res);
}

/**
 * The built web console at `/`: hashed assets cached for a year, index.html
 * revalidated every time, and index.html for the console's own pages so a
 * reload on /nodes works.
 */
export function createConsoleRoutes(root: string = CONSOLE_DIST) {
  return {
    async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<string> {
      if (req.method !== "GET" && req.method !== "HEAD") {
        replyText(res, 404, `no such endpoint: ${pathname.slice(0, 100)}`);
        return "unknown";
      }
      let relative: string;
      try {
        relative = decodeURIComponent(pathname);
      } catch {
        replyText(res, 400, "the path is not valid percent-encoding");
        return "console";
      }
      const asset = relative === "/" ? undefined : await fileAt(root, relative);
      if (asset) {
        const hashed = relative.startsWith("/assets/");
        send(req, res, asset, hashed ? "public, max-age=31536000, immutable" : "no-cache");
        return hashed ? "/assets/:file" : "/:file";
      }
      if (consolePageOf(relative) === undefined) {
        replyText(res, 404, `no such endpoint: ${pathname.slice(0, 100)}`);
        return "unknown";
      }
      const index = await fileAt(root, "index.html");
      if (!index) {
        replyText(res, 503, "the web console is not built; run scripts/setup.sh");
        return "/";
      }
      send(req, res, index, "no-cache");
      return "/";
    },
  };
}
