import { describe, expect, it } from "vitest";
import { SUPPORTED_IPXE_TARGETS } from "../src/builders/ipxe.ts";
import {
  GRUB_ARCHITECTURES,
  GRUB_FRAGMENTS,
  IPXE_TARGETS,
  ISO_SLOTS,
  SYSLINUX_FRAGMENTS,
} from "../src/domain/build-targets.ts";
import { ISO_SLOTS as SERVER_ISO_SLOTS } from "../src/jobs/iso.ts";
import { startTestServer } from "./helpers/test-server.ts";

// The console offers only these; each one must be accepted by the real server, and the
// builders must accept nothing the console leaves out.
describe("build targets the console offers", () => {
  it("are exactly the builders' own lists", () => {
    expect(IPXE_TARGETS.map((t) => t.key).sort()).toEqual([...SUPPORTED_IPXE_TARGETS].sort());
    expect(ISO_SLOTS.map((s) => s.slot).sort()).toEqual([...SERVER_ISO_SLOTS].sort());
  });

  it("are each accepted by the server", async () => {
    const server = await startTestServer({ WORKERS: "false" });
    try {
      for (const t of IPXE_TARGETS) {
        const [platform, driver, extension] = t.key.split("/");
        const r = await server.gql(
          `mutation($i: CreateIpxeInput!) { createIpxe(input: $i) { id } }`,
          { i: { platform, driver, extension, script: "#!ipxe\nshell\n" } },
        );
        expect(r.errors, t.key).toBeUndefined();
      }
      for (const architecture of GRUB_ARCHITECTURES)
        for (const f of GRUB_FRAGMENTS) {
          const r = await server.gql(
            `mutation($i: CreateGrubInput!) { createGrub(input: $i) { id } }`,
            { i: { label: "PROVISIONER", architecture, fragment: f.key } },
          );
          expect(r.errors, `${architecture} ${f.key}`).toBeUndefined();
        }
      for (const fragment of SYSLINUX_FRAGMENTS) {
        const r = await server.gql(
          `mutation($i: CreateSyslinuxInput!) { createSyslinux(input: $i) { id } }`,
          { i: { fragment } },
        );
        expect(r.errors, fragment).toBeUndefined();
      }
    } finally {
      await server.stop();
    }
  });
});
