/**
 * Issue 7 benchmark: cross-replica work dispatch. Two `provisioner serve`
 * processes (A, B) on one fresh database; 100 graphql-ws distributors, each
 * with its own token, site and registered X25519 key, subscribed to
 * distributorWork on B. Rounds alternate the replica the mutation goes to
 * (A = cross-replica, B = same replica) and the work kind (updateDistributor
 * → CONFIG, runScript → RUN_SCRIPT), so all four cases see the same load.
 * Time: mutation sent → that distributor receives the work.
 * Only 127.0.0.1 is contacted; rounds are bounded.
 * Usage: node bench/dispatch-replicas.ts [--rounds 400]
 */
import { createClient } from "graphql-ws";
import ssh2 from "ssh2";
import { generateAgentKeyPair } from "../src/domain/sealed-box.ts";
import { startCluster, summary } from "./replica-cluster.ts";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1] || 400);
const DISTRIBUTORS = 100;
const privateKey = ssh2.utils.generateKeyPairSync("ed25519").private;

type Kind = "CONFIG" | "RUN_SCRIPT";

async function main() {
  const cluster = await startCluster(2);
  const [a, b] = cluster.replicas;
  if (!a || !b) throw new Error("two replicas expected");
  const clients: Array<{ dispose(): unknown }> = [];
  try {
    const distributors: Array<{ id: string; token: string; nodeId: string }> = [];
    for (let i = 0; i < DISTRIBUTORS; i++) {
      const site = `d${i}.bench.example`;
      await cluster.gql(
        a.url,
        `mutation($s: String!) { upsertSite(input: { artifactId: $s }) { artifactId } }`,
        { s: site },
      );
      const t = await cluster.gql<{
        createDistributorToken: { token: string; distributor: { id: string } };
      }>(
        a.url,
        `mutation($s: String!, $n: String!) { createDistributorToken(input: { artifactId: $s, name: $n }) { token distributor { id } } }`,
        { s: site, n: `d${i}` },
      );
      const d = t.createDistributorToken;
      await cluster.gql(
        b.url,
        `mutation($k: String!) { registerDistributor(input: { publicKey: $k }) { id } }`,
        { k: generateAgentKeyPair().publicKey },
        d.token,
      );
      const n = await cluster.gql<{ registerLocalnode: { id: string } }>(
        a.url,
        `mutation($s: String!, $ip: String!) { registerLocalnode(input: { artifactId: $s, ip: $ip }) { id } }`,
        { s: site, ip: `127.0.${Math.floor(i / 250)}.${(i % 250) + 2}` },
      );
      distributors.push({ id: d.distributor.id, token: d.token, nodeId: n.registerLocalnode.id });
    }
    const waiting = new Map<string, () => void>();
    await Promise.all(
      distributors.map(
        (d) =>
          new Promise<void>((resolve, reject) => {
            const client = createClient({
              url: `${b.url.replace("http", "ws")}/graphql`,
              webSocketImpl: WebSocket,
              connectionParams: { authorization: `Bearer ${d.token}` },
            });
            clients.push(client);
            let first = true;
            client.subscribe<{ distributorWork: { kind: Kind } }>(
              { query: "subscription { distributorWork { id kind run { scriptRunId } } }" },
              {
                next: (msg) => {
                  // The stream opens with the current configuration.
                  if (first) {
                    first = false;
                    resolve();
                    return;
                  }
                  const kind = msg.data?.distributorWork.kind;
                  waiting.get(`${d.id}:${kind}`)?.();
                },
                error: reject,
                complete: () => undefined,
              },
            );
          }),
      ),
    );
    const cases = {
      crossConfig: [] as number[],
      crossRun: [] as number[],
      sameConfig: [] as number[],
      sameRun: [] as number[],
    };
    for (let i = 0; i < rounds; i++) {
      const cross = i % 2 === 0;
      const kind: Kind = Math.floor(i / 2) % 2 === 0 ? "CONFIG" : "RUN_SCRIPT";
      const target = distributors[Math.floor(Math.random() * distributors.length)];
      if (!target) throw new Error("no distributor");
      const url = cross ? a.url : b.url;
      const key = `${target.id}:${kind}`;
      const started = performance.now();
      const arrived = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${kind} work in 10 s`)), 10_000);
        waiting.set(key, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (kind === "CONFIG")
        await cluster.gql(
          url,
          `mutation($id: ID!, $r: String!) { updateDistributor(input: { id: $id, range: $r }) { id } }`,
          { id: target.id, r: `10.${i % 200}.0.0/24` },
        );
      else
        await cluster.gql(
          url,
          `mutation($n: ID!, $k: String!) { runScript(input: { localnodeId: $n, script: "true", privateKey: $k }) { id } }`,
          { n: target.nodeId, k: privateKey },
        );
      await arrived;
      waiting.delete(key);
      const ms = performance.now() - started;
      if (cross) (kind === "CONFIG" ? cases.crossConfig : cases.crossRun).push(ms);
      else (kind === "CONFIG" ? cases.sameConfig : cases.sameRun).push(ms);
    }
    const cross = summary([...cases.crossConfig, ...cases.crossRun]);
    const same = summary([...cases.sameConfig, ...cases.sameRun]);
    process.stdout.write(
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          distributorsOnB: DISTRIBUTORS,
          rounds,
          crossReplica: {
            all: cross,
            config: summary(cases.crossConfig),
            run: summary(cases.crossRun),
          },
          sameReplica: {
            all: same,
            config: summary(cases.sameConfig),
            run: summary(cases.sameRun),
          },
          ratioCrossOverSame: {
            p50: Math.round((cross.p50 / same.p50) * 100) / 100,
            p99: Math.round((cross.p99 / same.p99) * 100) / 100,
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
