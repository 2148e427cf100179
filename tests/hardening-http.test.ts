import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { until } from "./helpers/until.ts";

let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startTestServer({
    BODY_LIMIT_BYTES: "1024",
    MAX_NODES_PER_SITE: "5",
    REGISTRATIONS_PER_MINUTE: "40",
    HEADERS_TIMEOUT_SECONDS: "2",
    REQUEST_TIMEOUT_SECONDS: "3",
  });
  port = Number(new URL(server.url).port);
  for (const site of ["same.example", "capped.example", "race.example", "limited.example"]) {
    await server.gql(
      `mutation { upsertSite(input: { artifactId: "${site}", openEnrollment: true }) { artifactId } }`,
    );
  }
});
afterAll(() => server?.stop());

type Node = { id: number; ip: string };
/** Registrations this file sent from 127.0.0.1: the budget REGISTRATIONS_PER_MINUTE counts. */
let sent = 0;
const register = (ip: string, artifactId: string) => {
  sent++;
  return fetch(`${server.url}/api/localnodes?${new URLSearchParams({ ip, artifactId })}`, {
    method: "POST",
  });
};
const nodeCount = async (artifactId: string) =>
  (
    await server.gql<{ localnodes: { totalCount: number } }>(
      `query($a: String!) { localnodes(artifactId: $a) { totalCount } }`,
      { a: artifactId },
    )
  ).data?.localnodes.totalCount;

/** A raw connection: what a slow or misbehaving client does, byte by byte. */
function rawSocket(): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    const started = Date.now();
    const closed = new Promise<number>((done) =>
      socket.once("close", () => done(Date.now() - started)),
    );
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
    });
    socket.once("error", reject);
    socket.once("connect", () => resolve({ socket, received: () => text, closed }));
  });
}

describe("one host is one node (point 1)", () => {
  it("stores every spelling of one IPv4 host as the same node", async () => {
    const ids = new Set<number>();
    for (const ip of ["10.0.0.1", "::ffff:10.0.0.1", "::ffff:a00:1", "0:0:0:0:0:ffff:a00:1"]) {
      const res = await register(ip, "same.example");
      expect(res.status).toBe(200);
      const node = (await res.json()) as Node;
      expect(node.ip).toBe("10.0.0.1");
      ids.add(node.id);
    }
    expect(ids.size).toBe(1);
  });

  it("stores IPv6 in its canonical form", async () => {
    const a = (await (await register("2001:db8::1", "same.example")).json()) as Node;
    const b = (await (await register("2001:0DB8:0:0:0:0:0:0001", "same.example")).json()) as Node;
    expect(a.ip).toBe("2001:db8::1");
    expect(b.id).toBe(a.id);
    expect(await nodeCount("same.example")).toBe(2);
  });

  it("refuses zone ids instead of storing them", async () => {
    const res = await register("fe80::1%eth0", "same.example");
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(
      "ip must not carry a zone id (the part after '%' only means something on the host itself), got \"fe80::1%eth0\"\n",
    );
    expect(await nodeCount("same.example")).toBe(2);
  });
});

describe("open enrollment is bounded (point 2)", () => {
  it("refuses new nodes past MAX_NODES_PER_SITE with 409, but refreshes known ones", async () => {
    for (let i = 1; i <= 5; i++)
      expect((await register(`10.5.0.${i}`, "capped.example")).status).toBe(200);
    const refused = await register("10.5.0.6", "capped.example");
    expect(refused.status).toBe(409);
    expect(await refused.text()).toBe(
      "site capped.example already has 5 nodes (MAX_NODES_PER_SITE); delete nodes with deleteLocalnode or raise the limit\n",
    );
    expect((await register("10.5.0.3", "capped.example")).status).toBe(200);
    expect(await nodeCount("capped.example")).toBe(5);
  });

  it("lets exactly MAX_NODES_PER_SITE of many concurrent new nodes in; a deleted node frees its place", async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => register(`10.7.0.${i + 1}`, "race.example")),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(200), ...Array(7).fill(409)]);
    expect(await nodeCount("race.example")).toBe(5);
    const accepted = (await answers.find((r) => r.status === 200)?.json()) as Node;
    const deleted = await server.gql(
      `mutation($id: ID!) { deleteLocalnode(input: { id: $id }) { id } }`,
      {
        id: accepted.id,
      },
    );
    expect(deleted.errors).toBeUndefined();
    expect((await register("10.7.1.1", "race.example")).status).toBe(200);
    expect((await register("10.7.1.2", "race.example")).status).toBe(409);
    expect(await nodeCount("race.example")).toBe(5);
  });

  it("answers 429 with Retry-After once one source passes REGISTRATIONS_PER_MINUTE", async () => {
    const left = 40 - sent;
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i <= 40 && !refused; i++) {
      // One node over and over: the refresh path, which the site cap does not limit.
      const res = await register("10.6.0.1", "limited.example");
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.arrayBuffer();
    }
    expect(statuses).toEqual([...Array(left).fill(200), 429]);
    expect(refused?.status).toBe(429);
    const wait = Number(refused?.headers.get("retry-after"));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await refused?.text()).toBe(
      `too many registrations from this address (REGISTRATIONS_PER_MINUTE is 40); retry in ${wait} s\n`,
    );
    expect(await nodeCount("limited.example")).toBe(1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("connections (points 3 and 4)", () => {
  it("closes the connection after refusing a chunked body with 413", async () => {
    const { socket, received, closed } = await rawSocket();
    const chunk = "x".repeat(600);
    socket.write(
      "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    for (let i = 0; i < 4; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    socket.write("0\r\n\r\n");
    const ms = await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(received().toLowerCase()).toContain("\r\nconnection: close\r\n");
    expect(received()).toContain("request body is larger than 1024 bytes\n");
    // Closed at once, not after the 65 s keep-alive.
    expect(ms).toBeLessThan(5000);
  });

  it("answers GraphQL through Yoga's node handler: a chunked POST, then a GET, on one socket", async () => {
    const { socket, received } = await rawSocket();
    const body = JSON.stringify({ query: "{ sites { edges { node { artifactId } } } }" });
    const half = Math.floor(body.length / 2);
    const auth = `Authorization: Bearer ${server.token}\r\n`;
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    for (const part of [body.slice(0, half), body.slice(half)])
      socket.write(`${part.length.toString(16)}\r\n${part}\r\n`);
    socket.write("0\r\n\r\n");
    socket.write(
      `GET /graphql?query=${encodeURIComponent('{ site(artifactId: "same.example") { artifactId } }')} HTTP/1.1\r\nHost: x\r\n${auth}Accept: application/json\r\n\r\n`,
    );
    try {
      await until(
        "both answers",
        () =>
          (received().match(/\r\nx-request-id: /gi) ?? []).length === 2 &&
          received().includes('{"data":{"site":{"artifactId":"same.example"}}}'),
        5000,
        received,
      );
      const answers = received().split(/(?=HTTP\/1\.1 )/);
      expect(answers.map((a) => a.split("\r\n")[0])).toEqual([
        "HTTP/1.1 200 OK",
        "HTTP/1.1 200 OK",
      ]);
      expect(answers[0]).toContain('"artifactId":"capped.example"');
    } finally {
      socket.destroy();
    }
  });

  it("cuts off a client that trickles its headers (HEADERS_TIMEOUT_SECONDS)", async () => {
    const { socket, received, closed } = await rawSocket();
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const trickle = setInterval(() => socket.write(`X-Slow-${Date.now()}: 1\r\n`), 500);
    try {
      const ms = await closed;
      expect(received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      // 2 s limit, checked every second.
      expect(ms).toBeGreaterThanOrEqual(1900);
      expect(ms).toBeLessThan(5000);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  it("cuts off a client that never finishes its body (REQUEST_TIMEOUT_SECONDS)", async () => {
    const { socket, received, closed } = await rawSocket();
    socket.write(
      "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    try {
      const ms = await closed;
      expect(received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(ms).toBeGreaterThanOrEqual(2900);
      expect(ms).toBeLessThan(6000);
    } finally {
      socket.destroy();
    }
  });
});
