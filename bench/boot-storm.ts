/**
 * Issue 7 benchmark: a boot storm against serve replicas. 10,000 simulated
 * hosts, each fetching its mainscript, subscript and kickstart
 * (GET /api/<kind>/<id>) and then registering (POST /api/localnodes, open
 * site), at most 64 hosts at a time. Hosts are spread round-robin over 3
 * `provisioner serve` processes, or all sent to one of them; the two cases
 * alternate (1, 3, 3, 1, …) against the same three running replicas so both
 * see the same machine load. Every request must answer 200.
 * Only 127.0.0.1 is contacted; each run stops after --max-seconds.
 * Usage: node bench/boot-storm.ts [--hosts 10000] [--concurrency 64] [--pairs 1] [--max-seconds 300]
 */
import { startCluster, summary } from "./replica-cluster.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const hosts = arg("hosts", 10_000);
const concurrency = arg("concurrency", 64);
const pairs = arg("pairs", 1);
const maxSeconds = arg("max-seconds", 300);
const SITE = "storm.example";

type Run = {
  replicas: number;
  hosts: number;
  succeeded: number;
  failed: number;
  wallS: number;
  requestsPerS: number;
  hostsPerS: number;
  requestMs: ReturnType<typeof summary>;
  registerMs: ReturnType<typeof summary>;
};

async function storm(urls: string[], ids: Record<string, string>, run: number): Promise<Run> {
  const deadline = AbortSignal.timeout(maxSeconds * 1000);
  const latencies: number[] = [];
  const registerLatencies: number[] = [];
  let next = 0;
  let succeeded = 0;
  let failed = 0;
  let firstError = "";
  const timed = async (url: string, init?: RequestInit) => {
    const t = performance.now();
    const res = await fetch(url, { ...init, signal: deadline });
    await res.arrayBuffer();
    const ms = performance.now() - t;
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    return ms;
  };
  const host = async (n: number) => {
    const base = urls[n % urls.length];
    for (const kind of ["mainscripts", "subscripts", "kickstarts"])
      latencies.push(await timed(`${base}/api/${kind}/${ids[kind]}`));
    // A distinct node per host and run: every registration is an insert that commits.
    const ip = `10.${100 + run}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    const ms = await timed(`${base}/api/localnodes?ip=${ip}&artifactId=${SITE}`, {
      method: "POST",
    });
    latencies.push(ms);
    registerLatencies.push(ms);
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < hosts && !deadline.aborted) {
        const n = next++;
        try {
          await host(n);
          succeeded++;
        } catch (error) {
          failed++;
          firstError ||= String(error);
        }
      }
    }),
  );
  const wallS = (performance.now() - started) / 1000;
  if (firstError) process.stderr.write(`first error (${urls.length} replicas): ${firstError}\n`);
  return {
    replicas: urls.length,
    hosts,
    succeeded,
    failed: failed + (hosts - succeeded - failed),
    wallS: Math.round(wallS * 100) / 100,
    requestsPerS: Math.round(latencies.length / wallS),
    hostsPerS: Math.round(succeeded / wallS),
    requestMs: summary(latencies),
    registerMs: summary(registerLatencies),
  };
}

async function main() {
  // Build workers are not part of a boot storm; keep them out of the replicas.
  // Every simulated host comes from 127.0.0.1, which the per-source registration limit
  // would rightly refuse after 600 a minute; both runs' 20,000 nodes share one site.
  const cluster = await startCluster(3, () => ({
    WORKERS: "false",
    REGISTRATIONS_PER_MINUTE: "1000000",
    MAX_NODES_PER_SITE: "100000",
  }));
  try {
    const urls = cluster.replicas.map((r) => r.url);
    const first = urls[0] as string;
    const ids: Record<string, string> = {};
    const padding = "# padding to a typical menu size\n".repeat(20);
    for (const [kind, mutation] of [
      ["mainscripts", "createMainscript"],
      ["subscripts", "createSubscript"],
      ["kickstarts", "createKickstart"],
    ] as const) {
      const r = await cluster.gql<Record<string, { id: string }>>(
        first,
        `mutation($t: String!) { ${mutation}(input: { text: $t }) { id } }`,
        { t: `#!ipxe\n# ${kind}\n${padding}` },
      );
      ids[kind] = r[mutation]?.id ?? "";
    }
    await cluster.gql(
      first,
      `mutation { upsertSite(input: { artifactId: "${SITE}", openEnrollment: true }) { artifactId } }`,
    );
    const runs: Run[] = [];
    for (let p = 0; p < pairs; p++) {
      const order = p % 2 === 0 ? [1, 3] : [3, 1];
      for (const count of order) runs.push(await storm(urls.slice(0, count), ids, runs.length));
    }
    const mean = (count: number, f: (r: Run) => number) => {
      const xs = runs.filter((r) => r.replicas === count).map(f);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    process.stdout.write(
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          hosts,
          concurrency,
          runs,
          // The health probe's verdicts, per replica: a 503 storm starts with "unreachable".
          healthLines: cluster.replicas.map(
            (r) =>
              r.log.split("\n").filter((l) => /database (unreachable|reachable again)/.test(l))
                .length,
          ),
          ratioThreeOverOne: {
            requestsPerS:
              Math.round((mean(3, (r) => r.requestsPerS) / mean(1, (r) => r.requestsPerS)) * 100) /
              100,
            wall: Math.round((mean(3, (r) => r.wallS) / mean(1, (r) => r.wallS)) * 100) / 100,
            p99:
              Math.round(
                (mean(3, (r) => r.requestMs.p99) / mean(1, (r) => r.requestMs.p99)) * 100,
              ) / 100,
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await cluster.close();
  }
}

await main();
