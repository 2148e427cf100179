import { fileURLToPath } from "node:url";
import { execa } from "execa";

export type ImageName = "serve" | "worker" | "distributor";

const SCRIPT = fileURLToPath(new URL("../../scripts/build-images.sh", import.meta.url));
/** A cold build of all three images (with the wait for the lock) can take 20 minutes on 2
 * shared cores; a warm check takes seconds. */
const BUILD_TIMEOUT_MS = 45 * 60_000;

const pending = new Map<ImageName, Promise<string>>();

/**
 * The local image `localhost/provisioner-<name>:latest`, built by scripts/build-images.sh
 * when its inputs changed. The script holds a machine-wide lock and labels each image with
 * the hash of its inputs, so however many test files ask, each image is built once per
 * change (once per `scripts/test.sh` run at most) and otherwise only checked.
 */
export function ensureImage(name: ImageName): Promise<string> {
  let image = pending.get(name);
  if (!image) {
    image = execa("bash", [SCRIPT, name], {
      timeout: BUILD_TIMEOUT_MS,
      all: true,
      reject: false,
    }).then((result) => {
      if (result.exitCode !== 0) {
        throw new Error(`build-images.sh ${name} failed (${result.exitCode}):\n${result.all}`);
      }
      return `localhost/provisioner-${name}:latest`;
    });
    pending.set(name, image);
  }
  return image;
}
