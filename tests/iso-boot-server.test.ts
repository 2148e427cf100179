import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { espVolumeLabel } from "../src/builders/media.ts";
import { freePort } from "./helpers/free-port.ts";
import { gqlData } from "./helpers/gql.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { collect, wsClient } from "./helpers/ws-client.ts";
import { ensureIpxeVendor } from "./lab/ipxe-vendor.ts";
import { type BootMedium, type Firmware, withVm } from "./lab/qemu.ts";

/**
 * Proof by booting, through the real server: every input of a hybrid ISO is built by the
 * server's own workers (GraphQL mutations, pg-boss jobs, artifact store), the ISO is
 * downloaded from /artifacts/ and checked against its sha256, and then booted in QEMU
 * (TCG, user networking: the guest sees the host's loopback as 10.0.2.2). The iPXE inside
 * the ISO must run its embedded script (dhcp, chain the mainscript of this server), and
 * the mainscript must chain a subscript made for that one boot.
 *
 * The proof that a boot reached the server is twofold and can fail either way: the
 * server's own request counters (/metrics) for GET /api/mainscripts/:id and
 * /api/subscripts/:id with status 200 must grow while the VM runs (nothing else in this
 * file fetches those routes), and the serial console must show the text of the subscript
 * created for this boot, which only the server under test could have served.
 */

const GUEST_HOST = "10.0.2.2";
const LABEL = "Provisioner Server Boot";
const VM_TIMEOUT_MS = 150_000;
const BUILD_TIMEOUT_MS = 90_000;
const skipVm = process.env.PROVISIONER_SKIP_VM_TESTS === "1";

type BuildView = {
  id: string;
  status: string;
  progress: number;
  error: string | null;
  files: Array<{ name: string; url: string; size: number; sha256: string }>;
};

let server: TestServer;
let port: number;
let dir: string;
let mainscriptId: string;
let iso: string | undefined;

/** The server's own answer, or a thrown error naming its errors. */
const serverData = <T>(query: string, variables: Record<string, unknown> = {}) =>
  gqlData<T>(server.url, query, variables, server.token);

/** Follows buildProgress until the build ends; returns every state seen. */
async function waitForBuild(id: string): Promise<BuildView[]> {
  const client = wsClient(server.url, server.token);
  try {
    const { done } = collect<{ buildProgress: BuildView }>(
      client,
      `subscription($id: ID!) { buildProgress(id: $id) {
        id status progress error files { name url size sha256 } } }`,
      { id },
      Number.POSITIVE_INFINITY,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`build ${id} did not finish in ${BUILD_TIMEOUT_MS} ms`)),
        BUILD_TIMEOUT_MS,
      );
    });
    try {
      return (await Promise.race([done, timeout])).map((item) => item.buildProgress);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await client.dispose();
  }
}

async function expectDone(id: string): Promise<BuildView> {
  const started = Date.now();
  const states = await waitForBuild(id);
  console.info(
    `build ${id}: ${states.map((s) => `${s.status}/${s.progress}`).join(" ")} in ${Date.now() - started} ms`,
  );
  const last = states.at(-1);
  if (last?.status !== "DONE") {
    throw new Error(`build ${id} ended ${last?.status}: ${last?.error ?? "no error given"}`);
  }
  expect(last.progress).toBe(100);
  expect(last.files.length).toBeGreaterThan(0);
  return last;
}

/** Count of requests the server observed for a route template, method GET, status 200. */
async function servedCount(route: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find(
      (l) =>
        l.startsWith("provisioner_http_request_duration_seconds_count{") &&
        l.includes(`route="${route}"`) &&
        l.includes('method="GET"') &&
        l.includes('status="200"'),
    );
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

const MAINSCRIPT_ROUTE = "/api/mainscripts/:id";
const SUBSCRIPT_ROUTE = "/api/subscripts/:id";
/** Console text after which the boot cannot reach the subscript any more. */
const DEAD_ENDS = ["Could not boot", "No bootable device"];

async function bootThroughServer(firmware: Firmware, kind: BootMedium["kind"]) {
  if (!iso) throw new Error("the ISO was not built (see the build test's failure)");
  // A subscript for this boot only; the mainscript now chains to it.
  const bootId = randomUUID();
  const { createSubscript } = await serverData<{ createSubscript: { id: string } }>(
    "mutation($t: String!) { createSubscript(input: { text: $t }) { id } }",
    { t: `#!ipxe\necho subscript ${bootId} reached\nsleep 300\n` },
  );
  await serverData(
    "mutation($id: ID!, $t: String!) { updateMainscript(input: { id: $id, text: $t }) { id } }",
    {
      id: mainscriptId,
      t: `#!ipxe\necho mainscript reached\nchain http://${GUEST_HOST}:${port}/api/subscripts/${createSubscript.id}\n`,
    },
  );
  const mainBefore = await servedCount(MAINSCRIPT_ROUTE);
  const subBefore = await servedCount(SUBSCRIPT_ROUTE);

  const vmDir = await mkdtemp(join(dir, `vm-${firmware}-${kind}-`));
  const started = Date.now();
  return withVm(
    { firmware, medium: { kind, path: iso }, workDir: vmDir, timeoutMs: VM_TIMEOUT_MS },
    async (vm) => {
      let exited = false;
      void vm.exited.then(() => {
        exited = true;
      });
      const marker = `subscript ${bootId} reached`;
      // Done when the server served the subscript and the guest printed its unique text;
      // given up early once iPXE or the firmware says the chain failed.
      let gaveUp: string | undefined;
      while (!exited) {
        if ((await servedCount(SUBSCRIPT_ROUTE)) > subBefore && vm.console().includes(marker)) {
          break;
        }
        gaveUp = DEAD_ENDS.find((text) => vm.console().includes(text));
        if (gaveUp) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const serial = vm.console();
      const mainscripts = (await servedCount(MAINSCRIPT_ROUTE)) - mainBefore;
      const subscripts = (await servedCount(SUBSCRIPT_ROUTE)) - subBefore;
      if (exited || gaveUp) {
        const exit = exited ? await vm.exited : undefined;
        const how = gaveUp
          ? `printed "${gaveUp}"`
          : exit?.timedOut
            ? "timed out"
            : `exited (${exit?.exitCode})`;
        throw new Error(
          `QEMU ${how} before the subscript was served (mainscript fetches: ${mainscripts}, subscript fetches: ${subscripts})\n--- console tail ---\n${serial.slice(-3000)}`,
        );
      }
      console.info(
        `${firmware} ${kind}: subscript served after ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return { serial, mainscripts, subscripts, marker };
    },
  );
}

describe("ISO built by the server boots in QEMU and reaches the server", () => {
  beforeAll(async () => {
    await ensureIpxeVendor(AbortSignal.timeout(120_000));
    dir = await mkdtemp(join(tmpdir(), "iso-boot-server-"));
    port = await freePort();
    server = await startTestServer({
      PORT: String(port),
      PUBLIC_URL: `http://${GUEST_HOST}:${port}`,
    });
    const { createMainscript } = await serverData<{ createMainscript: { id: string } }>(
      'mutation { createMainscript(input: { text: "#!ipxe\\necho not yet armed\\n" }) { id } }',
    );
    mainscriptId = createMainscript.id;
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("builds iPXE, GRUB, SYSLINUX and the ISO through GraphQL; the download matches its sha256", {
    timeout: 240_000,
  }, async () => {
    const script = `#!ipxe\necho embedded script running\ndhcp\nchain http://${GUEST_HOST}:${port}/api/mainscripts/${mainscriptId}\n`;
    const create = async (mutation: string, input: Record<string, unknown>) => {
      const data = await serverData<Record<string, { id: string; status: string }>>(
        `mutation($input: Create${mutation}Input!) { create${mutation}(input: $input) { id status } }`,
        { input },
      );
      const build = data[`create${mutation}`];
      if (!build) throw new Error(`create${mutation} returned nothing`);
      expect(["QUEUED", "WORKING", "DONE"]).toContain(build.status);
      return build.id;
    };
    const ids = {
      ipxeUefi: await create("Ipxe", {
        script,
        platform: "bin-x86_64-efi",
        driver: "ipxe",
        extension: "efi",
      }),
      ipxeBios: await create("Ipxe", {
        script,
        platform: "bin",
        driver: "ipxe",
        extension: "lkrn",
      }),
      grubImg: await create("Grub", { label: LABEL, architecture: "x64", fragment: "img" }),
      grubEfiX64: await create("Grub", { label: LABEL, architecture: "x64", fragment: "efi" }),
      grubEfiX86: await create("Grub", { label: LABEL, architecture: "x86", fragment: "efi" }),
      ldLinux: await create("Syslinux", { fragment: "ldlinux.c32" }),
      isolinuxBin: await create("Syslinux", { fragment: "isolinux.bin" }),
      isohdpfxBin: await create("Syslinux", { fragment: "isohdpfx.bin" }),
    };
    const inputs = await Promise.all(Object.values(ids).map((id) => expectDone(id)));
    const uefi = inputs[0];
    expect(uefi?.files.map((f) => f.name).sort()).toEqual(["autoexec.ipxe", "ipxe.efi"]);
    for (const file of inputs.flatMap((b) => b.files)) {
      expect(file.url.startsWith(`http://${GUEST_HOST}:${port}/artifacts/`)).toBe(true);
    }

    const isoId = await create("Iso", { label: LABEL, ...ids });
    const built = await expectDone(isoId);
    const [file] = built.files;
    expect(built.files).toHaveLength(1);
    expect(file?.name).toBe("dist.iso");
    if (!file) throw new Error("no ISO file");
    // The URL is what booting hosts see; the host downloads through loopback.
    const url = new URL(file.url);
    expect(url.origin).toBe(`http://${GUEST_HOST}:${port}`);
    const res = await fetch(`${server.url}${url.pathname}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${file.sha256}"`);
    expect(res.headers.get("content-length")).toBe(String(file.size));
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(file.size);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(file.sha256);
    iso = join(dir, "dist.iso");
    await writeFile(iso, bytes);
  });

  test.skipIf(skipVm)(
    "BIOS, as CD: ISOLINUX → ipxe.lkrn → mainscript → subscript",
    {
      timeout: 200_000,
    },
    async () => {
      const boot = await bootThroughServer("bios", "cdrom");
      expect(boot.mainscripts).toBeGreaterThanOrEqual(1);
      expect(boot.subscripts).toBeGreaterThanOrEqual(1);
      expect(boot.serial).toContain("ISOLINUX");
      expect(boot.serial).toContain("embedded script running");
      expect(boot.serial).toContain("mainscript reached");
      expect(boot.serial).toContain(boot.marker);
    },
  );

  test.skipIf(skipVm)(
    "BIOS, as raw disk (USB): isohybrid MBR → ISOLINUX → the server",
    {
      timeout: 200_000,
    },
    async () => {
      const boot = await bootThroughServer("bios", "disk");
      expect(boot.mainscripts).toBeGreaterThanOrEqual(1);
      expect(boot.subscripts).toBeGreaterThanOrEqual(1);
      expect(boot.serial).toContain("Booting from Hard Disk");
      expect(boot.serial).toContain("mainscript reached");
      expect(boot.serial).toContain(boot.marker);
    },
  );

  test.skipIf(skipVm)(
    "UEFI (OVMF), as CD: GRUB → ipxe.efi + autoexec.ipxe → the server",
    {
      timeout: 200_000,
    },
    async () => {
      const boot = await bootThroughServer("uefi", "cdrom");
      expect(boot.mainscripts).toBeGreaterThanOrEqual(1);
      expect(boot.subscripts).toBeGreaterThanOrEqual(1);
      expect(boot.serial).toContain(`file://${espVolumeLabel(LABEL)}/EFI/ipxe/autoexec.ipxe... ok`);
      expect(boot.serial).toContain("mainscript reached");
      expect(boot.serial).toContain(boot.marker);
    },
  );
});
