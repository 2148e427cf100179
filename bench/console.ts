/**
 * Issue 11 benchmark: the web console in Debian's headless Chromium against a real server.
 *  - bundle: the built console's JavaScript + CSS, gzipped (what a browser downloads),
 *  - first meaningful render: navigation start → the overview shows the server's counts,
 *    cold (new browser profile each time), median of N; once on an empty database and
 *    once with the N nodes registered,
 *  - 5,000 nodes: click "Nodes" → all 5,000 listed; the longest main-thread task meanwhile;
 *    then live registrations while the page is open: time to appear, and how many list rows
 *    the page re-created for each (0 = the list was not re-rendered).
 * The machine's PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
 * in a fresh database that is dropped afterwards. Only 127.0.0.1 is contacted.
 * Usage: node bench/console.ts [--nodes 5000] [--renders 5] [--live 50]
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import postgres from "postgres";
import { loadConfig } from "../src/config.ts";
import { applyMigrations } from "../src/db/migrate.ts";
import { CONSOLE_DIST } from "../src/http/console-routes.ts";
import { createLogger } from "../src/logger.ts";
import { startServer } from "../src/server.ts";
import { startBrowser } from "../tests/helpers/browser.ts";
import { gqlData } from "../tests/helpers/gql.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const NODES = arg("nodes", 5000);
const RENDERS = arg("renders", 5);
const LIVE = arg("live", 50);
const SITE = "bench.example";
const TOKEN = "bench-token-0123456789";

const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `provisioner_bench_${randomBytes(4).toString("hex")}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
})();
const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (x: number) => Math.round(x * 10) / 10;

/** First meaningful render, cold: a new profile (empty cache) each time, signed in. */
async function firstRenders(url: string) {
  const renders: number[] = [];
  const paints: number[] = [];
  for (let i = 0; i < RENDERS; i++) {
    const browser = await startBrowser(url);
    try {
      const page = await browser.context.newPage();
      await page.addInitScript((token) => {
        sessionStorage.setItem("provisioner.operatorToken", token);
      }, TOKEN);
      await page.goto(`${url}/`, { waitUntil: "commit" });
      const at = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const done = () => document.querySelector('[data-testid="nodes-count"]');
            if (done()) return resolve(performance.now());
            new MutationObserver((_m, observer) => {
              if (done()) {
                observer.disconnect();
                resolve(performance.now());
              }
            }).observe(document, { subtree: true, childList: true });
          }),
      );
      renders.push(at);
      paints.push(
        await page.evaluate(
          () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
        ),
      );
    } finally {
      await browser.close();
    }
  }
  return {
    firstContentfulPaintMs: { median: round(median(paints)), max: round(Math.max(...paints)) },
    firstRenderMs: {
      median: round(median(renders)),
      max: round(Math.max(...renders)),
      runs: renders.map(round),
    },
  };
}

async function bundle() {
  const files = await readdir(path.join(CONSOLE_DIST, "assets"));
  let raw = 0;
  let gzipped = 0;
  for (const f of files.filter((f) => f.endsWith(".js") || f.endsWith(".css"))) {
    const bytes = await readFile(path.join(CONSOLE_DIST, "assets", f));
    raw += bytes.length;
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length, rawKiB: round(raw / 1024), gzipKiB: round(gzipped / 1024) };
}

/** Registers `count` nodes over the plain boot endpoint, 8 at a time. */
async function register(url: string, from: number, count: number) {
  let next = from;
  const end = from + count;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < end) {
        const i = next++;
        const ip = `127.${((i >> 16) & 255) + 1}.${(i >> 8) & 255}.${i & 255}`;
        const res = await fetch(
          `${url}/api/localnodes?ip=${ip}&artifactId=${SITE}&pingable=false`,
          {
            method: "POST",
          },
        );
        if (res.status >= 300) throw new Error(`register ${ip}: ${res.status} ${await res.text()}`);
      }
    }),
  );
}

async function main() {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const dataDir = await mkdtemp(path.join(tmpdir(), "bench-console-"));
  await applyMigrations(dbUrl);
  const server = await startServer(
    loadConfig({
      DATABASE_URL: dbUrl,
      DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: "warn",
      WORKERS: "false",
      // The seeding registers thousands of nodes from one address: not what the limit is for.
      REGISTRATIONS_PER_MINUTE: "1000000",
    }),
    createLogger("warn"),
  );
  const result: Record<string, unknown> = {
    at: new Date().toISOString(),
    loadAverage: (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" "),
    bundle: await bundle(),
  };
  try {
    await gqlData(
      server.url,
      `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: true }) { artifactId } }`,
      {},
      TOKEN,
    );

    Object.assign(result, await firstRenders(server.url));

    const seeded = performance.now();
    await register(server.url, 0, NODES);
    result.seedSeconds = round((performance.now() - seeded) / 1000);
    // The same with the nodes in the database: the overview counts them, it does not list them.
    result.withNodes = await firstRenders(server.url);

    const browser = await startBrowser(server.url);
    try {
      const page = await browser.context.newPage();
      await page.addInitScript((token) => {
        sessionStorage.setItem("provisioner.operatorToken", token);
      }, TOKEN);
      await page.goto(`${server.url}/`);
      await page.getByTestId("nodes-count").waitFor();
      await page.evaluate(() => {
        const w = window as unknown as { longest: number };
        w.longest = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration);
        }).observe({ type: "longtask" });
      });
      const clicked = await page.evaluate(() => performance.now());
      await page
        .getByRole("navigation", { name: "Pages" })
        .getByRole("link", { name: "Nodes" })
        .click();
      // Checked once per frame: both times are when the browser could paint them.
      const [firstRows, listed] = await page.evaluate(
        (want) =>
          new Promise<[number, number]>((resolve) => {
            let first = 0;
            const check = () => {
              if (!first && document.querySelector('[data-node="1"]')) first = performance.now();
              const all =
                document.querySelector('[data-testid="node-count"]')?.textContent ===
                  String(want) && !document.querySelector('[data-testid="nodes-loading"]');
              if (first && all) resolve([first, performance.now()]);
              else requestAnimationFrame(check);
            };
            check();
          }),
        NODES,
      );
      // Render cost alone: from the last API page's arrival to the complete list on screen.
      const lastPage = await page.evaluate(() =>
        Math.max(
          ...performance
            .getEntriesByType("resource")
            .filter((e) => e.name.endsWith("/graphql"))
            .map((e) => (e as PerformanceResourceTiming).responseEnd),
        ),
      );
      const longest = await page.evaluate(() => (window as unknown as { longest: number }).longest);
      const rows = await page.locator(".node-row").count();
      result.nodesPage = {
        nodes: NODES,
        clickToFirstRowsMs: round(firstRows - clicked),
        clickToAllListedMs: round(listed - clicked),
        lastPageToListedMs: round(listed - lastPage),
        longestMainThreadTaskMs: round(longest),
        rowsInDom: rows,
      };

      // Live additions: count rows (li) the page creates or removes per registration.
      await page.evaluate(() => {
        const w = window as unknown as { rowChanges: number };
        w.rowChanges = 0;
        new MutationObserver((records) => {
          for (const r of records)
            for (const n of [...r.addedNodes, ...r.removedNodes])
              if (n instanceof HTMLElement && n.matches("li.node-row")) w.rowChanges++;
        }).observe(document.querySelector(".virtual") as Node, { subtree: true, childList: true });
      });
      const latencies: number[] = [];
      for (let i = 0; i < LIVE; i++) {
        const want = String(NODES + i + 1);
        const sent = performance.now();
        await register(server.url, NODES + i, 1);
        await page
          .getByTestId("node-count")
          .filter({ hasText: new RegExp(`^${want}$`) })
          .waitFor();
        latencies.push(performance.now() - sent);
      }
      const rowChanges = await page.evaluate(
        () => (window as unknown as { rowChanges: number }).rowChanges,
      );
      result.liveAdditions = {
        count: LIVE,
        registerToShownMs: { median: round(median(latencies)), max: round(Math.max(...latencies)) },
        rowsRecreated: rowChanges,
      };
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    await rm(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
