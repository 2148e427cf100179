import type { EventBus } from "../events/bus.ts";

const MAX_ENTRIES = 10_000;

/**
 * Keeps values read on hot paths (boot scripts, site rules) in memory and
 * drops an entry when any replica announces a change to it through the bus.
 * A read that raced with a change is not kept (per-key generation check).
 * Missing rows are never cached, so a record created later is seen at once.
 */
export class InvalidatedCache<T> {
  private readonly entries = new Map<string, T>();
  private readonly generations = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(bus: EventBus, topic: string, keyOf: (event: unknown) => string) {
    this.unsubscribe = bus.onLocal(topic, (event) => this.invalidate(keyOf(event)));
  }

  /** The cached value without loading: lets a hot path answer without awaiting. */
  peek(key: string): T | undefined {
    return this.entries.get(key);
  }

  async get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    const generation = this.generations.get(key) ?? 0;
    const value = await load();
    if (value !== undefined && (this.generations.get(key) ?? 0) === generation)
      this.remember(key, value);
    return value;
  }

  invalidate(key: string): void {
    this.entries.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }

  close(): void {
    this.unsubscribe();
    this.entries.clear();
  }

  private remember(key: string, value: T): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, value);
  }
}
