import { eq } from "drizzle-orm";
import { type ScriptKind, type SiteRow, scriptTables } from "../db/schema.ts";
import type { Deps } from "./deps.ts";
import { InvalidatedCache } from "./invalidated-cache.ts";
import { SCRIPT_CHANGED, type ScriptChanged } from "./scripts.ts";
import { findSite, SITE_CHANGED, type SiteChanged } from "./sites.ts";

export type BootLookups = {
  /** UTF-8 bytes, encoded once per change rather than once per request. */
  scriptBody(kind: ScriptKind, id: number): Promise<Buffer | undefined>;
  cachedScriptBody(kind: ScriptKind, id: number): Buffer | undefined;
  site(artifactId: string): Promise<SiteRow | undefined>;
  close(): void;
};

/**
 * The reads a boot storm repeats thousands of times (script texts, a site's
 * enrollment rule), served from memory and invalidated through the bus.
 */
export function createBootLookups(deps: Pick<Deps, "db" | "bus">): BootLookups {
  const scripts = new InvalidatedCache<Buffer>(deps.bus, SCRIPT_CHANGED, (e) => {
    const { kind, id } = e as ScriptChanged;
    return `${kind}/${id}`;
  });
  const sites = new InvalidatedCache<SiteRow>(
    deps.bus,
    SITE_CHANGED,
    (e) => (e as SiteChanged).artifactId,
  );
  return {
    scriptBody: (kind, id) =>
      scripts.get(`${kind}/${id}`, async () => {
        const table = scriptTables[kind];
        const [row] = await deps.db
          .select({ text: table.text })
          .from(table)
          .where(eq(table.id, id));
        return row ? Buffer.from(row.text) : undefined;
      }),
    cachedScriptBody: (kind, id) => scripts.peek(`${kind}/${id}`),
    site: (artifactId) => sites.get(artifactId, () => findSite(deps, artifactId)),
    close() {
      scripts.close();
      sites.close();
    },
  };
}
