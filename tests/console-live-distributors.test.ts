import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrowser, type TestBrowser } from "./helpers/browser.ts";
import { binPath } from "./helpers/cli.ts";
import { ensureConsoleBuilt } from "./helpers/console-build.ts";
import { gqlData } from "./helpers/gql.ts";
import { freePort, type ProcessHandle, serveReplica } from "./helpers/serve-process.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.ts";

// Two `serve` replicas on one database: the browser's console talks to B only, the real
// distributor agent connects to A. What the agent does on A must show on B's console
// within LIVE_MS, with no reload and no re-reading of the list: the changes travel
// through the event bus (LISTEN/NOTIFY) and the distributorChanged subscription.
const SITE = "live.example";
const LIVE_MS = 2_000;
const token = `test-${randomBytes(16).toString("hex")}`;

let database: TestDatabase;
let dir: string;
let a: ProcessHandle & { url: string };
let b: ProcessHandle & { url: string };
let browser: TestBrowser;
let page: Page;
let agent: ResultPromise | undefined;
let agentLog = "";
let distributorToken = "";
let distributorId = "";
/** Every time the console read the distributors list (it should, once). */
const listReads: string[] = [];

const gql = <T>(url: string, query: string, bearer = token) => gqlData<T>(url, query, {}, bearer);

/** Waits for the text on the distributor's card and says how long it took from `since`. */
async function seenWithin(text: string | RegExp, since: number): Promise<number> {
  const card = page.getByRole("listitem").filter({ hasText: "rack-live" });
  const shown =
    typeof text === "string" ? card.getByText(text, { exact: true }) : card.getByText(text);
  await shown.waitFor({ timeout: 10_000 });
  return Date.now() - since;
}

beforeAll(async () => {
  await ensureConsoleBuilt();
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "console-live-"));
  await chmod(dir, 0o755);
  a = serveReplica(database.url, path.join(dir, "a"), await freePort(), token);
  b = serveReplica(database.url, path.join(dir, "b"), await freePort(), token, {
    WORKERS: "false",
  });
  await Promise.all([a.start(), b.start()]);
  const created = await gql<{
    createDistributorToken: { token: string; distributor: { id: string } };
  }>(
    a.url,
    `mutation { createDistributorToken(input: { artifactId: "${SITE}", name: "rack-live" }) { token distributor { id } } }`,
  );
  distributorToken = created.createDistributorToken.token;
  distributorId = created.createDistributorToken.distributor.id;

  browser = await startBrowser(b.url);
  page = await browser.context.newPage();
  page.on("request", (r) => {
    if (r.method() === "POST" && (r.postData() ?? "").includes("query ConsoleDistributors("))
      listReads.push(r.url());
  });
  await page.goto(`${b.url}/`);
  await page.getByLabel("Operator token").fill(token);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  await page
    .getByRole("navigation", { name: "Pages" })
    .getByRole("link", { name: "Distributors" })
    .click();
  await page.getByRole("heading", { level: 1, name: "Distributors" }).waitFor();
  await page.getByRole("listitem").filter({ hasText: "rack-live" }).getByText("offline").waitFor();
  // The subscription is open once the header says so.
  await page.getByText("live", { exact: true }).first().waitFor();
}, 180_000);

afterAll(async () => {
  agent?.kill("SIGKILL");
  await agent?.catch(() => undefined);
  await browser?.close();
  await Promise.all([a?.kill(), b?.kill()]);
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("distributors on the console are live across replicas", { timeout: 90_000 }, () => {
  it("shows the agent online within 2 s of it registering on the other replica", async () => {
    agent = execa(
      process.execPath,
      [
        binPath,
        "distributor",
        "--server",
        a.url,
        "--token",
        distributorToken,
        "--data-dir",
        path.join(dir, "agent"),
      ],
      { env: { LOG_LEVEL: "info" }, reject: false, all: true },
    );
    const registered = new Promise<number>((resolve) => {
      agent?.all?.on("data", (chunk: Buffer) => {
        agentLog = (agentLog + chunk.toString()).slice(-8000);
        if (agentLog.includes("registered")) resolve(Date.now());
      });
    });
    const online = page
      .getByRole("listitem")
      .filter({ hasText: "rack-live" })
      .getByText("online", { exact: true })
      .waitFor({ timeout: 60_000 })
      .then(() => Date.now());
    const [at, shown] = await Promise.all([registered, online]).catch((e: unknown) => {
      throw new Error(`${e}\nagent log:\n${agentLog}`);
    });
    expect(shown - at).toBeLessThanOrEqual(LIVE_MS);
  });

  it("shows a configuration change made through A within 2 s", async () => {
    const changed = Date.now();
    await gql(
      a.url,
      `mutation { updateDistributor(input: { id: "${distributorId}", device: "lan7" }) { id } }`,
    );
    expect(await seenWithin(/· lan7 ·/, changed)).toBeLessThanOrEqual(LIVE_MS);
  });

  it("shows it offline within 2 s of the agent dying, without reloading the list", async () => {
    const killed = Date.now();
    agent?.kill("SIGKILL");
    await agent?.catch(() => undefined);
    agent = undefined;
    expect(await seenWithin("offline", killed)).toBeLessThanOrEqual(LIVE_MS);
  });

  it("shows a configuration error the agent reports within 2 s", async () => {
    const reported = Date.now();
    // The agent's own mutation when its dnsmasq cannot start, sent to A with its token.
    await gql(
      a.url,
      `mutation { reportConfigError(input: { message: "interface lan7 does not exist" }) { id } }`,
      distributorToken,
    );
    expect(await seenWithin(/interface lan7 does not exist/, reported)).toBeLessThanOrEqual(
      LIVE_MS,
    );
    // All of it arrived live: the list was read once, when the page opened.
    expect(listReads).toEqual([`${b.url}/graphql`]);
  });
});
