import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const script = path.resolve(import.meta.dirname, "../scripts/fetch-ipxe.sh");
const VERSION = "1.21.1+git20250501-1";

/**
 * Stand-ins for apt and dpkg, so the script runs without a network. The fake apt-cache
 * answers like a real archive with many versions: megabytes after the first "Version:".
 * A reader that stops at the first match (awk's `exit`, `head`) leaves it writing into a
 * closed pipe; it dies of SIGPIPE and `set -o pipefail` makes that exit 141 (the old bug).
 */
const fakes: Record<string, string> = {
  "apt-cache": `#!/usr/bin/env bash
printf 'Package: ipxe\\nVersion: ${VERSION}\\n\\n'
for ((i = 0; i < 100000; i++)); do printf 'Package: ipxe\\nVersion: 1.0.%d-1\\n\\n' "$i"; done
`,
  "apt-get": `#!/usr/bin/env bash
for arg in "$@"; do
  case "$arg" in
    update) exit 0 ;;
    ipxe=*) touch "ipxe_\${arg#ipxe=}_all.deb"; exit 0 ;;
  esac
done
`,
  "dpkg-deb": `#!/usr/bin/env bash
[[ "$1" == -x ]] || exit 2
mkdir -p "$3/usr/lib/ipxe"
for f in ipxe-amd64.efi ipxe-arm64.efi snponly.efi undionly.kpxe ipxe.lkrn ipxe.pxe; do
  printf 'binary\\n' >"$3/usr/lib/ipxe/$f"
done
`,
};

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fetch-ipxe-"));
  await mkdir(path.join(dir, "bin"));
  for (const [name, text] of Object.entries(fakes)) {
    await writeFile(path.join(dir, "bin", name), text);
    await chmod(path.join(dir, "bin", name), 0o755);
  }
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("scripts/fetch-ipxe.sh", () => {
  it("takes the first version from a long apt-cache answer without dying of SIGPIPE (exit 141)", async () => {
    const out = path.join(dir, "vendor");
    const run = await execa("bash", [script], {
      reject: false,
      env: {
        PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
        IPXE_VENDOR_DIR: out,
        IPXE_MIRROR: "http://deb.debian.invalid/debian",
      },
    });
    expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(run.stdout).toBe(`fetch-ipxe: ipxe ${VERSION} extracted to ${out}`);
    expect(await readFile(path.join(out, "VERSION"), "utf8")).toBe(`${VERSION}\n`);
  });
});
