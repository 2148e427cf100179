/**
 * Issue 7 benchmark: subscription fan-out across serve replicas. Three
 * `provisioner serve` processes (the first runs the build workers); 1,000
 * graphql-ws connections spread round-robin over them, each subscribed to
 * localnodeRegistered for one site and to builds. Events are sent one at a
 * time, round-robin over the replicas: registrations (POST /api/localnodes)
 * and iPXE builds (createIpxe; its first event, QUEUED). Time: request sent →
 * each subscriber has the event; "all delivered" is the last subscriber.
 * Only 127.0.0.1 is contacted; events are bounded in count, each waits ≤ 10 s.
 * Usage: node bench/fanout.ts [--subscribers 1000] [--registrations 50] [--builds 20]
 */
import { createClient } from "graphql-ws";
import { startCluster, summary, token } from "./replica-cluster.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const subscribers = arg("subscribers", 1000);
const registrations = arg("registrations", 50);
const builds = arg("builds", 20);
const SITE = "fanout.example";

type Pending = {
  key: string;
  started: number;
  seen: number;
  deliveries: number[];
  done: () => void;
};

async function main() {
  const cluster = await startCluster(3, (i) => ({ WORKERS: i === 0 ? "true" : "false" }));
  const clients: Array<{ dispose(): unknown }> = [];
  try {
    const urls = cluster.replicas.map((r) => r.url);
    await cluster.gql(
      urls[0] as string,
      `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: true }) { artifactId } }`,
    );
    let pending: Pending | undefined;
    const arrive = (key: string) => {
      const p = pending;
      if (!p || p.key !== key) return;
      p.deliveries.push(performance.now() - p.started);
      if (++p.seen === subscribers) p.done();
    };
    let ready = 0;
    await Promise.all(
      Array.from({ length: subscribers }, (_, i) => {
        const client = createClient({
          url: `${(urls[i % urls.length] as string).replace("http", "ws")}/graphql`,
          webSocketImpl: WebSocket,
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
          client.subscribe<{ localnodeRegistered: { ip: string } }>(
            { query: `subscription { localnodeRegistered(artifactId: "${SITE}") { ip } }` },
            {
              next: (m) => arrive(`node:${m.data?.localnodeRegistered.ip}`),
              error: reject,
              complete: () => undefined,
            },
          );
          client.subscribe<{ builds: { status: string } }>(
            { query: "subscription { builds { status } }" },
            {
              next: (m) => arrive(`build:${m.data?.builds.status}`),
              error: reject,
              complete: () => undefined,
            },
          );
        });
      }),
    );
    // The connection acknowledgement comes before the subscriptions are set up on the
    // server; a warm-up registration proves every subscriber listens before timing starts.
    const measure = async (key: string, send: () => Promise<unknown>) => {
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${key}: ${pending?.seen} of ${subscribers} in 10 s`)),
          10_000,
        );
        pending = {
          key,
          started: performance.now(),
          seen: 0,
          deliveries: [],
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
      return p.deliveries;
    };
    const register = (url: string, ip: string) => async () => {
      const res = await fetch(`${url}/api/localnodes?ip=${ip}&artifactId=${SITE}`, {
        method: "POST",
      });
      if (res.status !== 200) throw new Error(`registration answered ${res.status}`);
      await res.arrayBuffer();
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await measure("node:10.200.0.1", register(urls[0] as string, "10.200.0.1"));
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
    const node = { all: [] as number[], last: [] as number[] };
    const build = { all: [] as number[], last: [] as number[] };
    const total = registrations + builds;
    let r = 0;
    let b = 0;
    for (let i = 0; i < total; i++) {
      const url = urls[i % urls.length] as string;
      // Builds are spread evenly among the registrations.
      const isBuild = b < builds && (r >= registrations || (i * builds) / total >= b);
      let d: number[];
      if (isBuild) {
        // The id is known only when the mutation returns, and QUEUED can arrive first;
        // every subscriber had the previous build's QUEUED, so the next one is this build's.
        d = await measure("build:QUEUED", () =>
          cluster.gql(
            url,
            `mutation($s: String!) { createIpxe(input: { platform: "bin-x86_64-efi", driver: "snponly", extension: "efi", script: $s }) { id } }`,
            { s: `#!ipxe\necho fanout ${i}\n` },
          ),
        );
        b++;
        build.all.push(...d);
        build.last.push(Math.max(...d));
      } else {
        d = await measure(`node:10.201.0.${r + 1}`, register(url, `10.201.0.${r + 1}`));
        r++;
        node.all.push(...d);
        node.last.push(Math.max(...d));
      }
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
            eachDeliveryMs: summary(node.all),
          },
          builds: {
            events: build.last.length,
            allDeliveredMs: summary(build.last),
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
