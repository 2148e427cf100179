import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { type ArtifactStore, SHA256_HEX } from "./artifact-store.ts";
import { digestFile } from "./file-digest.ts";

/** Artifacts under DATA_DIR/artifacts/<first two hex digits>/<sha256>. */
export function createLocalStore(root: string): ArtifactStore {
  const pathOf = (sha256: string) => {
    if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256 digest: ${sha256.slice(0, 80)}`);
    return path.join(root, sha256.slice(0, 2), sha256);
  };
  return {
    async put(localPath) {
      const digest = await digestFile(localPath);
      const target = pathOf(digest.sha256);
      const existing = await stat(target).catch(() => undefined);
      if (existing?.size === digest.size) return digest;
      await mkdir(path.dirname(target), { recursive: true });
      // Copy next to the target, then rename: readers see the whole file or none.
      const temp = `${target}.${randomBytes(6).toString("hex")}.partial`;
      try {
        await pipeline(createReadStream(localPath), createWriteStream(temp, { mode: 0o644 }));
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return digest;
    },
    async open(sha256) {
      const file = pathOf(sha256);
      if (!(await stat(file).catch(() => undefined))) return undefined;
      return createReadStream(file);
    },
    async fetchTo(sha256, localPath) {
      await copyFile(pathOf(sha256), localPath);
    },
  };
}
