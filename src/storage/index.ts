import path from "node:path";
import type { Config } from "../config.ts";
import type { ArtifactStore } from "./artifact-store.ts";
import { createLocalStore } from "./local-store.ts";
import { createS3Store } from "./s3-store.ts";

/** S3/MinIO when S3_ENDPOINT is set, otherwise DATA_DIR/artifacts. */
export async function openArtifactStore(config: Config): Promise<ArtifactStore> {
  if (config.s3) return createS3Store(config.s3);
  return createLocalStore(path.join(config.dataDir, "artifacts"));
}
