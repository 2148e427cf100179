import { EventEmitter, on } from "node:events";
import type { ExecutionResult } from "graphql";
import { describe, expect, it } from "vitest";
import { createSubscriptionSharing } from "./shared-subscriptions.ts";

// The upstream here is a real async generator over an EventEmitter, as the
// event bus gives the resolvers; only GraphQL execution is left out.
function source() {
  const emitter = new EventEmitter();
  let starts = 0;
  let live = 0;
  const start = async (signal: AbortSignal) => {
    starts++;
    live++;
    return (async function* () {
      try {
        for await (const [n] of on(emitter, "event", { signal })) yield { data: { n } };
      } catch {
        // aborted: the stream's last subscriber left
      } finally {
        live--;
      }
    })() as AsyncIterable<ExecutionResult>;
  };
  const emit = (n: number) => emitter.emit("event", n);
  return { start, emit, starts: () => starts, live: () => live };
}

const next = async (it: AsyncIterator<ExecutionResult>) => (await it.next()).value?.data;
const settle = () => new Promise((r) => setImmediate(r));

describe("subscribers of the same stream", () => {
  it("share one upstream and each receive every event", async () => {
    const sharing = createSubscriptionSharing();
    const events = source();
    const a = (await sharing.subscribe(
      "k",
      events.start,
    )) as AsyncIterableIterator<ExecutionResult>;
    const b = (await sharing.subscribe(
      "k",
      events.start,
    )) as AsyncIterableIterator<ExecutionResult>;
    expect(events.starts()).toBe(1);
    await settle();
    events.emit(1);
    events.emit(2);
    expect([await next(a), await next(a)]).toEqual([{ n: 1 }, { n: 2 }]);
    expect([await next(b), await next(b)]).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("keep their stream when one leaves, and stop it when the last leaves", async () => {
    const sharing = createSubscriptionSharing();
    const events = source();
    const a = (await sharing.subscribe(
      "k",
      events.start,
    )) as AsyncIterableIterator<ExecutionResult>;
    const b = (await sharing.subscribe(
      "k",
      events.start,
    )) as AsyncIterableIterator<ExecutionResult>;
    await settle();
    await a.return?.();
    events.emit(3);
    expect(await next(b)).toEqual({ n: 3 });
    expect(await a.next()).toEqual({ value: undefined, done: true });
    await b.return?.();
    await settle();
    expect(sharing.size()).toBe(0);
    expect(events.live()).toBe(0);
    // A new subscriber after that starts a fresh upstream.
    const c = (await sharing.subscribe(
      "k",
      events.start,
    )) as AsyncIterableIterator<ExecutionResult>;
    expect(events.starts()).toBe(2);
    await settle();
    events.emit(4);
    expect(await next(c)).toEqual({ n: 4 });
    await c.return?.();
  });

  it("with different keys do not share", async () => {
    const sharing = createSubscriptionSharing();
    const events = source();
    const a = (await sharing.subscribe(
      "k1",
      events.start,
    )) as AsyncIterableIterator<ExecutionResult>;
    const b = (await sharing.subscribe(
      "k2",
      events.start,
    )) as AsyncIterableIterator<ExecutionResult>;
    expect(events.starts()).toBe(2);
    expect(sharing.size()).toBe(2);
    await a.return?.();
    await b.return?.();
  });

  it("are not shared a refusal: errors instead of a stream go to that subscriber only", async () => {
    const sharing = createSubscriptionSharing();
    const refused = { errors: [] } as unknown as ExecutionResult;
    expect(await sharing.subscribe("k", async () => refused)).toBe(refused);
    expect(sharing.size()).toBe(0);
  });

  it("all end with the upstream's failure", async () => {
    const sharing = createSubscriptionSharing();
    // The upstream waits until both have joined, so neither misses its event.
    let bothJoined = () => {};
    const joined = new Promise<void>((resolve) => {
      bothJoined = resolve;
    });
    const failing = async () =>
      (async function* () {
        await joined;
        yield { data: { n: 1 } };
        throw new Error("bus gone");
      })() as AsyncIterable<ExecutionResult>;
    const a = (await sharing.subscribe("k", failing)) as AsyncIterableIterator<ExecutionResult>;
    const b = (await sharing.subscribe("k", failing)) as AsyncIterableIterator<ExecutionResult>;
    bothJoined();
    expect(await next(a)).toEqual({ n: 1 });
    await expect(a.next()).rejects.toThrow("bus gone");
    expect(await next(b)).toEqual({ n: 1 });
    await expect(b.next()).rejects.toThrow("bus gone");
    expect(sharing.size()).toBe(0);
  });
});
