import { randomUUID } from "node:crypto";

export type PingWork = { localnodeId: number; ip: string };
export type RunWork = {
  scriptRunId: number;
  ip: string;
  user: string;
  script: string;
  /** Held in this process's memory only, for as long as the work is undelivered. */
  privateKey: string;
  hostKey: string | null;
};
export type Work =
  | { id: string; kind: "CONFIG" }
  | { id: string; kind: "PING"; ping: PingWork }
  | { id: string; kind: "RUN_SCRIPT"; run: RunWork };
export type NewWork =
  | { kind: "CONFIG" }
  | { kind: "PING"; ping: PingWork }
  | { kind: "RUN_SCRIPT"; run: RunWork };

const MAX_QUEUED = 100;

/**
 * Work for connected distributors. Work for a distributor that is not
 * connected waits here (bounded) until it subscribes again. Everything is in
 * memory on purpose: RUN_SCRIPT carries the operator's private key, which must
 * never be written anywhere.
 */
export class WorkHub {
  private readonly queues = new Map<number, Work[]>();
  private readonly wakers = new Map<number, Set<() => void>>();
  private readonly replies = new Map<string, (value: unknown) => void>();
  // The newest stream of a distributor wins: a reconnect supersedes a connection
  // that died without closing, which would otherwise swallow work.
  private readonly newest = new Map<number, symbol>();

  push(distributorId: number, work: NewWork): Work {
    const item = { ...work, id: randomUUID() } as Work;
    const queue = this.queues.get(distributorId) ?? [];
    // A newer CONFIG makes an older undelivered one pointless.
    const kept = item.kind === "CONFIG" ? queue.filter((w) => w.kind !== "CONFIG") : queue;
    kept.push(item);
    if (kept.length > MAX_QUEUED) kept.shift();
    this.queues.set(distributorId, kept);
    for (const wake of this.wakers.get(distributorId) ?? []) wake();
    return item;
  }

  /** The distributor's work stream: queued items first, then new ones as they come. */
  async *stream(distributorId: number, signal?: AbortSignal): AsyncGenerator<Work> {
    const me = Symbol("stream");
    this.newest.set(distributorId, me);
    for (const wake of this.wakers.get(distributorId) ?? []) wake();
    const wakers = this.wakers.get(distributorId) ?? new Set();
    this.wakers.set(distributorId, wakers);
    let wake: () => void = () => {};
    const onWake = () => wake();
    wakers.add(onWake);
    try {
      while (!signal?.aborted && this.newest.get(distributorId) === me) {
        const queue = this.queues.get(distributorId) ?? [];
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    } finally {
      wakers.delete(onWake);
      if (this.newest.get(distributorId) === me) this.newest.delete(distributorId);
    }
  }

  /** Waits for the distributor's answer to one work item (a ping result). */
  waitForReply(workId: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(workId);
        reject(new Error("timeout"));
      }, timeoutMs);
      this.replies.set(workId, (value) => {
        clearTimeout(timer);
        this.replies.delete(workId);
        resolve(value);
      });
    });
  }

  reply(workId: string, value: unknown): boolean {
    const resolve = this.replies.get(workId);
    resolve?.(value);
    return Boolean(resolve);
  }

  connected(distributorId: number): boolean {
    return (this.wakers.get(distributorId)?.size ?? 0) > 0;
  }
}
