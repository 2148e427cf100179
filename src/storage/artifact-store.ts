import type { Readable } from "node:stream";

/**
 * Where build outputs live. Files are content-addressed by sha256 and written
 * atomically (temp file + rename, or one S3 PUT), so a download never sees a
 * partial file and identical outputs are stored once.
 */
export type ArtifactStore = {
  /** Stores a local file; resolves with its digest and size once it is complete. */
  put(localPath: string): Promise<{ sha256: string; size: number }>;
  /** Opens a stored file for reading, or undefined when it is not there. */
  open(sha256: string): Promise<Readable | undefined>;
  /** Copies a stored file to a local path (for builds that consume other builds). */
  fetchTo(sha256: string, localPath: string): Promise<void>;
};

export const SHA256_HEX = /^[0-9a-f]{64}$/;
