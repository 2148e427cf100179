import { EventEmitter } from "node:events";
import postgres from "postgres";
import type { Logger } from "../logger.ts";
import { DatabaseUnavailableError } from "./unavailable.ts";

export type DatabaseHealth = {
  /** False from the first failed probe until one succeeds again. */
  available(): boolean;
  /** One probe now, answered within `timeoutMs` whatever the database does. */
  check(): Promise<boolean>;
  /** Called each time the database is found unreachable; returns the unsubscribe function. */
  onDown(listener: () => void): () => void;
  stop(): Promise<void>;
};

const PROBE_EVERY_MS = 1000;
// One slow answer on a starved machine is not an outage: it takes two failed
// probes in a row (the second sent at once), which still finds a real outage
// within PROBE_EVERY_MS + 2 × timeout.
const FAILURES_FOR_DOWN = 2;

/**
 * Watches the database from its own connection, so a pool full of stuck
 * statements is not mistaken for health and an outage is seen within about
 * four seconds. Requests consult it to fail fast with "unavailable" instead of
 * hanging on a database that is gone or frozen.
 */
export function watchDatabase(url: string, log: Logger, timeoutMs = 1500): DatabaseHealth {
  const probe = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
    idle_timeout: 0,
    connection: { application_name: "provisioner-health" },
  });
  const events = new EventEmitter();
  let up = true;
  let failures = 0;
  let inFlight: Promise<boolean> | undefined;

  const probeOnce = () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      probe`select 1`.then(
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    });

  const settle = (ok: boolean) => {
    failures = ok ? 0 : failures + 1;
    if (ok && !up) {
      up = true;
      log.info("database reachable again");
    }
    if (!ok && up && failures >= FAILURES_FOR_DOWN) {
      up = false;
      log.warn("database unreachable; answering 503/UNAVAILABLE until it returns");
      events.emit("down");
    }
    return ok;
  };

  const check = () => {
    inFlight ??= (async () => {
      let ok = settle(await probeOnce());
      while (!ok && up && failures < FAILURES_FOR_DOWN) ok = settle(await probeOnce());
      return ok;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const timer = setInterval(() => void check(), PROBE_EVERY_MS);
  timer.unref();
  return {
    available: () => up,
    check,
    onDown(listener) {
      events.on("down", listener);
      return () => events.off("down", listener);
    },
    async stop() {
      clearInterval(timer);
      events.removeAllListeners();
      await probe.end({ timeout: 1 }).catch(() => undefined);
    },
  };
}

/**
 * Settles like `work`, or rejects with DatabaseUnavailableError as soon as the
 * database is found unreachable (or at once, if it already is): a request
 * never hangs on a frozen database for longer than a probe takes.
 */
export async function unlessDatabaseDown<T>(health: DatabaseHealth, work: Promise<T>): Promise<T> {
  if (!health.available()) {
    work.catch(() => undefined);
    throw new DatabaseUnavailableError();
  }
  let off = () => {};
  const down = new Promise<never>((_resolve, reject) => {
    off = health.onDown(() => reject(new DatabaseUnavailableError()));
  });
  try {
    return await Promise.race([work, down]);
  } finally {
    off();
    work.catch(() => undefined);
  }
}
