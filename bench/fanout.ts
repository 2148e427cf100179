/**
 * Issue 7 benchmark: subscription fan-out across serve replicas. Three
 * `provisioner serve` processes (the first runs the build workers); 1,000
 * graphql-ws connections spread round-robin over them, each subscribed to
 * localnodeRegistered for one site and to builds. Events are sent one at a
 * time, round-robin over the replicas: registrations (POST /api/localnodes)
 * and iPXE builds (createIpxe; its first event, QUEUED; the next build starts once
 * this one's DONE reached everyone). Time: request sent →
 * each subscriber has the event; "all delivered" is the last subscriber.
 * "FromEvent" times start at the event itself instead: the row's timestamp
 * (lastSeenAt, updatedAt; set by PostgreSQL's now() at the start of the
 * writing transaction, so they include the commit) against the bench's clock,
 * same host, millisecond resolution.
 * Only 127.0.0.1 is contacted; events are bounded in count, each waits ≤ 10 s.
 * Usage: node bench/fanout.ts [--subscribers 1000] [--registrations 50] [--builds 20]
 */
import { createClient } from "graphql-ws";
import { WebSocket as WsWebSocket } from "ws";
import { startCluster, summary, token } from "./replica-cluster.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const subscribers = arg("subscribers", 1000);
const registrations = arg("registrations", 50);
const builds = arg("builds", 20);
const SITE = "fanout.example";

type BuildState = { id: string; status: string; updatedAt: string };

type Pending = {
  matches: (key: string) => boolean;
  started: number;
  seen: Set<number>;
  deliveries: number[];
  /** Delivery time measured from the event itself: the row's timestamp (database clock, same host). */
  fromEvent: number[];
  /** Last delivery among subscribers of each replica (subscriber i is on replica i % 3). */
  lastByReplica: number[];
  done: () => void;
};

async function main() {
  const cluster = await startCluster(3, (i) => ({
    WORKERS: i === 0 ? "true" : "false",
    // All registrations come from 127.0.0.1: lift the per-source limit (600 a minute).
    REGISTRATIONS_PER_MINUTE: "1000000",
    ...(process.env.FANOUT_PROFILE && i === 1
      ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.FANOUT_PROFILE}` }
      : {}),
  }));
  const clients: Array<{ dispose(): unknown }> = [];
  try {
    const urls = cluster.replicas.map((r) => r.url);
    await cluster.gql(
      urls[0] as string,
      `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: true }) { artifactId } }`,
    );
    let pending: Pending | undefined;
    let lastByReplica: number[] = [];
    let lastFromEvent: number | undefined;
    // A subscriber counts once per event, at its first matching message.
    const arrive = (subscriber: number, key: string, at: string | undefined) => {
      const p = pending;
      if (!p || p.seen.has(subscriber) || !p.matches(key)) return;
      p.seen.add(subscriber);
      if (at) p.fromEvent.push(Date.now() - Date.parse(at));
      const ms = performance.now() - p.started;
      p.deliveries.push(ms);
      const r = subscriber % 3;
      p.lastByReplica[r] = Math.max(p.lastByReplica[r] ?? 0, ms);
      if (p.seen.size === subscribers) p.done();
    };
    // Every state of every build (QUEUED, WORKING, DONE): how many subscribers have it and
    // the latest arrival, timed from the row's updatedAt.
    const states = new Map<string, { count: number; lagMs: number; status: string }>();
    const finished = new Map<string, () => void>();
    const track = (b: BuildState) => {
      const key = `${b.id}/${b.status}/${b.updatedAt}`;
      const state = states.get(key) ?? { count: 0, lagMs: 0, status: b.status };
      state.count++;
      state.lagMs = Math.max(state.lagMs, Date.now() - Date.parse(b.updatedAt));
      states.set(key, state);
      if (b.status === "DONE" && state.count === subscribers) finished.get(b.id)?.();
    };
    let ready = 0;
    await Promise.all(
      Array.from({ length: subscribers }, (_, i) => {
        const client = createClient({
          url: `${(urls[i % urls.length] as string).replace("http", "ws")}/graphql`,
          // The client is not what is measured: `ws` (the server's own library) costs
          // less CPU per message than Node's built-in WebSocket on this shared machine.
          webSocketImpl: process.env.FANOUT_CLIENT === "builtin" ? WebSocket : WsWebSocket,
          connectionParams: { authorization: `Bearer ${token}` },
          lazy: false,
        });
        clients.push(client);
        return new Promise<void>((resolve, reject) => {
          client.on("connected", () => {
            ready++;
            resolve();
          });
          client.on("error", reject);
          client.subscribe<{ localnodeRegistered: { ip: string; lastSeenAt: string } }>(
            {
              query: `subscription { localnodeRegistered(artifactId: "${SITE}") { ip lastSeenAt } }`,
            },
            {
              next: (m) =>
                arrive(
                  i,
                  `node:${m.data?.localnodeRegistered.ip}`,
                  m.data?.localnodeRegistered.lastSeenAt,
                ),
              error: reject,
              complete: () => undefined,
            },
          );
          client.subscribe<{ builds: BuildState }>(
            { query: "subscription { builds { id status updatedAt } }" },
            {
              next: (m) => {
                if (!m.data) return;
                arrive(i, `build:${m.data.builds.id}`, m.data.builds.updatedAt);
                track(m.data.builds);
              },
              error: reject,
              complete: () => undefined,
            },
          );
        });
      }),
    );
    // The connection acknowledgement comes before the subscriptions are set up on the
    // server; a warm-up registration proves every subscriber listens before timing starts.
    const measure = async (
      what: string,
      matches: (key: string) => boolean,
      send: () => Promise<unknown>,
    ) => {
      const done = new Promise<void>((resolve) => {
        // Bounded: an event not delivered to all in 10 s is reported as missed.
        const timer = setTimeout(() => {
          process.stderr.write(`${what}: ${pending?.seen.size} of ${subscribers} in 10 s\n`);
          resolve();
        }, 10_000);
        pending = {
          matches,
          started: performance.now(),
          seen: new Set(),
          deliveries: [],
          fromEvent: [],
          lastByReplica: [],
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
      await send();
      await done;
      const p = pending as Pending;
      pending = undefined;
      lastByReplica = p.lastByReplica;
      lastFromEvent = p.fromEvent.length === subscribers ? Math.max(...p.fromEvent) : undefined;
      return p.deliveries;
    };
    const register = (url: string, ip: string) => async () => {
      const res = await fetch(`${url}/api/localnodes?ip=${ip}&artifactId=${SITE}`, {
        method: "POST",
      });
      if (res.status !== 200) throw new Error(`registration answered ${res.status}`);
      await res.arrayBuffer();
    };
    // A build's event carries its id; subscribers read the row when it arrives, so
    // the first message may already say WORKING. The first message with a new id counts.
    const oldBuilds = new Set<string>();
    const newBuild = (key: string) => key.startsWith("build:") && !oldBuilds.has(key);
    const createBuild = (url: string, n: number) => async () => {
      const r = await cluster.gql<{ createIpxe: { id: string } }>(
        url,
        `mutation($s: String!) { createIpxe(input: { platform: "bin-x86_64-efi", driver: "snponly", extension: "efi", script: $s }) { id } }`,
        { s: `#!ipxe\necho fanout ${n}\n` },
      );
      return r.createIpxe.id;
    };
    for (let attempt = 0; ; attempt++) {
      const ip = `10.200.0.${attempt + 1}`;
      const heard = await measure(ip, (k) => k === `node:${ip}`, register(urls[0] as string, ip));
      let id = "";
      const send = createBuild(urls[0] as string, -attempt);
      const built = await measure("warm-up build", newBuild, async () => {
        id = await send();
      });
      oldBuilds.add(`build:${id}`);
      if (heard.length === subscribers && built.length === subscribers) break;
      if (attempt >= 5) throw new Error("subscribers did not all hear the warm-up events");
    }
    const node = {
      all: [] as number[],
      last: [] as number[],
      missed: 0,
      takingReplica: [] as number[],
      otherReplicas: [] as number[],
      fromEvent: [] as number[],
    };
    const byState: Record<string, number[]> = {};
    const build = {
      all: [] as number[],
      last: [] as number[],
      missed: 0,
      fromEvent: [] as number[],
    };
    // Registrations first, then builds: a build event costs each subscriber a database read.
    for (let i = 0; i < registrations; i++) {
      const ip = `10.201.0.${i + 1}`;
      const d = await measure(ip, (k) => k === `node:${ip}`, register(urls[i % 3] as string, ip));
      node.missed += subscribers - d.length;
      node.all.push(...d);
      node.last.push(Math.max(...d));
      if (lastFromEvent !== undefined) node.fromEvent.push(lastFromEvent);
      // The replica that took the registration hears it at once; the others through NOTIFY.
      node.takingReplica.push(lastByReplica[i % 3] ?? 0);
      node.otherReplicas.push(
        Math.max(...lastByReplica.filter((_, r) => r !== i % 3).map((x) => x ?? 0)),
      );
    }
    for (let i = 0; i < builds; i++) {
      let id = "";
      const send = createBuild(urls[i % 3] as string, i);
      const d = await measure(`build ${i}`, newBuild, async () => {
        id = await send();
      });
      oldBuilds.add(`build:${id}`);
      // One build at a time: its WORKING and DONE reach everyone before the next starts.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        finished.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
        for (const [key, state] of states)
          if (key.startsWith(`${id}/DONE/`) && state.count === subscribers) resolve();
      });
      for (const [key, state] of states) {
        if (!key.startsWith(`${id}/`) || state.count !== subscribers) continue;
        const lags = byState[state.status] ?? [];
        lags.push(state.lagMs);
        byState[state.status] = lags;
      }
      build.missed += subscribers - d.length;
      build.all.push(...d);
      if (d.length === subscribers) build.last.push(Math.max(...d));
      if (lastFromEvent !== undefined) build.fromEvent.push(lastFromEvent);
    }
    process.stdout.write(
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          subscribers: ready,
          replicas: urls.length,
          registrations: {
            events: node.last.length,
            allDeliveredMs: summary(node.last),
            missedDeliveries: node.missed,
            eachDeliveryMs: summary(node.all),
            allDeliveredFromEventMs: summary(node.fromEvent),
            allOnTakingReplicaMs: summary(node.takingReplica),
            allOnOtherReplicasMs: summary(node.otherReplicas),
          },
          builds: {
            events: build.last.length,
            allDeliveredMs: summary(build.last),
            allDeliveredFromEventMs: summary(build.fromEvent),
            eachStateAllDeliveredFromEventMs: Object.fromEntries(
              Object.entries(byState).map(([status, lags]) => [status, summary(lags)]),
            ),
            eventsDeliveredToAllIn10s: build.last.length,
            missedDeliveries: build.missed,
            eachDeliveryMs: summary(build.all),
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    for (const c of clients) c.dispose();
    await cluster.close();
  }
}

await main();
