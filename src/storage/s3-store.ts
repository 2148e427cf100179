import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Client } from "minio";
import { type ArtifactStore, SHA256_HEX } from "./artifact-store.ts";
import { digestFile } from "./file-digest.ts";

export type S3Settings = {
  endpoint: URL;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region: string;
};

const keyOf = (sha256: string) => {
  if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256 digest: ${sha256.slice(0, 80)}`);
  return `artifacts/${sha256}`;
};

const isMissing = (error: unknown) =>
  typeof error === "object" &&
  error !== null &&
  "code" in error &&
  (error.code === "NoSuchKey" || error.code === "NotFound");

/** Artifacts in an S3-compatible bucket (MinIO, AWS, …) through the minio client; one PUT per file. */
export async function createS3Store(settings: S3Settings): Promise<ArtifactStore> {
  const client = new Client({
    endPoint: settings.endpoint.hostname,
    port: settings.endpoint.port ? Number(settings.endpoint.port) : undefined,
    useSSL: settings.endpoint.protocol === "https:",
    accessKey: settings.accessKey,
    secretKey: settings.secretKey,
    region: settings.region,
    pathStyle: true,
  });
  if (!(await client.bucketExists(settings.bucket))) {
    await client.makeBucket(settings.bucket, settings.region).catch(async (error: unknown) => {
      // Another replica may have created it in the meantime.
      if (!(await client.bucketExists(settings.bucket))) throw error;
    });
  }
  return {
    async put(localPath) {
      const digest = await digestFile(localPath);
      const key = keyOf(digest.sha256);
      const existing = await client.statObject(settings.bucket, key).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (existing?.size === digest.size) return digest;
      await client.putObject(settings.bucket, key, createReadStream(localPath), digest.size, {
        "Content-Type": "application/octet-stream",
      });
      return digest;
    },
    async open(sha256) {
      try {
        return await client.getObject(settings.bucket, keyOf(sha256));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async fetchTo(sha256, localPath) {
      await pipeline(
        await client.getObject(settings.bucket, keyOf(sha256)),
        createWriteStream(localPath),
      );
    },
  };
}
