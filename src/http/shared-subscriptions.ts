import type { ExecutionResult } from "graphql";

type Result = ExecutionResult | AsyncIterable<ExecutionResult>;

type Stream = {
  upstream: AsyncIterator<ExecutionResult>;
  stop: AbortController;
  listeners: Set<Listener>;
};

type Listener = {
  push(result: ExecutionResult): void;
  end(error?: unknown): void;
};

/**
 * One execution per event for subscribers that asked the same thing.
 *
 * graphql-js executes a subscription's selection once per subscriber and
 * event: a registration seen by a thousand consoles ran a thousand times.
 * Subscribers whose operation, variables and caller are identical share one
 * upstream subscription here and receive the same result object; the socket
 * layer only serialises it. Only streams of plain events may be shared — a
 * field that first yields a snapshot (buildProgress, scriptRun) would give a
 * late joiner nothing until the next change, so those are never passed here.
 */
export function createSubscriptionSharing() {
  const streams = new Map<string, Stream>();

  function leave(key: string, stream: Stream, listener: Listener) {
    stream.listeners.delete(listener);
    if (stream.listeners.size > 0 || streams.get(key) !== stream) return;
    streams.delete(key);
    stream.stop.abort();
    void stream.upstream.return?.();
  }

  async function pump(key: string, stream: Stream) {
    let failure: unknown;
    try {
      for (;;) {
        const next = await stream.upstream.next();
        if (next.done) break;
        for (const listener of stream.listeners) listener.push(next.value);
      }
    } catch (error) {
      failure = error;
    }
    if (streams.get(key) === stream) streams.delete(key);
    for (const listener of stream.listeners) listener.end(failure);
  }

  function follow(key: string, stream: Stream): AsyncIterableIterator<ExecutionResult> {
    const queue: ExecutionResult[] = [];
    let waiting: ((r: IteratorResult<ExecutionResult>) => void) | undefined;
    let failed: ((error: unknown) => void) | undefined;
    let ended = false;
    let error: unknown;
    const listener: Listener = {
      push(result) {
        if (waiting) {
          const resolve = waiting;
          waiting = undefined;
          failed = undefined;
          resolve({ value: result, done: false });
        } else queue.push(result);
      },
      end(reason) {
        ended = true;
        error = reason;
        const resolve = waiting;
        const reject = failed;
        waiting = undefined;
        failed = undefined;
        if (reason !== undefined) reject?.(reason);
        else resolve?.({ value: undefined, done: true });
      },
    };
    stream.listeners.add(listener);
    const iterator: AsyncIterableIterator<ExecutionResult> = {
      next() {
        const value = queue.shift();
        if (value) return Promise.resolve({ value, done: false });
        if (ended)
          return error === undefined
            ? Promise.resolve({ value: undefined, done: true })
            : Promise.reject(error);
        return new Promise((resolve, reject) => {
          waiting = resolve;
          failed = reject;
        });
      },
      return() {
        leave(key, stream, listener);
        listener.end();
        queue.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  return {
    /**
     * Joins the stream for `key`, starting it with `start` (given a signal the
     * stream owns, not any one subscriber's) when nobody follows it yet.
     * A start that answers with errors instead of a stream is not shared.
     */
    async subscribe(key: string, start: (signal: AbortSignal) => Promise<Result>): Promise<Result> {
      const existing = streams.get(key);
      if (existing) return follow(key, existing);
      const stop = new AbortController();
      const result = await start(stop.signal);
      if (!(Symbol.asyncIterator in result)) return result;
      // Another subscriber may have started the same stream while this one awaited.
      const raced = streams.get(key);
      if (raced) {
        stop.abort();
        void result[Symbol.asyncIterator]().return?.();
        return follow(key, raced);
      }
      const stream: Stream = {
        upstream: result[Symbol.asyncIterator](),
        stop,
        listeners: new Set(),
      };
      streams.set(key, stream);
      const first = follow(key, stream);
      void pump(key, stream);
      return first;
    },
    /** How many upstream executions are live (for tests and metrics). */
    size: () => streams.size,
  };
}

export type SubscriptionSharing = ReturnType<typeof createSubscriptionSharing>;
