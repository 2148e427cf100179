import { createHash, randomBytes } from "node:crypto";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { Client } from "minio";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ArtifactStore } from "../src/storage/artifact-store.ts";
import { createS3Store, type S3Settings } from "../src/storage/s3-store.ts";
import { waitForBuild } from "./helpers/builds.ts";
import { type S3Server, startS3Server } from "./helpers/s3-server.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { ensureIpxeVendor } from "./lab/ipxe-vendor.ts";

/**
 * The S3 artifact store against a real S3-compatible server (s3rver on 127.0.0.1): first
 * createS3Store on its own, then the whole server (build worker → S3 → /artifacts/ download).
 */

let s3: S3Server;
let dir: string;

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function settings(bucket: string): S3Settings {
  return {
    endpoint: new URL(s3.endpoint),
    bucket,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: "us-east-1",
  };
}

/** An independent client, to look into the bucket without going through the store. */
function inspector(): Client {
  const url = new URL(s3.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: false,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: "us-east-1",
    pathStyle: true,
  });
}

const requestsTo = (method: string, objectPath: string) =>
  s3.requests.filter((r) => r.method === method && r.path.split("?")[0] === objectPath);

beforeAll(async () => {
  s3 = await startS3Server();
  dir = await mkdtemp(path.join(tmpdir(), "s3-store-test-"));
});

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("createS3Store", () => {
  const bucket = "store-unit";
  let store: ArtifactStore;
  let file: string;
  let bytes: Buffer;

  beforeAll(async () => {
    store = await createS3Store(settings(bucket));
    bytes = randomBytes(3 * 1024 * 1024 + 17);
    file = path.join(dir, "payload.bin");
    await writeFile(file, bytes);
  });

  test("creates its bucket, and opening again on an existing bucket works", async () => {
    expect(await inspector().bucketExists(bucket)).toBe(true);
    expect(requestsTo("PUT", `/${bucket}`)).toHaveLength(1);
    await createS3Store(settings(bucket));
    expect(requestsTo("PUT", `/${bucket}`)).toHaveLength(1);
  });

  test("put stores the file under artifacts/<sha256> and returns its digest and size", async () => {
    const digest = await store.put(file);
    expect(digest).toEqual({ sha256: sha256(bytes), size: bytes.length });
    const stat = await inspector().statObject(bucket, `artifacts/${digest.sha256}`);
    expect(stat.size).toBe(bytes.length);
    const stored = await readAll(await inspector().getObject(bucket, `artifacts/${digest.sha256}`));
    expect(stored.equals(bytes)).toBe(true);
  });

  test("the same content put twice (even from another path) is uploaded once", async () => {
    const key = `/${bucket}/artifacts/${sha256(bytes)}`;
    await store.put(file);
    const copy = path.join(dir, "same-content-elsewhere.bin");
    await writeFile(copy, bytes);
    expect(await store.put(copy)).toEqual({ sha256: sha256(bytes), size: bytes.length });
    expect(requestsTo("PUT", key)).toHaveLength(1);
    const objects: string[] = [];
    for await (const item of inspector().listObjectsV2(bucket, "artifacts/", true)) {
      if ("name" in item && item.name) objects.push(item.name);
    }
    expect(objects).toEqual([`artifacts/${sha256(bytes)}`]);
  });

  test("an empty file is stored and read back", async () => {
    const empty = path.join(dir, "empty.bin");
    await writeFile(empty, "");
    const digest = await store.put(empty);
    expect(digest).toEqual({ sha256: sha256(Buffer.alloc(0)), size: 0 });
    const stream = await store.open(digest.sha256);
    if (!stream) throw new Error("the empty file is missing");
    expect((await readAll(stream)).length).toBe(0);
  });

  test("open streams the stored bytes; a missing digest is undefined; a bad one throws", async () => {
    const stream = await store.open(sha256(bytes));
    if (!stream) throw new Error("open returned undefined for a stored file");
    expect((await readAll(stream)).equals(bytes)).toBe(true);
    expect(await store.open("0".repeat(64))).toBeUndefined();
    await expect(store.open("../../etc/passwd")).rejects.toThrow(/not a sha256 digest/);
  });

  test("fetchTo copies a stored file; a missing one rejects and leaves no file", async () => {
    const target = path.join(dir, "fetched.bin");
    await store.fetchTo(sha256(bytes), target);
    expect((await readFile(target)).equals(bytes)).toBe(true);
    const missing = path.join(dir, "missing.bin");
    await expect(store.fetchTo("f".repeat(64), missing)).rejects.toThrow();
    await expect(access(missing)).rejects.toThrow();
  });

  test("an unknown access key fails at start-up, not at the first build", async () => {
    // s3rver checks the key id but not SigV4 signatures, so a wrong secret goes unnoticed here.
    await expect(
      createS3Store({ ...settings("store-other"), accessKey: "NOT-A-KEY" }),
    ).rejects.toThrow(/credentials|Access Key/i);
  });
});

describe("server with S3_ENDPOINT", () => {
  const bucket = "provisioner-test";
  let server: TestServer;

  beforeAll(async () => {
    await ensureIpxeVendor(AbortSignal.timeout(120_000));
    server = await startTestServer({
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY: s3.accessKey,
      S3_SECRET_KEY: s3.secretKey,
      S3_BUCKET: bucket,
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  test("an iPXE build lands in the bucket and downloads from /artifacts/ with Content-Length and ETag", {
    timeout: 60_000,
  }, async () => {
    const created = await server.gql<{ createIpxe: { id: string } }>(
      `mutation { createIpxe(input: { script: "#!ipxe\\necho s3\\n", platform: "bin-x86_64-efi",
        driver: "ipxe", extension: "efi" }) { id } }`,
    );
    const id = created.data?.createIpxe.id;
    expect(created.errors).toBeUndefined();

    const build = await waitForBuild(server, id ?? "", 45_000);
    expect(build?.error ?? null).toBeNull();
    expect(build?.status).toBe("DONE");
    const files = build?.files ?? [];
    expect(files.map((f) => f.name).sort()).toEqual(["autoexec.ipxe", "ipxe.efi"]);

    for (const file of files) {
      const key = `artifacts/${file.sha256}`;
      const stat = await inspector().statObject(bucket, key);
      expect(stat.size).toBe(file.size);

      const downloadsBefore = requestsTo("GET", `/${bucket}/${key}`).length;
      const res = await fetch(`${server.url}${new URL(file.url).pathname}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe(String(file.size));
      expect(res.headers.get("etag")).toBe(`"${file.sha256}"`);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(file.size);
      expect(sha256(body)).toBe(file.sha256);
      // Served from the bucket, not from somewhere else.
      expect(requestsTo("GET", `/${bucket}/${key}`).length).toBe(downloadsBefore + 1);

      const cached = await fetch(`${server.url}${new URL(file.url).pathname}`, {
        headers: { "if-none-match": `"${file.sha256}"` },
      });
      expect(cached.status).toBe(304);
    }
    const script = files.find((f) => f.name === "autoexec.ipxe");
    const text = await (await fetch(`${server.url}${new URL(script?.url ?? "").pathname}`)).text();
    expect(text).toContain("echo s3");
    // Nothing went to the local artifact directory.
    await expect(access(path.join(server.deps.config.dataDir, "artifacts"))).rejects.toThrow();
  });
});
