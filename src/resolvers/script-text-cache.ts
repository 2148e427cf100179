import { eq } from "drizzle-orm";
import { type ScriptKind, scriptTables } from "../db/schema.ts";
import type { EventBus } from "../events/bus.ts";
import type { Deps } from "./deps.ts";
import { SCRIPT_CHANGED, type ScriptChanged } from "./scripts.ts";

const MAX_ENTRIES = 10_000;

/**
 * Boot storms fetch the same few scripts thousands of times. Texts are kept
 * in memory and dropped when any replica announces a change through the bus.
 */
export class ScriptTextCache {
  private readonly entries = new Map<string, string>();
  // Bumped on every invalidation, so a read that raced with a change is not cached.
  private readonly generations = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private readonly deps: Pick<Deps, "db">;

  constructor(deps: Pick<Deps, "db">, bus: EventBus) {
    this.deps = deps;
    this.unsubscribe = bus.onLocal(SCRIPT_CHANGED, (data) => {
      const { kind, id } = data as ScriptChanged;
      this.invalidate(kind, id);
    });
  }

  async get(kind: ScriptKind, id: number): Promise<string | null> {
    const key = `${kind}/${id}`;
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    const generation = this.generations.get(key) ?? 0;
    const table = scriptTables[kind];
    const [row] = await this.deps.db
      .select({ text: table.text })
      .from(table)
      .where(eq(table.id, id));
    if (!row) return null;
    if ((this.generations.get(key) ?? 0) === generation) this.remember(key, row.text);
    return row.text;
  }

  invalidate(kind: ScriptKind, id: number): void {
    const key = `${kind}/${id}`;
    this.entries.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }

  close(): void {
    this.unsubscribe();
  }

  private remember(key: string, text: string): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, text);
  }
}
