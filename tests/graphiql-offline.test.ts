import { mkdir } from "node:fs/promises";
import type { Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrowser, type TestBrowser } from "./helpers/browser.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";

// Debian's Chromium against the real server: GraphiQL must come entirely from it (labs are
// offline), so every request to another host is blocked and recorded by the helper.
let server: TestServer;

/** The result editor's text as a person reads it, whitespace folded. */
async function shown(region: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, line breaks included
  return (await region.innerText()).replace(/\s+/g, " ").trim();
}
let browser: TestBrowser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await startBrowser(server.url);
  await mkdir("docs/console", { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("GraphiQL at /graphql", () => {
  it("renders from this server alone, takes the token once and runs a query", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/graphql?query=${encodeURIComponent("{ publicUrl }")}`);
    await page.getByRole("region", { name: "Operation Editor" }).getByText("publicUrl").waitFor();

    // Pasted, as an operator would: typed JSON would meet the editor's auto-closing brackets.
    await page.getByRole("button", { name: "Headers" }).click();
    await page.locator(".graphiql-editor-tool .monaco-editor").last().click();
    await page.keyboard.press("ControlOrMeta+A");
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: server.url,
    });
    await page.evaluate(
      (text) => navigator.clipboard.writeText(text),
      JSON.stringify({ Authorization: `Bearer ${server.token}` }),
    );
    await page.keyboard.press("ControlOrMeta+V");
    // GraphiQL takes an edit of the headers a moment later; it has once it stored them.
    await page.waitForFunction(
      (token) => (localStorage.getItem("graphiql:headers") ?? "").includes(token),
      server.token,
    );
    const execute = page.getByRole("button", { name: "Execute query (Ctrl-Enter)" });
    await execute.click();
    const result = page.getByRole("region", { name: "Result Window" });
    await result.getByText(`"${server.url}"`).waitFor();
    expect(await shown(result)).toBe(`{ "data": { "publicUrl": "${server.url}" } }`);
    await page.screenshot({ path: "docs/console/graphiql.png" });

    // Entered once: after a reload GraphiQL still sends it.
    await page.reload();
    await page.getByRole("region", { name: "Operation Editor" }).getByText("publicUrl").waitFor();
    await execute.click();
    await result.getByText(`"${server.url}"`).waitFor();
    expect(await shown(result)).toBe(`{ "data": { "publicUrl": "${server.url}" } }`);

    expect(browser.foreign).toEqual([]);
    await page.close();
  }, 90_000);

  it("introspects with the stored token: the docs explorer and autocompletion know the schema", async () => {
    const page = await browser.context.newPage();
    // GraphiQL's introspection query is deeper than GRAPHQL_MAX_DEPTH; it must still be answered.
    // As the first test leaves it: the token stored by GraphiQL in this browser (set from a
    // plain page of the origin, so no earlier GraphiQL load is still introspecting).
    await page.goto(`${server.url}/healthz`);
    await page.evaluate(
      (token) =>
        localStorage.setItem(
          "graphiql:headers",
          JSON.stringify({ Authorization: `Bearer ${token}` }),
        ),
      server.token,
    );
    const introspected = page.waitForResponse(
      (r) =>
        r.url() === `${server.url}/graphql` &&
        (r.request().postData() ?? "").includes("query IntrospectionQuery"),
    );
    await page.goto(`${server.url}/graphql?query=${encodeURIComponent("{ publicUrl }")}`);
    const introspection = await introspected;
    expect(introspection.status()).toBe(200);
    const body = (await introspection.json()) as { errors?: unknown; data?: unknown };
    expect(body.errors).toBeUndefined();

    await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    const docs = page.locator(".graphiql-doc-explorer");
    await docs.getByRole("link", { name: "Query", exact: true }).first().click();
    await docs.getByRole("link", { name: "distributors", exact: true }).waitFor();
    // The type of Query.distributor.
    await docs.getByRole("link", { name: "Distributor", exact: true }).first().click();
    await docs
      .locator(".graphiql-doc-explorer-title")
      .getByText("Distributor", { exact: true })
      .waitFor();
    await docs.getByText("The LAN agent of a site: proxy-DHCP + TFTP for PXE").waitFor();
    await page.screenshot({ path: "docs/console/graphiql-docs.png" });

    const editor = page.getByRole("region", { name: "Operation Editor" });
    await editor.locator(".monaco-editor").first().click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Delete");
    await page.keyboard.type("{ distri");
    await page.keyboard.press("Control+Space");
    const suggestions = page.locator(".monaco-editor .suggest-widget .monaco-list-row");
    await suggestions.first().waitFor();
    const labels = (await suggestions.allInnerTexts()).map((t) => t.split(/\s/)[0]);
    expect(labels).toEqual(expect.arrayContaining(["distributor", "distributors"]));

    expect(browser.foreign).toEqual([]);
    await page.close();
  }, 90_000);
});
