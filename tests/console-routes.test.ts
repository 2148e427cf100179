import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "./helpers/console-build.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  await ensureConsoleBuilt();
  server = await startTestServer({ WORKERS: "false" });
});
afterAll(async () => server?.stop());

describe("the web console's files at /", () => {
  it("serves index.html for its pages, revalidated, with a same-origin CSP", async () => {
    for (const page of ["/", "/nodes", "/distributors/3"]) {
      const res = await fetch(`${server.url}${page}`);
      expect(res.status, page).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toMatch(
        /^default-src 'self'; connect-src 'self';/,
      );
      expect(await res.text()).toMatch(/<div id="app"><\/div>/);
    }
  });

  it("serves hashed assets for a year with their content types, and 304 on a matching ETag", async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    expect(js).toMatch(/^\/assets\/[\w-]+\.js$/);
    expect(css).toMatch(/^\/assets\/[\w-]+\.css$/);
    const script = await fetch(`${server.url}${js}`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const etag = script.headers.get("etag") ?? "";
    const again = await fetch(`${server.url}${js}`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const style = await fetch(`${server.url}${css}`);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers 404 for unknown paths and never leaves its folder", async () => {
    for (const path of [
      "/nothing/here",
      "/assets/missing.js",
      "/%2e%2e/package.json",
      "/..%2f..%2fpackage.json",
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).toMatch(/^no such endpoint: /);
    }
    expect((await fetch(`${server.url}/`, { method: "POST" })).status).toBe(404);
  });
});
