import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export type TestBrowser = {
  context: BrowserContext;
  /** Every URL the pages asked for that was not on the allowed origin (blocked, not sent). */
  foreign: string[];
  close(): Promise<void>;
};

/**
 * Debian's headless Chromium in a new, empty profile. Every request to another
 * origin than `allowedOrigin` is refused and recorded, so a test can prove a
 * page needs nothing from the internet (and nothing leaves the machine).
 */
export async function startBrowser(
  allowedOrigin: string,
  viewport = { width: 1280, height: 800 },
  /** Another way to start Debian's Chromium, e.g. inside a lab's network namespace. */
  executablePath = CHROMIUM,
): Promise<TestBrowser> {
  const profile = await mkdtemp(path.join(tmpdir(), "console-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport,
    acceptDownloads: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const foreign: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${allowedOrigin}/`) || url.startsWith("data:") || url.startsWith("blob:"))
      return route.continue();
    foreign.push(url);
    return route.abort("blockedbyclient");
  });
  return {
    context,
    foreign,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
